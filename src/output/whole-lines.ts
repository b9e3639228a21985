// A file of JSON lines that the next run can extend: it ends in a whole line. A write that fails
// partway (a full disk, `ulimit -f`) is cut back to where it began, and a file found ending in a
// torn line (a crash, a power cut, an older version) is cut back to its last whole line. Both are
// safe for our own files: a cursor is saved only after its page was written whole, so a torn last
// line is never a record that a saved cursor counts; the next run reads its page again.
import fs from 'node:fs';
import { OutputError } from '../core/errors.js';

/** How much of the file's end is read at a time when looking for its last newline. */
const READ_BACK_BYTES = 64 * 1024;

/**
 * Writes all of `data` at the file's end (write(2) may take less than asked as a disk fills up),
 * or, when a write fails, cuts the file back to its size before the call and rethrows: no part
 * of a failed page stays behind. The cut is skipped when the file grew by more than this call
 * wrote (another process appended meanwhile: its lines are not ours to cut).
 */
export function appendWhole(fd: number, data: Buffer): void {
  const start = fs.fstatSync(fd).size;
  let written = 0;
  try {
    while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written);
  } catch (error) {
    try {
      if (written > 0 && fs.fstatSync(fd).size === start + written) fs.ftruncateSync(fd, start);
    } catch {
      // The write's error is the one to report; a failed cut leaves a torn line the next run repairs.
    }
    throw error;
  }
}

/**
 * Cuts a torn last line off the file open at `fd` (read and append) and says how many bytes it
 * dropped (0: the file is empty or ends in a newline). A fragment that cannot be the start of one
 * of our records (it does not begin with `{`) was written by someone else: refused, not cut.
 */
export function repairTornTail(fd: number, path: string): number {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return 0;
  const keep = endOfLastLine(fd, size);
  if (keep === size) return 0;
  const first = Buffer.alloc(1);
  fs.readSync(fd, first, 0, 1, keep);
  if (first[0] !== 0x7b) {
    throw new OutputError(
      `cannot append to ${path}: it ends in ${size - keep} bytes without a newline that are not a record of events`,
      `end that line with a newline (echo >> '${path}') if it is meant to stay, or choose another --output`,
    );
  }
  fs.ftruncateSync(fd, keep);
  return size - keep;
}

/** The offset just past the last newline of a file of `size` bytes (0 when it has none). */
function endOfLastLine(fd: number, size: number): number {
  const buffer = Buffer.alloc(Math.min(READ_BACK_BYTES, size));
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - buffer.length);
    const read = fs.readSync(fd, buffer, 0, end - start, start);
    const at = buffer.subarray(0, read).lastIndexOf(0x0a);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}
