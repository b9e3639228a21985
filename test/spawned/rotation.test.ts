// A following `tail --output FILE` and log rotation. logrotate's `create` renames
// FILE and (optionally) sends SIGHUP: the CLI must let the old file go and write a new FILE,
// losing no line across the two; a rename or removal without SIGHUP is noticed by itself.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { eventsOf } from '../helpers/run-result.js';
import { RunningCli } from '../helpers/spawn.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await startTestBed();
});
afterEach(async () => bed.close());

const read = (file: string): unknown[] => (fs.existsSync(file) ? eventsOf(fs.readFileSync(file, 'utf8')) : []);

/** The files the process holds open, by path (Linux). */
function openFiles(pid: number): string[] {
  const dir = `/proc/${pid}/fd`;
  return fs.readdirSync(dir).flatMap((fd) => {
    try {
      return [fs.readlinkSync(path.join(dir, fd))];
    } catch {
      return [];
    }
  });
}

describe('--output FILE in follow mode and log rotation', () => {
  it('logrotate `create` + SIGHUP: the old file is let go at once, new lines go to a new FILE, none lost', async () => {
    const before = await bed.primed(5);
    const dir = tempDir();
    const file = path.join(dir, 'f.jsonl');
    const tail = new RunningCli(['tail', bed.project, '--output', file, '--interval', '0.2'], bed.env());
    try {
      await tail.waitFor(() => read(file).length === 5, 10_000, 'the first 5 lines in f.jsonl');
      fs.renameSync(file, `${file}.1`);
      tail.kill('SIGHUP');
      // Released without waiting for a write (logrotate may compress f.jsonl.1 next), still running.
      await tail.waitFor(() => !openFiles(tail.child.pid!).includes(`${file}.1`), 10_000, 'f.jsonl.1 to be closed');
      expect(tail.child.exitCode).toBeNull();
      const after = bed.emulator.asana.appendEvents(bed.project, 3);
      await tail.waitFor(() => read(file).length === 3, 10_000, 'the 3 new lines in the new f.jsonl');
      expect(read(`${file}.1`)).toEqual(before);
      expect(read(file)).toEqual(after);
    } finally {
      tail.kill('SIGINT');
      await tail.done;
    }
    expect(tail.stderr).toBe('');
  });

  it('without SIGHUP: a renamed FILE, then a removed one, is noticed at the next write; no line lost', async () => {
    const first = await bed.primed(4);
    const dir = tempDir();
    const file = path.join(dir, 'f.jsonl');
    const tail = new RunningCli(['tail', bed.project, '--output', file, '--interval', '0.2'], bed.env());
    try {
      await tail.waitFor(() => read(file).length === 4, 10_000, 'the first 4 lines');
      fs.renameSync(file, `${file}.1`);
      const second = bed.emulator.asana.appendEvents(bed.project, 3);
      await tail.waitFor(() => read(file).length === 3, 10_000, 'the 3 lines of the next poll in a new f.jsonl');
      expect(read(`${file}.1`)).toEqual(first);
      expect(read(file)).toEqual(second);
      fs.rmSync(file);
      const third = bed.emulator.asana.appendEvents(bed.project, 2);
      await tail.waitFor(() => read(file).length === 2, 10_000, 'the 2 lines after the removal in a new f.jsonl');
      expect(read(file)).toEqual(third);
      expect(read(`${file}.1`)).toEqual(first);
    } finally {
      tail.kill('SIGINT');
      await tail.done;
    }
  });
});
