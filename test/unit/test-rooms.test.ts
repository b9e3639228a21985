// Test folders say what their files run (docs/design.md, "Tests by what they run"): test/spawned/
// holds the files with a test that runs a child process (bin/events.js, a shell, a pty),
// test/in-process/ those that run the CLI only inside the test process, test/unit/ the rest. Move a
// spawning test into test/in-process/, or a file into a folder of its own, and a test here names it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const TEST = path.resolve(import.meta.dirname, '..');
const ROOMS = ['unit', 'in-process', 'spawned'];

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.ts') ? [path.relative(TEST, full)] : [];
  });
}

/** The file starts a child process: the spawning helpers, or node:child_process itself. */
function spawns(file: string): boolean {
  const text = fs.readFileSync(path.join(TEST, file), 'utf8');
  return /from\s+['"](?:\.\.\/helpers\/(?:spawn|pty)\.js|node:child_process)['"]/.test(text);
}

const files = testFiles(TEST);
const inRoom = (room: string): string[] => files.filter((f) => f.startsWith(`${room}/`));

describe('test folders by what they run', () => {
  it('every test file is in test/unit/, test/in-process/ or test/spawned/', () => {
    expect(files.filter((f) => !ROOMS.some((room) => f.startsWith(`${room}/`)))).toEqual([]);
    for (const room of ROOMS) expect(inRoom(room).length, room).toBeGreaterThan(0);
  });

  it('no file of test/in-process/ starts a child process', () => {
    expect(inRoom('in-process').filter(spawns)).toEqual([]);
  });

  it('every file of test/spawned/ starts one', () => {
    expect(inRoom('spawned').filter((f) => !spawns(f))).toEqual([]);
  });
});
