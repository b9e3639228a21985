// A state folder that cannot be used is its own error (exit 73) naming
// the path, the cause and EVENTS_CONFIG_DIR; a lock held by a zombie is no lock; an empty shard in
// follow mode is exit 8, which a unit file can name, rather than 0 and a restart every 10 s.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf } from '../helpers/run-result.js';
import { BIN, runCli, RunningCli } from '../helpers/spawn.js';
import { waitUntil } from '../helpers/wait-until.js';
import { useTinyTmpfs } from '../helpers/tmpfs.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';
import { inShard } from '../../src/core/shard.js';
import { processState } from '../../src/state/lock.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await startTestBed();
});
afterEach(async () => bed.close());

const host = (): string => new URL(bed.emulator.url).host;
const lockPath = (): string =>
  path.join(bed.stateDir, 'locks', `asana__${host().replace(/[^A-Za-z0-9._-]/g, '-')}__${bed.project}__default.lock`);

/** One line on stderr, no stack, and no "internal error". */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/internal error|\n\s+at /);
  return lines[0]!;
}

describe('state folder problems', () => {
  it("EVENTS_CONFIG_DIR under /proc: exit 73 at once (Node's recursive mkdir spun there for good), for tail and config set", async () => {
    for (const dir of ['/proc/nope', '/proc/nope/deeper']) {
      // Without the fix the process never ends: runCli kills it, and the code is null.
      const tail = await runCli(['tail', bed.project, '--once'], bed.env({ EVENTS_CONFIG_DIR: dir }), {
        timeoutMs: 20_000,
      });
      expect(tail.code).toBe(73);
      expect(oneLine(tail.stderr)).toBe(
        `events: cannot create the state folder ${dir}: /proc takes no new folders (a pseudo file system, not a disk) (ENOENT) (set EVENTS_CONFIG_DIR to a folder on a real disk)`,
      );
    }
    const set = await runCli(['config', 'set', 'group', 'export'], bed.env({ EVENTS_CONFIG_DIR: '/proc/nope' }), {
      timeoutMs: 20_000,
    });
    expect(set.code).toBe(73);
    expect(oneLine(set.stderr)).toMatch(/^events: cannot create the state folder \/proc\/nope: .*EVENTS_CONFIG_DIR/);
  });

  it('a file where the state folder goes: exit 73 naming it, not 5 (a corrupt file)', async () => {
    const file = path.join(bed.stateDir, 'in-the-way');
    fs.writeFileSync(file, '');
    const run = await runCli(
      ['tail', bed.project, '--once'],
      bed.env({ EVENTS_CONFIG_DIR: path.join(file, 'events') }),
    );
    expect(run.code).toBe(73);
    expect(oneLine(run.stderr)).toBe(
      `events: cannot create the state folder ${path.join(file, 'events')}: ${file} is a file, not a folder (ENOTDIR) (move ${file} out of the way, or set EVENTS_CONFIG_DIR to a writable folder)`,
    );
  });

  it('a folder where the lock file goes: exit 73 with the rmdir, not "locked" (6) nor an internal error (1)', async () => {
    await bed.primed(0);
    fs.mkdirSync(lockPath());
    const run = await runCli(['tail', bed.project, '--once'], bed.env());
    expect(run.code).toBe(73);
    expect(oneLine(run.stderr)).toBe(
      `events: cannot take the lock ${lockPath()}: it is a folder where a file goes (EISDIR) (remove that folder: rmdir '${lockPath()}'; or set EVENTS_CONFIG_DIR to a writable folder)`,
    );
  });

  it('a state folder this user may not write: exit 73 "permission denied", not an internal error', async () => {
    await bed.primed(0);
    for (const sub of ['locks', 'cursors']) fs.chmodSync(path.join(bed.stateDir, sub), 0o555);
    try {
      const run = await runUnprivileged(['tail', bed.project, '--once'], bed.env());
      expect(run.code).toBe(73);
      expect(oneLine(run.stderr)).toMatch(
        new RegExp(
          `^events: cannot take the lock ${escape(lockPath())}: permission denied \\(EACCES\\) \\(let this user write to ${escape(path.dirname(lockPath()))} \\(chown or chmod\\), or set EVENTS_CONFIG_DIR to a writable folder\\)$`,
        ),
      );
      // Locks writable, cursors not: state reset takes the lock, then cannot remove the cursor.
      fs.chmodSync(path.join(bed.stateDir, 'locks'), 0o700);
      const reset = await runUnprivileged(['state', 'reset', bed.project], bed.env());
      expect(reset.code).toBe(73);
      expect(oneLine(reset.stderr)).toMatch(
        /^events: cannot remove \S+\.json: permission denied \(EACCES\) \(let this user write to \S+\/cursors \(chown or chmod\), or set EVENTS_CONFIG_DIR/,
      );
      // config.json, written through conf, in a folder this user may not write.
      fs.chmodSync(bed.stateDir, 0o555);
      const set = await runUnprivileged(['config', 'set', 'group', 'export'], bed.env());
      expect(set.code).toBe(73);
      expect(oneLine(set.stderr)).toBe(
        `events: cannot write ${path.join(bed.stateDir, 'config.json')}: permission denied (EACCES) (let this user write to ${bed.stateDir} (chown or chmod), or set EVENTS_CONFIG_DIR to a writable folder)`,
      );
    } finally {
      fs.chmodSync(bed.stateDir, 0o700);
      for (const sub of ['locks', 'cursors']) fs.chmodSync(path.join(bed.stateDir, sub), 0o700);
    }
  });
});

describe('a read-only or full file system under the state folder', () => {
  // A real one: a 64 KiB tmpfs, remounted read-only or filled up. Mounting needs root; where it
  // is refused, the unit tests still cover ENOSPC through /dev/full.
  const tmpfs = useTinyTmpfs('state-fs', '64k');
  const mountPoint = tmpfs.path;

  it('EROFS: exit 73 "the file system is read-only", for a new state folder and for an existing one', async (context) => {
    if (!tmpfs.mounted()) context.skip('mounting a small tmpfs needs root');
    const existing = path.join(mountPoint, 'state');
    expect((await runCli(['tail', bed.project, '--once'], bed.env({ EVENTS_CONFIG_DIR: existing }))).code).toBe(0);
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    const fresh = path.join(mountPoint, 'new');
    const create = await runCli(['tail', bed.project, '--once'], bed.env({ EVENTS_CONFIG_DIR: fresh }));
    expect(create.code).toBe(73);
    expect(oneLine(create.stderr)).toBe(
      `events: cannot create the state folder ${fresh}: the file system is read-only (EROFS) (set EVENTS_CONFIG_DIR to a folder on a writable file system)`,
    );
    const run = await runCli(['tail', bed.project, '--once'], bed.env({ EVENTS_CONFIG_DIR: existing }));
    expect(run.code).toBe(73);
    expect(oneLine(run.stderr)).toMatch(
      /^events: cannot take the lock \S+\.lock: the file system is read-only \(EROFS\) \(set EVENTS_CONFIG_DIR to a folder on a writable file system\)$/,
    );
  });

  it('ENOSPC: exit 73 "the disk is full", the stored cursor untouched', async (context) => {
    if (!tmpfs.mounted()) context.skip('mounting a small tmpfs needs root');
    const state = path.join(mountPoint, 'state');
    expect((await runCli(['tail', bed.project, '--once'], bed.env({ EVENTS_CONFIG_DIR: state }))).code).toBe(0);
    const cursors = path.join(state, 'cursors');
    const cursor = path.join(cursors, fs.readdirSync(cursors)[0]!);
    const before = fs.readFileSync(cursor, 'utf8');
    bed.emulator.asana.appendEvents(bed.project, 3);
    // Fill the disk to the last byte.
    const fd = fs.openSync(path.join(mountPoint, 'filler'), 'w');
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(4096));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
    const run = await runCli(['tail', bed.project, '--once', '--json'], bed.env({ EVENTS_CONFIG_DIR: state }));
    expect(run.code).toBe(73);
    expect(oneLine(run.stderr)).toMatch(
      /: the disk is full \(ENOSPC\) \(free some space on that disk, or set EVENTS_CONFIG_DIR to a folder on another disk\)$/,
    );
    expect(fs.readFileSync(cursor, 'utf8')).toBe(before);
    // The lock's temporary file, created before its write failed, is gone too.
    expect(fs.readdirSync(path.join(state, 'locks'))).toEqual([]);
  });
});

