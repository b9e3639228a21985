// A write through a symlink lands on the file at the end of its links.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { linkTarget, writeFileAtomic } from '../../src/lib/durable.js';

const dirs: string[] = [];
const dir = (): string => {
  const made = fs.mkdtempSync(path.join(os.tmpdir(), 'events-durable-'));
  dirs.push(made);
  return made;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('linkTarget', () => {
  it('follows a chain of relative links across folders; a plain or missing path is itself', () => {
    const a = dir();
    const b = dir();
    const target = path.join(b, 'data.jsonl');
    fs.writeFileSync(target, '');
    fs.symlinkSync(path.relative(a, target), path.join(a, 'hop.jsonl'));
    fs.symlinkSync('hop.jsonl', path.join(a, 'link.jsonl'));
    expect(linkTarget(path.join(a, 'link.jsonl'))).toBe(target);
    expect(linkTarget(target)).toBe(target);
    expect(linkTarget(path.join(a, 'new.jsonl'))).toBe(path.join(a, 'new.jsonl'));
  });

  it('a dangling link names the file to create, in the target folder', () => {
    const a = dir();
    const b = dir();
    fs.symlinkSync(path.join(b, 'later.jsonl'), path.join(a, 'link.jsonl'));
    expect(linkTarget(path.join(a, 'link.jsonl'))).toBe(path.join(b, 'later.jsonl'));
  });
});

describe('writeFileAtomic: the one way a file is replaced', () => {
  it('replaces the file whole, durable or not, and leaves no temporary file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-atomic-'));
    const target = path.join(dir, 'f.json');
    fs.writeFileSync(target, 'old');
    writeFileAtomic(target, 'new, quick', { durable: false });
    expect(fs.readFileSync(target, 'utf8')).toBe('new, quick');
    writeFileAtomic(target, 'new, durable', { durable: true });
    expect(fs.readFileSync(target, 'utf8')).toBe('new, durable');
    expect(fs.readdirSync(dir)).toEqual(['f.json']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a rename that fails leaves the target as it was and removes the temporary file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-atomic-'));
    const target = path.join(dir, 'busy');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'inside'), 'x'); // renaming a file over a folder fails
    expect(() => writeFileAtomic(target, 'data', { durable: true })).toThrow();
    expect(fs.readdirSync(dir)).toEqual(['busy']);
    expect(fs.readdirSync(target)).toEqual(['inside']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
