// The spawned tests never run a dist/ older than src/ (test/helpers/fresh-dist.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStale } from '../helpers/fresh-dist.js';

function tree(files: Record<string, number>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'events-dist-'));
  for (const [name, seconds] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), '');
    fs.utimesSync(path.join(root, name), seconds, seconds);
  }
  return root;
}

describe('a stale dist/', () => {
  it('is one older than a source, or missing one of its files', () => {
    const fresh = { 'src/main.ts': 100, 'src/cli/program.ts': 100, 'dist/main.js': 200, 'dist/cli/program.js': 200 };
    expect(isStale(tree({ ...fresh, 'dist/bundle/main.js': 200 }))).toBe(false);
    // bin/events.js runs the bundle: without it, or older than a source, dist/ is stale.
    expect(isStale(tree(fresh))).toBe(true);
    expect(isStale(tree({ ...fresh, 'dist/bundle/main.js': 50 }))).toBe(true);
    expect(
      isStale(tree({ 'src/main.ts': 100, 'src/cli/program.ts': 300, 'dist/main.js': 200, 'dist/cli/program.js': 200 })),
    ).toBe(true);
    expect(isStale(tree({ 'src/main.ts': 100, 'src/cli/program.ts': 100, 'dist/main.js': 200 }))).toBe(true);
    expect(isStale(tree({ 'src/main.ts': 100, 'tsconfig.json': 300, 'dist/main.js': 200 }))).toBe(true);
  });

  it('is not what this run tests: the global setup has rebuilt it', () => {
    expect(isStale(path.resolve(import.meta.dirname, '../..'))).toBe(false);
  });
});
