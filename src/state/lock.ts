// A cross-process lock per subscription and group: an interactive tail and an overlapping cron
// run must never both move one cursor. The lock is a file created with O_EXCL holding the
// owner's pid; a lock whose owner died (kill -9) is taken over, and the takeover itself is
// guarded so two waiters cannot both delete and recreate it.
import fs from 'node:fs';
import { LockedError } from '../errors.js';
import { sleep } from '../sleep.js';

export interface LockOptions {
  /** How long to wait for the holder to finish; 0 fails at once. */
  waitMs: number;
  description: string;
  signal?: AbortSignal;
}

export type Release = () => void;

const POLL_MS = 100;
const TAKEOVER_STALE_MS = 5_000;

export async function acquireLock(lockPath: string, options: LockOptions): Promise<Release> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    if (tryCreate(lockPath)) return () => release(lockPath);
    const holder = readPid(lockPath);
    if (holder !== undefined && !isAlive(holder)) {
      if (!removeStale(lockPath, holder)) await sleep(POLL_MS, options.signal);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? ` (pid ${holder})` : '';
      throw new LockedError(
        `another events process${who} is reading ${options.description}`,
        options.waitMs > 0 ? 'it did not finish in time; raise --wait-lock or use another --group' : 'pass --wait-lock <seconds> to wait for it, or use another --group for an independent cursor',
      );
    }
    await sleep(POLL_MS, options.signal);
  }
}

function tryCreate(lockPath: string, content = `${process.pid}\n`): boolean {
  try {
    const fd = fs.openSync(lockPath, 'wx', 0o600);
    try {
      fs.writeSync(fd, content);
    } finally {
      fs.closeSync(fd);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function readPid(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeStale(lockPath: string, deadPid: number): boolean {
  const guard = `${lockPath}.takeover`;
  if (!tryCreate(guard)) {
    // Someone else is taking over; clear a guard left by a takeover that was itself killed.
    try {
      if (Date.now() - fs.statSync(guard).mtimeMs > TAKEOVER_STALE_MS) fs.unlinkSync(guard);
    } catch {
      // gone already
    }
    return false;
  }
  try {
    // Only remove the lock if it still belongs to the dead process.
    if (readPid(lockPath) === deadPid) fs.rmSync(lockPath, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
  return true;
}

function release(lockPath: string): void {
  if (readPid(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
}
