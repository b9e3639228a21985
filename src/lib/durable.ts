// Durable file writes without any dependency: write a temporary file, fsync it, rename it over
// the target and fsync the folder. A reader (or a process killed at any instant) sees the old
// file or the new one, never half of one; after the folder fsync it also survives a power cut.
import fs from 'node:fs';
import path from 'node:path';

/** rename() is atomic, but only an fsync of the folder makes it survive a power cut. */
export function fsyncDir(dir: string): void {
  // Windows cannot open a folder for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Where a write through `target` lands: the file at the end of its symlinks, which may not exist
 * yet (a dangling link names the file to create). Renaming a temporary file over the link itself
 * would replace the link with a file and leave its target as it was.
 */
export function linkTarget(target: string): string {
  let current = target;
  for (let hops = 0; hops < 40; hops++) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(current);
    } catch {
      return current; // a new file (or a dangling link's target)
    }
    if (!stat.isSymbolicLink()) return current;
    current = path.resolve(path.dirname(current), fs.readlinkSync(current));
  }
  return current; // a loop: opening it fails with ELOOP, which names the problem
}

/**
 * `mkdir -p` without Node's recursion, which under a pseudo file system loops for good:
 * `fs.mkdirSync('/proc/nope', { recursive: true })` hears ENOENT, sees that /proc exists, and
 * tries again, at full CPU. Here: walk up to the first ancestor that exists, then create each
 * missing level with one plain mkdir, and fail on the first error. Something other than a folder
 * on the way fails with ENOTDIR naming it.
 */
export function makeFolders(dir: string, mode = 0o700): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(at);
    } catch (error) {
      // ENOTDIR: a file further up; the walk finds it and names it.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    }
    if (stat) {
      if (!stat.isDirectory()) throw notAFolder(at);
      break;
    }
    const parent = path.dirname(at);
    if (parent === at) break;
    missing.unshift(at);
    at = parent;
  }
  for (const level of missing) {
    try {
      fs.mkdirSync(level, { mode });
    } catch (error) {
      // Another process made it in between: fine if it is a folder.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!fs.statSync(level).isDirectory()) throw notAFolder(level);
    }
  }
}

function notAFolder(at: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), {
    code: 'ENOTDIR',
    errno: -20,
    syscall: 'mkdir',
    path: at,
  });
}

/** A temporary name beside the target, unique per process and call. */
let counter = 0;
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${++counter}.tmp`);
}

/** A name tempPathFor makes: `.<target>.<pid>.<n>.tmp`. */
const TEMP_NAME = /^\.(.+)\.(\d+)\.\d+\.tmp$/;

/**
 * Removes the temporary files (tempPathFor's names) that processes of this machine which are no
 * longer alive left in `dir`: killed (`kill -9`, a power cut) between creating one and renaming
 * it into place, nothing else would ever remove them. With `target`, only those for that file
 * name. A file whose pid is alive stays (this process's own included): it may be being written.
 * Best effort: returns the names removed, and never throws.
 */
export function removeDeadTemps(dir: string, target?: string, alive: (pid: number) => boolean = isAlive): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match || (target !== undefined && match[1] !== target)) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || alive(pid)) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed.push(name);
    } catch {
      // gone already, or not ours to remove (a folder of that name, no permission)
    }
  }
  return removed;
}

/** kill(pid, 0) finds the process: alive (EPERM: alive, another user's). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The one way a file is replaced in this project: `data` goes to a temporary file beside the
 * target, which is renamed over it, so a reader (or a crash) sees the old file or the new one,
 * never a part. `durable`: the file and then its folder are fsynced, so the new one survives a
 * power cut too; without it (a cursor in the middle of a drain) a power cut may bring back the
 * old file, which only means reading a page again. On any failure the temporary file is removed.
 */
export function writeFileAtomic(target: string, data: string, options: { durable: boolean; mode?: number }): void {
  const temp = tempPathFor(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx', options.mode ?? 0o600);
    fs.writeSync(fd, data);
    if (options.durable) fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  replaceWith(temp, target, options);
}

/** Replaces and durably with `data` (writeFileAtomic, durable). */
export function writeFileDurable(target: string, data: string, mode = 0o600): void {
  writeFileAtomic(target, data, { durable: true, mode });
}

/**
 * Puts `temp` (written, fsynced if it must be durable, and closed by the caller) in place of
 * `target`; with `durable`, the folder's fsync makes the rename itself survive a power cut. On
 * failure `temp` is removed and `target` is left as it was.
 */
export function replaceWith(temp: string, target: string, options: { durable: boolean }): void {
  try {
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  if (options.durable) fsyncDir(path.dirname(target));
}
