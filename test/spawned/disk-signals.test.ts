// Disks and signals. A failure leaves a file the next run can extend: a write cut
// short by a real limit (RLIMIT_FSIZE through `ulimit -f`, a full tmpfs) is cut back to its last
// whole line, a torn last line is repaired with a warning, a full state disk stops the run before
// a page is written, a killed process's temporary files are removed by the next run; SIGHUP from
// a closing terminal stops like Ctrl-C, and SIGUSR1 opens no inspector.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { eventsOf } from '../helpers/run-result.js';
import { BIN, runCli, runShell, RunningCli } from '../helpers/spawn.js';
import { waitUntil } from '../helpers/wait-until.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';
import { useTinyTmpfs } from '../helpers/tmpfs.js';
import { shellQuote } from '../helpers/pty.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await startTestBed();
});
afterEach(async () => bed.close());

const host = (): string => new URL(bed.emulator.url).host;
const fileBase = (): string => `asana__${host().replace(/[^A-Za-z0-9._-]/g, '-')}__${bed.project}__default`;
const cursorPath = (stateDir = bed.stateDir): string => path.join(stateDir, 'cursors', `${fileBase()}.json`);
const cli = (args: string[]): string => [process.execPath, BIN, ...args].map(shellQuote).join(' ');
const read = (file: string): string => fs.readFileSync(file, 'utf8');

/** A first run that writes `count` events to `file`, then `more` events waiting for the next run. */
async function exportWithMore(file: string, count: number, more: number): Promise<Array<Record<string, unknown>>> {
  const first = await bed.primed(count);
  const run = await runCli(['tail', bed.project, '--once', '--output', file], bed.env());
  expect(run.code, run.stderr).toBe(0);
  expect(eventsOf(read(file))).toEqual(first);
  return [...first, ...bed.emulator.asana.appendEvents(bed.project, more)];
}

