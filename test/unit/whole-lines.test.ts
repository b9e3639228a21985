// repairTornTail on real files: the last newline is found however far back it is (the file is read
// backwards 64 KiB at a time), and only a fragment that can be one of our records is cut.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputError } from '../../src/core/errors.js';
import { appendWhole, repairTornTail } from '../../src/output/whole-lines.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function fileWith(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-lines-'));
  dirs.push(dir);
  const file = path.join(dir, 'out.jsonl');
  fs.writeFileSync(file, text);
  return file;
}

function repair(file: string): number {
  const fd = fs.openSync(file, 'a+');
  try {
    return repairTornTail(fd, file);
  } finally {
    fs.closeSync(fd);
  }
}

/** Repairs a file holding `text`; returns what it dropped and what is left. */
function repaired(text: string): { dropped: number; left: string } {
  const file = fileWith(text);
  return { dropped: repair(file), left: fs.readFileSync(file, 'utf8') };
}

describe('repairTornTail', () => {
  it('leaves an empty file and one that ends in a newline alone', () => {
    expect(repaired('')).toEqual({ dropped: 0, left: '' });
    expect(repaired('{"a":1}\n{"b":2}\n')).toEqual({ dropped: 0, left: '{"a":1}\n{"b":2}\n' });
  });

  it('cuts a torn record back to the last newline, also one far more than 64 KiB back', () => {
    const whole = '{"a":1}\n'.repeat(20_000);
    const torn = `{"b":"${'x'.repeat(200_000)}`;
    expect(repaired(whole + torn)).toEqual({ dropped: torn.length, left: whole });
  });

  it('cuts a file that is one torn record to nothing', () => {
    expect(repaired('{"user":{"gid":"12')).toEqual({ dropped: 18, left: '' });
  });

  it('refuses a last line that is not a record, and leaves the file as it was', () => {
    const file = fileWith('{"a":1}\nnotes');
    expect(() => repair(file)).toThrow(OutputError);
    expect(() => repair(file)).toThrow(/it ends in 5 bytes without a newline that are not a record/);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a":1}\nnotes');
  });
});

describe('appendWhole', () => {
  it('/dev/full: the ENOSPC of write(2) reaches the caller', () => {
    const fd = fs.openSync('/dev/full', 'w');
    try {
      expect(() => appendWhole(fd, Buffer.from('{"a":1}\n'))).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    } finally {
      fs.closeSync(fd);
    }
  });
});
