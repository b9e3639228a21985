// A cross-process lock per subscription and group: an interactive tail and an overlapping cron
// run must never both move one cursor. The lock file appears whole or not at all (written under a
// temporary name, then hard-linked into place, which fails if it exists), and says who holds it:
// pid, the process's start time and the host. A lock is stale when that process is gone (or a
// zombie: killed, not yet reaped by its parent, it holds nothing), when its pid now belongs to
// another process (a different start time), or when the file cannot be parsed and is old (a crash
// of an older version between create and write). A stale lock is taken over, guarded so two
// waiters cannot both delete and recreate it. A lock that cannot be written or read at all (a
// read-only or full disk, a folder in its place) is the state folder's error, exit 73.
import fs from 'node:fs';
import os from 'node:os';
import { LockedError } from '../core/errors.js';
import { tempPathFor } from '../lib/durable.js';
import { sleep } from '../lib/sleep.js';
import { folderError, isFileSystemError } from './folder.js';

export interface LockOptions {
  /** How long to wait for the holder to finish; 0 fails at once. */
  waitMs: number;
  description: string;
  signal?: AbortSignal;
  /**
   * What to do about a live holder, for a command that is not tail: `state reset` takes no
   * --wait-lock and its --group names another cursor, so tail's advice would send it wrong.
   */
  advice?: string;
}

export type Release = () => void;

export interface LockOwner {
  pid: number;
  /** The process's start time in clock ticks since boot (Linux), to tell a recycled pid apart. */
  start?: number;
  host: string;
  /** When the lock was taken, ISO 8601. */
  since: string;
}

const POLL_MS = 100;
const TAKEOVER_STALE_MS = 5_000;
/** An unreadable lock younger than this may be one being replaced right now: leave it. */
const UNREADABLE_STALE_MS = 5_000;

export async function acquireLock(lockPath: string, options: LockOptions): Promise<Release> {
  try {
    return await acquire(lockPath, options);
  } catch (error) {
    throw isFileSystemError(error) ? folderError('take the lock', lockPath, error) : error;
  }
}

async function acquire(lockPath: string, options: LockOptions): Promise<Release> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    const mine = me();
    if (tryCreate(lockPath, `${JSON.stringify(mine)}\n`)) return () => release(lockPath, mine);
    const holder = readOwner(lockPath);
    if (holder === 'gone') continue;
    if (isStale(lockPath, holder)) {
      if (!removeStale(lockPath, holder)) await sleep(POLL_MS, options.signal);
      continue;
    }
    if (Date.now() >= deadline) throw lockedError(lockPath, holder, options);
    await sleep(POLL_MS, options.signal);
  }
}

function lockedError(lockPath: string, holder: LockOwner | undefined, options: LockOptions): LockedError {
  const who = holder
    ? ` (pid ${holder.pid}${holder.host !== os.hostname() ? ` on ${holder.host}` : ''}, since ${holder.since})`
    : '';
  const wait =
    options.waitMs > 0 ? 'it did not finish in time: raise --wait-lock' : 'pass --wait-lock <seconds> to wait for it';
  const advice = options.advice ?? `${wait}, or use another --group for an independent cursor`;
  return new LockedError(
    `another events process${who} is reading ${options.description}; lock file ${lockPath}`,
    `${advice}; if no such process runs, remove the lock: rm '${lockPath}'`,
  );
}

/** The lock appears with its content or not at all: a crash can never leave it empty. */
function tryCreate(lockPath: string, content: string): boolean {
  const temp = tempPathFor(lockPath);
  try {
    // Inside the try: a write that fails (a full disk) must not leave the empty temporary file.
    fs.writeFileSync(temp, content, { mode: 0o600 });
    fs.linkSync(temp, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/**
 * The owner, undefined when the file cannot be understood, 'gone' when there is no file. A file
 * that cannot be read at all (a folder in its place, no permission) throws: waiting would not
 * change it, and it is no holder to take over from.
 */
function readOwner(lockPath: string): LockOwner | undefined | 'gone' {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && owner.pid > 0)
      return { pid: owner.pid, start: owner.start, host: owner.host ?? os.hostname(), since: owner.since ?? '?' };
  } catch {
    // Locks of earlier versions hold the bare pid.
  }
  const pid = Number.parseInt(text, 10);
  return /^\d+\s*$/.test(text) && pid > 0 ? { pid, host: os.hostname(), since: '?' } : undefined;
}

function isStale(lockPath: string, holder: LockOwner | undefined): boolean {
  if (holder === undefined) {
    try {
      return Date.now() - fs.statSync(lockPath).mtimeMs > UNREADABLE_STALE_MS;
    } catch {
      return false;
    }
  }
  // Another machine sharing the folder: its processes cannot be checked from here.
  if (holder.host !== os.hostname()) return false;
  if (!isAlive(holder.pid)) return true;
  const start = processStart(holder.pid);
  return holder.start !== undefined && start !== undefined && start !== holder.start;
}

/** This process's start time: read once, not for every lock taken. */
let ownStart: number | undefined | null = null;

function me(): LockOwner {
  if (ownStart === null) ownStart = processStart(process.pid);
  return { pid: process.pid, start: ownStart, host: os.hostname(), since: new Date().toISOString() };
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot (Linux only). */
export function processStart(pid: number): number | undefined {
  const ticks = Number(statFields(pid)?.[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

/** Field 3 of /proc/<pid>/stat: R, S, D, T, Z (zombie), X (dead), ...; undefined off Linux. */
export function processState(pid: number): string | undefined {
  return statFields(pid)?.[0];
}

/** /proc/<pid>/stat from field 3 on, undefined when there is no such file. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The process exists and is not a zombie (killed, not reaped yet): it may still write. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, but another user's.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // kill(pid, 0) succeeds on a zombie too: killed, but its parent has not reaped it yet (a slow
  // supervisor). It holds nothing any more.
  const state = processState(pid);
  return state !== 'Z' && state !== 'X';
}

function removeStale(lockPath: string, stale: LockOwner | undefined): boolean {
  const guard = `${lockPath}.takeover`;
  if (!tryCreate(guard, `${JSON.stringify(me())}\n`)) {
    // Someone else is taking over; clear a guard left by a takeover that was itself killed.
    try {
      if (Date.now() - fs.statSync(guard).mtimeMs > TAKEOVER_STALE_MS) fs.unlinkSync(guard);
    } catch {
      // gone already
    }
    return false;
  }
  try {
    // Only remove the lock if it is still the stale one.
    const now = readOwner(lockPath);
    const same =
      now === undefined
        ? stale === undefined
        : now !== 'gone' && stale !== undefined && now.pid === stale.pid && now.start === stale.start;
    if (same) fs.rmSync(lockPath, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
  return true;
}

/** Best effort: a lock left behind names a process that is gone, and the next run takes it over. */
function release(lockPath: string, mine: LockOwner): void {
  try {
    const owner = readOwner(lockPath);
    if (owner !== undefined && owner !== 'gone' && owner.pid === mine.pid && owner.start === mine.start)
      fs.rmSync(lockPath, { force: true });
  } catch {
    // the state folder went read-only or away under us: nothing left to do here
  }
}