/** A pid that no process has any more: a child that ran and was reaped. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid;
}

describe('a write that fails partway is cut back to the last whole line', () => {
  it('--output under `ulimit -f 8` (EFBIG): exit 74, FILE as before, the cursor untouched; the next run extends it', async () => {
    const file = path.join(tempDir(), 'export.jsonl');
    const all = await exportWithMore(file, 5, 100);
    const before = read(file);
    const cursor = read(cursorPath());
    // RLIMIT_FSIZE: writes past 8 KiB fail (Node ignores SIGXFSZ, so write(2) says EFBIG).
    const limited = await runShell(
      `ulimit -f 8; exec ${cli(['tail', bed.project, '--once', '--output', file])}`,
      bed.env(),
    );
    expect(limited.code).toBe(74);
    expect(limited.stderr).toBe(
      `events: cannot write ${file}: the file reached the largest size this process may write (ulimit -f) or its file system allows (EFBIG) (raise the limit or rotate the file, then run again: the cursor did not move)\n`,
    );
    expect(read(file)).toBe(before);
    expect(read(cursorPath())).toBe(cursor);
    const next = await runCli(['tail', bed.project, '--once', '--output', file], bed.env());
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toBe('');
    expect(eventsOf(read(file))).toEqual(all);
  });

  it('stdout redirected to a file (`>> export.jsonl`) under `ulimit -f 8`: exit 74, not exit 0 with the rest of the page lost', async () => {
    const file = path.join(tempDir(), 'export.jsonl');
    const first = await bed.primed(5);
    expect(
      (await runShell(`${cli(['tail', bed.project, '--once', '--json'])} >> ${shellQuote(file)}`, bed.env())).code,
    ).toBe(0);
    const all = [...first, ...bed.emulator.asana.appendEvents(bed.project, 100)];
    const before = read(file);
    const limited = await runShell(
      `ulimit -f 8; exec ${cli(['tail', bed.project, '--once', '--json'])} >> ${shellQuote(file)}`,
      bed.env(),
    );
    expect(limited.code, limited.stderr).toBe(74);
    expect(limited.stderr).toMatch(/^events: cannot write stdout: .*\(EFBIG\)/);
    expect(read(file)).toBe(before);
    expect(
      (await runShell(`${cli(['tail', bed.project, '--once', '--json'])} >> ${shellQuote(file)}`, bed.env())).code,
    ).toBe(0);
    expect(eventsOf(read(file))).toEqual(all);
  });

  describe('a full disk', () => {
    const tmpfs = useTinyTmpfs('disk-signals-out', '32k');

    it('--output on a full tmpfs (ENOSPC): FILE as before; once there is room, the next run extends it', async (context) => {
      if (!tmpfs.mounted() && process.getuid?.() !== 0) context.skip('mounting a small tmpfs needs root');
      expect(tmpfs.mounted()).toBe(true);
      const file = path.join(tmpfs.path, 'export.jsonl');
      const all = await exportWithMore(file, 5, 300);
      const before = read(file);
      const full = await runCli(['tail', bed.project, '--once', '--output', file], bed.env());
      expect(full.code).toBe(74);
      expect(full.stderr).toContain(`events: cannot write ${file}: no space left on the device (ENOSPC)`);
      expect(read(file)).toBe(before);
      execFileSync('mount', ['-o', 'remount,size=2m', tmpfs.path]);
      const next = await runCli(['tail', bed.project, '--once', '--output', file], bed.env());
      expect(next.code, next.stderr).toBe(0);
      expect(next.stderr).toBe('');
      expect(eventsOf(read(file))).toEqual(all);
    });
  });
});

describe('a run that finds --output ending in a torn line', () => {
  it('cuts it back to the last whole line, says how many bytes it dropped, and appends whole lines', async () => {
    const file = path.join(tempDir(), 'export.jsonl');
    const all = await exportWithMore(file, 3, 4);
    const torn = '{"user":{"gid":"1204","resource_type":"us';
    fs.appendFileSync(file, torn);
    const run = await runCli(['tail', bed.project, '--once', '--output', file, '--quiet'], bed.env());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe(
      `events: warning: ${file} ended in a torn line: cut off its last ${torn.length} bytes (left by a write that failed or a crash; no saved cursor counted them, so their events come again)\n`,
    );
    const text = read(file);
    expect(text.endsWith('\n')).toBe(true);
    expect(eventsOf(text)).toEqual(all);
  });

  it('refuses (exit 74) a last line without a newline that is not a record, and leaves FILE and the cursor alone', async () => {
    const file = path.join(tempDir(), 'notes.txt');
    await bed.primed(3);
    fs.writeFileSync(file, 'my own notes\nnot ended');
    const cursor = read(cursorPath());
    const run = await runCli(['tail', bed.project, '--once', '--output', file], bed.env());
    expect(run.code).toBe(74);
    expect(run.stderr).toBe(
      `events: cannot append to ${file}: it ends in 9 bytes without a newline that are not a record of events (end that line with a newline (echo >> '${file}') if it is meant to stay, or choose another --output)\n`,
    );
    expect(read(file)).toBe('my own notes\nnot ended');
    expect(read(cursorPath())).toBe(cursor);
  });
});

describe('a full state disk', () => {
  const tmpfs = useTinyTmpfs('disk-signals-state', '64k');

  it('stops the run (exit 73) before a page goes to --output, so failed runs do not append it again and again', async (context) => {
    if (!tmpfs.mounted() && process.getuid?.() !== 0) context.skip('mounting a small tmpfs needs root');
    expect(tmpfs.mounted()).toBe(true);
    const env = bed.env({ EVENTS_CONFIG_DIR: path.join(tmpfs.path, 'state') });
    const file = path.join(tempDir(), 'export.jsonl');
    expect((await runCli(['tail', bed.project, '--once', '--output', file], env)).code).toBe(0);
    const appended = bed.emulator.asana.appendEvents(bed.project, 10);
    // Fill the disk, then free one page: the lock file takes it, and no cursor could be saved.
    const filler = path.join(tmpfs.path, 'filler');
    const fd = fs.openSync(filler, 'w');
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(4096));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    fs.ftruncateSync(fd, fs.fstatSync(fd).size - 4096);
    fs.closeSync(fd);
    for (let run = 0; run < 2; run++) {
      const full = await runCli(['tail', bed.project, '--once', '--output', file], env);
      expect(full.code).toBe(73);
      // Nothing written: without the check each run appended the page, then failed to save its cursor.
      expect(fs.existsSync(file)).toBe(false);
      expect(full.stderr).toBe(
        `events: cannot save cursors in ${path.join(tmpfs.path, 'state', 'cursors')}: the disk is full (ENOSPC) (free some space on that disk, or set EVENTS_CONFIG_DIR to a folder on another disk)\n`,
      );
    }
    fs.rmSync(filler);
    const next = await runCli(['tail', bed.project, '--once', '--output', file], env);
    expect(next.code, next.stderr).toBe(0);
    expect(eventsOf(read(file))).toEqual(appended);
  });
});

describe('temporary files of a dead process', () => {
  it('a `snapshot --output` killed with SIGKILL mid-crawl leaves its .tmp file; the next snapshot removes it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'snap.jsonl');
    // The crawl hangs on its second request: by then the temporary file holds the first page.
    bed.emulator.faults.add({ kind: 'hang', path: '/tasks', times: 5 });
    const killed = new RunningCli(['snapshot', bed.project, '--output', file], bed.env());
    await waitUntil(() => fs.readdirSync(dir).some((name) => name.endsWith('.tmp')), 'the temporary file', 10_000);
    killed.kill('SIGKILL');
    await killed.done;
    const left = fs.readdirSync(dir);
    expect(left).toEqual([`.snap.jsonl.${killed.child.pid}.1.tmp`]);
    // A live process's temporary file (this test's pid) and another file's stay.
    const live = `.snap.jsonl.${process.pid}.1.tmp`;
    const other = `.other.jsonl.${deadPid()}.1.tmp`;
    for (const name of [live, other]) fs.writeFileSync(path.join(dir, name), '');
    bed.emulator.faults.clear();
    const next = await runCli(['snapshot', bed.project, '--output', file], bed.env());
    expect(next.code, next.stderr).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual([other, live, 'snap.jsonl'].sort());
  });

  it('cursor and lock temporary files of a dead pid are removed by the next run; a live pid keeps its own', async () => {
    await bed.primed(0);
    const dead = deadPid();
    const cursors = path.join(bed.stateDir, 'cursors');
    const locks = path.join(bed.stateDir, 'locks');
    const stale = [
      path.join(cursors, `.${fileBase()}.json.${dead}.1.tmp`),
      path.join(locks, `.${fileBase()}.lock.${dead}.2.tmp`),
    ];
    const live = path.join(cursors, `.${fileBase()}.json.${process.pid}.1.tmp`);
    for (const name of [...stale, live]) fs.writeFileSync(name, '{"partial":');
    const run = await runCli(['tail', bed.project, '--once'], bed.env());
    expect(run.code, run.stderr).toBe(0);
    for (const name of stale) expect(fs.existsSync(name), name).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
  });
});

/** A reader slower than the CLI (4 KiB every 20 ms), each read appended to `out` at once. */
const SLOW_READER = `const fs = require('fs'); const out = fs.openSync(process.argv[1], 'a'); const buf = Buffer.alloc(4096);
const step = () => { let n; try { n = fs.readSync(0, buf); } catch (e) { if (e.code === 'EAGAIN') return setTimeout(step, 20); throw e; }
  if (n === 0) return; fs.writeSync(out, buf, 0, n); setTimeout(step, 20); };
step();`;

