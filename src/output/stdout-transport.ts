// What stdout really is, where the file descriptor says more than the stream: a probe of the
// process's fd 1 (Linux /proc), for the sink that is about to write events there.
import fs from 'node:fs';

/**
 * `events tail X >&-`: Node replaces a closed stdout with /dev/null opened read-write (a shell's
 * `> /dev/null` opens it write-only), so writes succeed into nothing. Only Linux shows this.
 */
export function stdoutIsClosed(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    if (fs.readlinkSync('/proc/self/fd/1') !== '/dev/null') return false;
    const flags = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync('/proc/self/fdinfo/1', 'utf8'))?.[1];
    return flags !== undefined && (Number.parseInt(flags, 8) & 0o3) === 0o2;
  } catch {
    return false;
  }
}