describe('a zombie holds no lock', () => {
  it('a tail killed but not reaped by its parent (state Z) does not block the next run', async () => {
    const appended = await bed.primed(3);
    // The shell starts the tail in the background, then becomes a sleep that never reaps it: a
    // supervisor too slow to wait for its child.
    const parent = spawn(
      'sh',
      [
        '-c',
        `"${process.execPath}" "${BIN}" tail ${bed.project} --json --interval 0.2 >/dev/null 2>&1 & echo $!; exec sleep 600`,
      ],
      { env: bed.env() },
    );
    try {
      let out = '';
      parent.stdout.on('data', (d) => (out += d));
      await waitUntil(() => out.includes('\n'), 'the pid of the tail');
      const pid = Number(out.trim());
      await waitUntil(
        () => fs.existsSync(lockPath()) && fs.readFileSync(lockPath(), 'utf8').includes(`"pid":${pid}`),
        'the tail to hold its lock',
      );
      process.kill(pid, 'SIGKILL');
      await waitUntil(() => processState(pid) === 'Z', 'the tail to be a zombie');
      const second = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
      expect(processState(pid)).toBe('Z');
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      expect(eventsOf(second.stdout)).toEqual(appended);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('an empty shard in follow mode', () => {
  it('exits 8 with one line saying why; with --once it notes it and exits 0', async () => {
    const count = 2;
    const empty = [1, 2].find((k) => !inShard(bed.project, { index: k, count }))!;
    const full = empty === 1 ? 2 : 1;
    const follow = await runCli(['tail', bed.project, '--shard', `${empty}/${count}`, '--quiet'], bed.env());
    expect(follow.code).toBe(8);
    expect(oneLine(follow.stderr)).toBe(
      `events: shard ${empty}/${count} is empty: the hash of its id sends the one reference to another shard, so there is nothing to follow (use fewer shards than references, or let the service manager stop on exit 8: RestartPreventExitStatus=8 in a systemd unit)`,
    );
    expect(bed.eventRequests()).toHaveLength(0);
    const once = await runCli(['tail', bed.project, '--shard', `${empty}/${count}`, '--once'], bed.env());
    expect(once.code).toBe(0);
    expect(once.stderr).toContain(`shard ${empty}/${count} is empty`);
    // The other shard follows it as usual.
    const tail = new RunningCli(
      ['tail', bed.project, '--shard', `${full}/${count}`, '--json', '--interval', '0.2'],
      bed.env(),
    );
    await tail.waitFor(() => bed.eventRequests().length >= 2, 10_000, 'the full shard to poll');
    tail.kill('SIGINT');
    expect((await tail.done).code).toBe(130);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** As root, the CLI without the capabilities that override file modes (see edges.test.ts). */
function runUnprivileged(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child: ChildProcessWithoutNullStreams =
    process.getuid?.() === 0
      ? spawn('setpriv', ['--bounding-set=-dac_override,-dac_read_search', process.execPath, BIN, ...args], { env })
      : spawn(process.execPath, [BIN, ...args], { env });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}