/** The complete lines the reader wrote down. */
function delivered(file: string): string {
  const text = fs.existsSync(file) ? read(file) : '';
  return text.slice(0, text.lastIndexOf('\n') + 1);
}

describe('signals', () => {
  it('SIGHUP to `events tail X --json | reader` (the terminal closed): exit 129, a pipe-safe cursor, no event lost', async () => {
    const appended = await bed.primed(3000);
    const dir = tempDir();
    const out = path.join(dir, 'reader.out');
    const err = path.join(dir, 'events.err');
    const rc = path.join(dir, 'rc');
    // A pipeline in a process group of its own, as a terminal runs it: the hangup reaches every
    // member, and the reader dies with what sits in the pipe. bash defers its own trap until the
    // pipeline has ended, then writes the CLI's exit code.
    const script = `trap : HUP; ${cli(['tail', bed.project, '--json'])} 2>${shellQuote(err)} | ${shellQuote(process.execPath)} -e "$READER" ${shellQuote(out)}; echo "\${PIPESTATUS[0]}" > ${shellQuote(rc)}`;
    const group = spawn('bash', ['-c', script], {
      env: { ...bed.env(), READER: SLOW_READER },
      detached: true,
      stdio: 'ignore',
    });
    const ended = new Promise<void>((resolve) => group.on('close', () => resolve()));
    await waitUntil(() => delivered(out).split('\n').length > 200, 'the slow reader to read 200 lines', 20_000);
    process.kill(-group.pid!, 'SIGHUP');
    await ended;
    expect(read(rc).trim()).toBe('129');
    const stderr = read(err);
    const stated =
      /^events: (?:stopped; |warning: the reader of stdout went away; )the last (\d+) lines may be repeated by the next run/m.exec(
        stderr,
      );
    expect(stated, stderr).not.toBeNull();
    const first = eventsOf(delivered(out));
    const second = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
    expect(second.code).toBe(0);
    const rest = eventsOf(second.stdout);
    const seen = new Set([...first, ...rest].map((e) => JSON.stringify(e)));
    expect(appended.filter((e) => !seen.has(JSON.stringify(e)))).toEqual([]);
    expect(first.length + rest.length - appended.length).toBeLessThanOrEqual(Number(stated![1]));
  });

  it('SIGUSR1 opens no inspector and does not stop a following tail', async () => {
    await bed.primed(0);
    const tail = new RunningCli(['tail', bed.project, '--json', '--interval', '0.2'], bed.env());
    await tail.waitFor(() => bed.eventRequests().length >= 3, 10_000, 'the tail to poll');
    tail.kill('SIGUSR1');
    const polls = bed.eventRequests().length;
    await tail.waitFor(() => bed.eventRequests().length >= polls + 3, 10_000, 'more polls after SIGUSR1');
    expect(tail.stderr).not.toMatch(/Debugger|inspector/i);
    tail.kill('SIGTERM');
    const done = await tail.done;
    expect(done.code).toBe(143);
    expect(done.stderr).toBe('');
  });
});
