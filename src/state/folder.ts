// The state folder as a place that can fail: it cannot be created (under /proc, on a read-only
// disk, past a file in the way), it is full, not ours, or a folder sits where a lock or cursor
// file goes. Every such failure of a file operation becomes one StateFolderError (exit 73) that
// says what is wrong with which path and what to do, never an "internal error" with a stack.
import fs from 'node:fs';
import path from 'node:path';
import { EventsError, StateFolderError } from '../core/errors.js';
import { makeFolders } from '../lib/durable.js';

const ELSEWHERE = 'or set EVENTS_CONFIG_DIR to a writable folder';

/** The cause and the fix for each error code a file system gives. */
const CAUSES: Record<string, { cause: (at: string) => string; fix: (at: string) => string }> = {
  ENOSPC: {
    cause: () => 'the disk is full',
    fix: () => 'free some space on that disk, or set EVENTS_CONFIG_DIR to a folder on another disk',
  },
  EDQUOT: {
    cause: () => 'the disk quota is used up',
    fix: () => 'free some space or raise the quota, or set EVENTS_CONFIG_DIR to a folder on another disk',
  },
  EROFS: {
    cause: () => 'the file system is read-only',
    fix: () => 'set EVENTS_CONFIG_DIR to a folder on a writable file system',
  },
  EACCES: {
    cause: () => 'permission denied',
    fix: (at) => `let this user write to ${path.dirname(at)} (chown or chmod), ${ELSEWHERE}`,
  },
  EPERM: {
    cause: () => 'operation not permitted',
    fix: (at) => `let this user write to ${path.dirname(at)} (chown or chmod), ${ELSEWHERE}`,
  },
  ENOTDIR: { cause: (at) => `${at} is a file, not a folder`, fix: (at) => `move ${at} out of the way, ${ELSEWHERE}` },
  EEXIST: { cause: (at) => `${at} is in the way`, fix: (at) => `move ${at} out of the way, ${ELSEWHERE}` },
  EISDIR: {
    cause: (at) => `${at} is a folder where a file goes`,
    fix: (at) => `remove that folder: rmdir '${at}'; ${ELSEWHERE}`,
  },
  ERR_FS_EISDIR: {
    cause: (at) => `${at} is a folder where a file goes`,
    fix: (at) => `remove that folder: rmdir '${at}'; ${ELSEWHERE}`,
  },
  ENOENT: {
    cause: (at) => `${path.dirname(at)} was removed while events ran`,
    fix: () => `run again to create it, ${ELSEWHERE}`,
  },
  EIO: {
    cause: () => 'the disk reported an I/O error',
    fix: () => 'check the disk (dmesg), or set EVENTS_CONFIG_DIR to a folder on another disk',
  },
};

/**
 * `error` from a file operation on the state folder as a StateFolderError: "cannot <doing>
 * <target>: <cause> (<code>)", with the fix. An EventsError passes through unchanged.
 */
export function folderError(doing: string, target: string, error: unknown): Error {
  if (error instanceof EventsError || !(error instanceof Error)) return error as Error;
  const { code, path: where = target } = error as NodeJS.ErrnoException & { path?: string };
  // ENOTDIR names the path that was opened; the file in the way is one of its folders.
  const at = code === 'ENOTDIR' ? fileInTheWay(where) : where;
  // mkdir under /proc or /sys: the parent exists, yet no folder can be made in it.
  const known = code === 'ENOENT' && doing === CREATE ? NO_FOLDERS_HERE : code === undefined ? undefined : CAUSES[code];
  if (!known) {
    const reason = error.message.split('\n')[0];
    return new StateFolderError(`cannot ${doing} ${target}: ${reason}`, `check the state folder, ${ELSEWHERE}`, {
      cause: error,
    });
  }
  // The path once: "cannot create the state folder /x: it is a file", not "/x: /x is a file".
  const cause = known.cause(at).replace(new RegExp(`^${escape(target)}(?= )`), 'it');
  return new StateFolderError(`cannot ${doing} ${target}: ${cause} (${code})`, known.fix(at), { cause: error });
}

const CREATE = 'create the state folder';
const NO_FOLDERS_HERE = {
  cause: (at: string) => `${path.dirname(at)} takes no new folders (a pseudo file system, not a disk)`,
  fix: () => 'set EVENTS_CONFIG_DIR to a folder on a real disk',
};

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The nearest existing ancestor of `at` (or `at`) that is not a folder; `at` when there is none. */
function fileInTheWay(at: string): string {
  for (let p = at; ; p = path.dirname(p)) {
    try {
      return fs.statSync(p).isDirectory() ? at : p;
    } catch {
      if (path.dirname(p) === p) return at;
    }
  }
}

/** True for an error of a file operation (it has an errno code), not a bug or a stop. */
export function isFileSystemError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return (
    error instanceof Error &&
    !(error instanceof EventsError) &&
    typeof code === 'string' &&
    (/^E[A-Z]+$/.test(code) || code.startsWith('ERR_FS_'))
  );
}

/**
 * Throws the error a save into `dir` would meet, without writing anything: the folder is not
 * writable (read-only, no permission) or its disk has no room for a temporary file of `bytes`.
 * Cheap (two system calls), so it can run before every page that goes to the output.
 */
export function checkRoom(dir: string, bytes: number): void {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    const disk = fs.statfsSync(dir);
    // root may use the blocks a file system keeps back for it (ext4's 5%), others may not.
    const free = process.getuid?.() === 0 ? disk.bfree : disk.bavail;
    const full = free < Math.ceil(Math.max(bytes, 1) / disk.bsize) || (disk.files > 0 && disk.ffree === 0);
    if (full)
      throw Object.assign(new Error(`ENOSPC: no space left on device, statfs '${dir}'`), { code: 'ENOSPC', path: dir });
  } catch (error) {
    throw folderError('save cursors in', dir, error);
  }
}

/** Creates `dir` and the folders above it (mode 0700), or says why it cannot. */
export function makeStateFolder(dir: string): void {
  try {
    makeFolders(dir, 0o700);
  } catch (error) {
    throw folderError(CREATE, dir, error);
  }
}
