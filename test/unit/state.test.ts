import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, LockedError, StateError, StateFolderError } from '../../src/core/errors.js';
import { CursorStore, fileNameFor } from '../../src/state/cursors.js';
import { acquireLock, processStart, processState } from '../../src/state/lock.js';
import { waitUntil } from '../helpers/wait-until.js';
import { useTinyTmpfs } from '../helpers/tmpfs.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-state-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const key = { provider: 'asana', host: '127.0.0.1:4010', subscription: 'workspace:1', group: 'default' };

describe('cursor store', () => {
  it('saves and loads a cursor, one 0600 file per subscription in a 0700 folder', async () => {
    const store = new CursorStore(dir);
    const file = store.file(key);
    expect(file.load()).toBeUndefined();
    await file.save({ label: 'workspace 1', cursor: { sync: 'abc:1' }, savedAt: '2026-11-24T00:00:00.000Z' });
    expect(store.file(key).load()).toMatchObject({ version: 1, ...key, cursor: { sync: 'abc:1' } });
    expect(fs.statSync(file.path).mode & 0o777).toBe(0o600);
    expect(fs.statSync(store.cursorsDir).mode & 0o777).toBe(0o700);
    expect(path.basename(file.path)).toBe(`${fileNameFor(key)}.json`);
    expect(fileNameFor(key)).toBe('asana__127.0.0.1-4010__workspace-1__default');
  });

  it('keeps groups apart', async () => {
    const store = new CursorStore(dir);
    await store.file(key).save({ label: 'w', cursor: { sync: 'a' }, savedAt: 'x' });
    await store.file({ ...key, group: 'nightly' }).save({ label: 'w', cursor: { sync: 'b' }, savedAt: 'x' });
    expect(store.file(key).load()?.cursor).toEqual({ sync: 'a' });
    expect(store.file({ ...key, group: 'nightly' }).load()?.cursor).toEqual({ sync: 'b' });
    expect(store.list()).toHaveLength(2);
  });

  it('quick saves mid-drain: in place for small records, renamed for large ones, always loadable', async () => {
    const store = new CursorStore(dir);
    const file = store.file(key);
    await file.save({ label: 'w', cursor: { sync: 'a-long-token-to-start-with:1' }, savedAt: 'x' });
    const inode = fs.statSync(file.path).ino;
    await file.saveQuick({ label: 'w', cursor: { sync: 'b:2' }, savedAt: 'y' });
    // Written over the same file (no rename), padded: still one valid JSON record.
    expect(fs.statSync(file.path).ino).toBe(inode);
    expect(store.file(key).load()).toMatchObject({ cursor: { sync: 'b:2' }, savedAt: 'y' });
    const seen = Array.from({ length: 300 }, (_, i) => `id-${i}-${'x'.repeat(20)}`);
    await file.saveQuick({ label: 'w', cursor: { sync: 'e:1152921504606846999' }, savedAt: 'z', seen });
    expect(store.file(key).load()).toMatchObject({ cursor: { sync: 'e:1152921504606846999' }, seen });
    await file.saveQuick({ label: 'w', cursor: { sync: 'c:3' }, savedAt: 'w' });
    expect(store.file(key).load()).toMatchObject({ cursor: { sync: 'c:3' } });
    await file.save({ label: 'w', cursor: { sync: 'd:4' }, savedAt: 'v' });
    expect(store.file(key).load()).toMatchObject({ cursor: { sync: 'd:4' } });
    expect(fs.readdirSync(store.cursorsDir)).toEqual([path.basename(file.path)]);
    expect(fs.statSync(file.path).mode & 0o777).toBe(0o600);
  });

  it('refuses a corrupt file with the file name and the fix, never a silent restart', () => {
    const store = new CursorStore(dir);
    const file = store.file(key);
    fs.writeFileSync(file.path, '{"version":1,"cursor":{"sync":"ab');
    let caught: unknown;
    try {
      store.file(key).load();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StateError);
    expect((caught as StateError).message).toContain(file.path);
    expect((caught as StateError).hint).toBe(
      `start this subscription over from now: events state reset workspace:1 (or rm '${file.path}')`,
    );
  });

  it('refuses a file from a newer version', () => {
    const store = new CursorStore(dir);
    const file = store.file(key);
    fs.writeFileSync(file.path, JSON.stringify({ version: 99, cursor: {} }));
    expect(() => file.load()).toThrow(/newer version/);
  });
});

describe('lock', () => {
  it('lets one holder in and tells the second who holds it', async () => {
    const lock = path.join(dir, 'x.lock');
    const release = await acquireLock(lock, { waitMs: 0, description: 'project 1' });
    await expect(acquireLock(lock, { waitMs: 0, description: 'project 1' })).rejects.toThrow(LockedError);
    await expect(acquireLock(lock, { waitMs: 0, description: 'project 1' })).rejects.toThrow(`pid ${process.pid}`);
    release();
    const again = await acquireLock(lock, { waitMs: 0, description: 'project 1' });
    again();
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('waits a bounded time for the holder to finish', async () => {
    const lock = path.join(dir, 'x.lock');
    const release = await acquireLock(lock, { waitMs: 0, description: 'p' });
    setTimeout(release, 300);
    const started = Date.now();
    const second = await acquireLock(lock, { waitMs: 5000, description: 'p' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    second();
  });

  it('takes over a lock whose holder died (kill -9)', async () => {
    const lock = path.join(dir, 'x.lock');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    await new Promise((r) => child.once('spawn', r));
    fs.writeFileSync(lock, `${child.pid}\n`); // the format of earlier versions: a bare pid
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const release = await acquireLock(lock, { waitMs: 0, description: 'p' });
    expect(JSON.parse(fs.readFileSync(lock, 'utf8'))).toMatchObject({
      pid: process.pid,
      start: processStart(process.pid),
      host: os.hostname(),
    });
    release();
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('an empty lock file (a crash between create and write) is stale once it is a few seconds old', async () => {
    const lock = path.join(dir, 'x.lock');
    fs.writeFileSync(lock, '');
    // Fresh, it may be a lock being written right now: wait for it.
    await expect(acquireLock(lock, { waitMs: 0, description: 'p' })).rejects.toThrow(LockedError);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    const release = await acquireLock(lock, { waitMs: 0, description: 'p' });
    release();
  });

  it('a recycled pid: a live process with another start time does not hold the lock', async () => {
    const lock = path.join(dir, 'x.lock');
    const live = spawn('sleep', ['30']);
    await new Promise((r) => live.once('spawn', r));
    try {
      const start = processStart(live.pid!);
      expect(start).toBeGreaterThan(0);
      // The same pid, but the process that took the lock started at another time: it is gone.
      fs.writeFileSync(
        lock,
        JSON.stringify({ pid: live.pid, start: start! - 1, host: os.hostname(), since: '2026-01-01T00:00:00Z' }),
      );
      const release = await acquireLock(lock, { waitMs: 0, description: 'p' });
      release();
      // The very process: locked, and the error names the lock file and the fix.
      fs.writeFileSync(
        lock,
        JSON.stringify({ pid: live.pid, start, host: os.hostname(), since: '2026-01-01T00:00:00Z' }),
      );
      let caught: unknown;
      try {
        await acquireLock(lock, { waitMs: 0, description: 'project 1' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(LockedError);
      expect((caught as LockedError).message).toBe(
        `another events process (pid ${live.pid}, since 2026-01-01T00:00:00Z) is reading project 1; lock file ${lock}`,
      );
      expect((caught as LockedError).hint).toContain(`rm '${lock}'`);
    } finally {
      live.kill();
    }
  });
});

/** What `fn` throws (sync or async), to look at more than one property of it. */
async function thrown(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('it did not throw');
}

describe('state folder problems are their own error, exit 73', () => {
  const tmpfs = useTinyTmpfs('state-unit', '16k');
  it('creates missing levels one by one (no recursive mkdir), each 0700, and accepts what exists', () => {
    const deep = path.join(dir, 'a', 'b', 'events');
    new CursorStore(deep);
    for (const level of [
      path.join(dir, 'a'),
      path.join(dir, 'a', 'b'),
      deep,
      path.join(deep, 'cursors'),
      path.join(deep, 'locks'),
    ]) {
      expect(fs.statSync(level).mode & 0o777).toBe(0o700);
    }
    expect(() => new CursorStore(deep)).not.toThrow();
  });

  it('a file where the state folder goes, or above it: names the file, not an internal error or exit 5', async () => {
    const file = path.join(dir, 'plain-file');
    fs.writeFileSync(file, '');
    for (const target of [file, path.join(file, 'events', 'deeper')]) {
      const error = await thrown(() => new CursorStore(target));
      expect(error).toBeInstanceOf(StateFolderError);
      expect((error as StateFolderError).exitCode).toBe(ExitCode.stateFolder);
      expect(ExitCode.stateFolder).toBe(73);
      expect(error.message).toMatch(
        new RegExp(`^cannot create the state folder ${target}: (it|${file}) is a file, not a folder \\(ENOTDIR\\)$`),
      );
      expect((error as StateFolderError).hint).toBe(
        `move ${file} out of the way, or set EVENTS_CONFIG_DIR to a writable folder`,
      );
    }
  });

  it('a folder where the lock file goes (EISDIR): the state folder error at once, fresh or old', async () => {
    const lock = path.join(dir, 'x.lock');
    fs.mkdirSync(lock);
    // Fresh, it used to look like a live holder (exit 6); old, its removal threw EISDIR (exit 1).
    for (const age of [0, 60_000]) {
      const then = new Date(Date.now() - age);
      fs.utimesSync(lock, then, then);
      const error = await thrown(() => acquireLock(lock, { waitMs: 0, description: 'p' }));
      expect(error).toBeInstanceOf(StateFolderError);
      expect(error.message).toBe(`cannot take the lock ${lock}: it is a folder where a file goes (EISDIR)`);
      expect((error as StateFolderError).hint).toBe(
        `remove that folder: rmdir '${lock}'; or set EVENTS_CONFIG_DIR to a writable folder`,
      );
    }
    expect(fs.statSync(lock).isDirectory()).toBe(true);
  });

  it('the locks folder replaced by a file after start: the error names that file, not a temporary name', async () => {
    const store = new CursorStore(dir);
    fs.rmSync(store.locksDir, { recursive: true });
    fs.writeFileSync(store.locksDir, '');
    const error = await thrown(() => acquireLock(store.lockPath(key), { waitMs: 0, description: 'p' }));
    expect(error).toBeInstanceOf(StateFolderError);
    expect(error.message).toBe(
      `cannot take the lock ${store.lockPath(key)}: ${store.locksDir} is a file, not a folder (ENOTDIR)`,
    );
  });

  it('a folder where the cursor file goes is the folder\'s problem, not a "corrupt" file', async () => {
    const store = new CursorStore(dir);
    const file = store.file(key);
    fs.mkdirSync(file.path);
    const error = await thrown(() => file.load());
    expect(error).toBeInstanceOf(StateFolderError);
    expect(error.message).toBe(`cannot read ${file.path}: it is a folder where a file goes (EISDIR)`);
  });

  it('a full disk (ENOSPC, a real one: the cursor file leads to /dev/full) is exit 73 saying so', async () => {
    const store = new CursorStore(dir);
    const file = store.file(key);
    fs.symlinkSync('/dev/full', file.path);
    const error = await thrown(() => file.saveQuick({ label: 'w', cursor: { sync: 'a' }, savedAt: 'x' }));
    expect(error).toBeInstanceOf(StateFolderError);
    expect(error.message).toBe(`cannot save the cursor to ${file.path}: the disk is full (ENOSPC)`);
    expect((error as StateFolderError).hint).toBe(
      'free some space on that disk, or set EVENTS_CONFIG_DIR to a folder on another disk',
    );
  });

  it('a quick save through a temporary file that hits a full disk leaves no temporary file', async (context) => {
    if (!tmpfs.mounted()) context.skip('mounting a small tmpfs needs root');
    const store = new CursorStore(path.join(tmpfs.path, 'state'));
    const file = store.file(key);
    fs.mkdirSync(store.cursorsDir, { recursive: true });
    // Fill the disk, then save (no cursor file yet: the save goes through a temporary file).
    const filler = path.join(tmpfs.path, 'filler');
    try {
      fs.writeFileSync(filler, Buffer.alloc(1024 * 1024));
    } catch {
      // ENOSPC: full, as wanted
    }
    const error = await thrown(() => file.saveQuick({ label: 'w', cursor: { sync: 'a'.repeat(8000) }, savedAt: 'x' }));
    expect(error.message).toBe(`cannot save the cursor to ${file.path}: the disk is full (ENOSPC)`);
    expect(fs.readdirSync(store.cursorsDir)).toEqual([]);
  });
});

describe('a zombie holds no lock', () => {
  it('a holder killed but not yet reaped by its parent (state Z) is stale', async () => {
    const lock = path.join(dir, 'x.lock');
    // The shell starts the holder, then becomes a sleep that never waits for its children.
    const parent = spawn('sh', ['-c', 'sleep 600 & echo $!; exec sleep 600']);
    try {
      let out = '';
      parent.stdout.on('data', (d) => (out += d));
      await waitUntil(() => out.includes('\n'), 'the pid of the holder');
      const pid = Number(out.trim());
      await waitUntil(() => processStart(pid) !== undefined, 'the holder to start');
      fs.writeFileSync(
        lock,
        JSON.stringify({ pid, start: processStart(pid), host: os.hostname(), since: '2026-01-01T00:00:00Z' }),
      );
      await expect(acquireLock(lock, { waitMs: 0, description: 'p' })).rejects.toThrow(LockedError);
      process.kill(pid, 'SIGKILL');
      await waitUntil(() => processState(pid) === 'Z', 'the holder to be a zombie');
      const release = await acquireLock(lock, { waitMs: 0, description: 'p' });
      expect(JSON.parse(fs.readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid });
      expect(processState(pid)).toBe('Z');
      release();
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
