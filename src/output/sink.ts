// Where records go. A write resolves only once the text was handed to the OS (the stream's
// callback), so the caller saves a cursor only past records that really left the process. Every
// sink counts the lines it handed over, so a stop in the middle of a page (Ctrl-C while a slow
// reader blocks stdout) can save the exact position of the last line written. A pipe's reader can
// still lose what sits in the pipe when it dies with us (Ctrl-C reaches the whole pipeline), so a
// pipe also says which lines are beyond that reach (`linesDelivered`).
import fs from 'node:fs';
import nodePath from 'node:path';
import { ExitCode, OutputError, StopRequested, UsageError } from '../core/errors.js';
import { linkTarget, removeDeadTemps, replaceWith, tempPathFor } from '../lib/durable.js';
import { appendWhole, repairTornTail } from './whole-lines.js';

export interface Sink {
  /**
   * Resolves with the lines of `text` it accepted (handed to the OS): all of them, or on a stop
   * fewer (the chunks a slow reader had not taken by then). Rejects when the output failed.
   */
  write(text: string): Promise<number>;
  /** Lines (records) handed to the OS so far, over the sink's whole life. */
  readonly linesWritten: number;
  /**
   * Called before a cursor is saved. `durable`: make the written records survive a power cut
   * (fsync files, also stdout redirected to a file); otherwise they only need to have left the
   * process, which is all a process crash requires.
   */
  flush(durable?: boolean): Promise<void>;
  close(): Promise<void>;
  /**
   * Lines the reader can no longer lose whatever happens now: HOLD_BACK_BYTES were written after
   * them. Only grows. Without it (files, terminals, devices) every line written counts.
   */
  readonly linesSettled?: number;
  /**
   * Lines that count as delivered on a stop: the settled ones, and with a reader that kept up,
   * everything written before stdout went quiet for PIPE_QUIET_MS (not after a broken pipe: that
   * reader may have left long before). After a stop, the answer as of the stop.
   */
  linesDelivered?(): number;
}

/**
 * What a pipe's reader may still lose when it dies: the pipe's capacity (64 KiB on Linux, where
 * Node cannot ask F_GETPIPE_SZ) plus the read-ahead of the reader's stdio buffer (jq, awk and
 * head read 4 to 8 KiB at a time).
 */
export const HOLD_BACK_BYTES = 64 * 1024 + 16 * 1024;
/** A reader that is alive and keeps up drains a pipe in far less than this once stdout is quiet. */
export const PIPE_QUIET_MS = 2000;

/**
 * A pipe takes a write of at most PIPE_BUF (4096) bytes whole or not at all. Chunks of whole
 * lines below that (UTF-16 units × 3 ≤ 4095 bytes) written one after the other therefore make
 * "lines handed over" exact: a stop never leaves a counted line half-written or an uncounted
 * one delivered. Only a single line longer than this can be torn by a stop.
 */
const CHUNK_UNITS = 1365;

export interface StreamSinkOptions {
  /** The process is stopping: finish the chunk on the wire, write no more. */
  signal?: AbortSignal;
  /** How long a stop waits for the chunk on the wire before giving it up (default 500 ms). */
  graceMs?: number;
  /** Called once when the reader went away (EPIPE: a StopRequested) or the stream failed. */
  onBroken?: (error: Error) => void;
  /** Names the stream in messages. */
  name?: string;
  /** Called when a write has waited a second for the reader (for --verbose). */
  onSlowReader?: () => void;
  /** The clock of the quiet rule (tests). */
  now?: () => number;
  /** Runs before each write; throws when the write must not happen (the state folder is full). */
  beforeWrite?: () => void;
}

/** A chunk handed to a pipe: the totals after it, and how long the reader kept it waiting. */
interface PipeMark {
  bytes: number;
  lines: number;
  size: number;
  /** 0: the kernel took it at once; otherwise the ms until the reader made room for it. */
  waitedMs: number;
}

/** How long a write may wait for the reader before --verbose says so. */
const SLOW_READER_MS = 1000;

export class StreamSink implements Sink {
  #broken: Error | undefined;
  #lines = 0;
  readonly #isFile: boolean;
  /** Writes are synchronous and whole (a file, /dev/null): one write per page, no chunks. */
  readonly #writesWhole: boolean;
  /** stdout is a pipe (`| jq`): lines in it are not delivered yet. */
  readonly #isPipe: boolean;
  /** Chunks handed to the pipe whose lines are not settled yet, oldest first. */
  readonly #marks: PipeMark[] = [];
  #bytes = 0;
  #settled = 0;
  /** Lines written before the last quiet stretch of a reader that kept up. */
  #drained = 0;
  #lastWriteAt = 0;
  /** Chunks handed to stream.write whose callback has not come: stdout is not quiet. */
  #pending = 0;
  #deliveredAtStop: number | undefined;
  /** Writes of different pages take turns, so a page's chunks stay together in the pipe. */
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly options: StreamSinkOptions = {},
  ) {
    stream.on('error', (error: NodeJS.ErrnoException) => this.#fail(error));
    // `>> export.jsonl`: writes to a file are synchronous and cannot block; no chunking needed.
    const fd = (stream as { fd?: unknown }).fd;
    this.#isFile = isRegularFile(fd);
    this.#writesWhole = this.#isFile || isNonTerminalDevice(fd, stream);
    this.#isPipe = isPipe(fd);
    // The quiet rule is judged at the instant of the stop: what is written later does not count.
    if (this.#isPipe)
      options.signal?.addEventListener('abort', () => (this.#deliveredAtStop ??= this.#delivered()), { once: true });
  }

  get linesWritten(): number {
    return this.#lines;
  }

  get linesSettled(): number {
    return this.#isPipe ? this.#settled : this.#lines;
  }

  linesDelivered(): number {
    if (!this.#isPipe) return this.#lines;
    return this.#deliveredAtStop ?? this.#delivered();
  }

  #delivered(): number {
    // A reader that left (EPIPE) may have left long ago, with the pipe full of lines it dropped.
    if (this.#broken) return this.#settled;
    if (this.#quiet()) return this.#lines;
    return Math.max(this.#settled, this.#drained);
  }

  /**
   * Nothing on the wire for PIPE_QUIET_MS, or, when the reader fell behind while the pipe held
   * what is not settled, for as long as it takes to read HOLD_BACK_BYTES at the pace it had then
   * (a chunk that waits is taken as the reader frees room: its wait measures the reader).
   */
  #quiet(): boolean {
    if (this.#pending) return false;
    let bytes = 0;
    let ms = 0;
    for (const mark of this.#marks) {
      if (!mark.waitedMs) continue;
      bytes += mark.size;
      ms += mark.waitedMs;
    }
    const needed = bytes ? Math.max(PIPE_QUIET_MS, (HOLD_BACK_BYTES * ms) / bytes) : PIPE_QUIET_MS;
    return this.#now() - this.#lastWriteAt >= needed;
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }

  write(text: string): Promise<number> {
    // On a stop nobody waits for a turn: each write gets its own grace, all at the same time.
    const turn = untilAborted(this.#queue, this.options.signal).then(() => this.#write(text));
    this.#queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  async #write(text: string): Promise<number> {
    if (this.#broken) throw this.#broken;
    this.options.beforeWrite?.();
    if (this.#isFile) return this.#writeFile(text);
    if (this.#isPipe && this.#quiet()) this.#drained = this.#lines;
    if (this.#writesWhole || text.length <= CHUNK_UNITS) return this.#writeChunk(text);
    let accepted = 0;
    for (let start = 0; start < text.length;) {
      if (this.options.signal?.aborted) break;
      const end = chunkEnd(text, start);
      accepted += await this.#writeChunk(text.slice(start, end));
      start = end;
    }
    return accepted;
  }

  /**
   * `>> export.jsonl`: written here, not through the stream, whose synchronous file writes drop
   * the rest of a short write (a disk filling up, `ulimit -f`) and report success, so a cursor
   * would be saved past lines that never reached the file. A failed write is cut back instead.
   */
  #writeFile(text: string): number {
    try {
      appendWhole((this.stream as unknown as { fd: number }).fd, Buffer.from(text));
    } catch (error) {
      throw this.#fail(error as NodeJS.ErrnoException);
    }
    const lines = countLines(text);
    this.#lines += lines;
    return lines;
  }

  /** Resolves with the lines of the chunk, or 0 when a stop gave it up. */
  #writeChunk(chunk: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const signal = this.options.signal;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const onStop = (): void => {
        // Give the chunk on the wire a moment; a reader that does not take it loses nothing:
        // it is not counted, so the saved cursor re-reads it next time.
        timer = setTimeout(() => {
          if (settled) return;
          settled = true;
          resolve(0);
        }, this.options.graceMs ?? 500);
      };
      signal?.addEventListener('abort', onStop, { once: true });
      if (signal?.aborted) onStop();
      const slow = this.options.onSlowReader ? setTimeout(this.options.onSlowReader, SLOW_READER_MS) : undefined;
      let waited = false;
      const startedAt = this.#now();
      this.#pending++;
      this.stream.write(chunk, (error) => {
        this.#pending--;
        signal?.removeEventListener('abort', onStop);
        clearTimeout(timer);
        clearTimeout(slow);
        if (settled) return;
        settled = true;
        if (error) return reject(this.#fail(error));
        const lines = countLines(chunk);
        this.#lines += lines;
        if (this.#isPipe) this.#handedToPipe(chunk, waited ? Math.max(1, this.#now() - startedAt) : 0);
        resolve(lines);
      });
      // The kernel did not take the chunk at once: the pipe was full, the reader behind.
      waited = (this.stream as { writableLength?: number }).writableLength !== 0;
    });
  }

  #handedToPipe(chunk: string, waitedMs: number): void {
    const size = Buffer.byteLength(chunk);
    this.#bytes += size;
    this.#lastWriteAt = this.#now();
    this.#marks.push({ bytes: this.#bytes, lines: this.#lines, size, waitedMs });
    while (this.#marks.length && this.#marks[0]!.bytes <= this.#bytes - HOLD_BACK_BYTES)
      this.#settled = this.#marks.shift()!.lines;
  }

  async flush(durable = true): Promise<void> {
    if (this.#broken) throw this.#broken;
    // `events tail X --once --json >> export.jsonl`: stdout is a file the shell opened for us.
    const fd = (this.stream as { fd?: unknown }).fd;
    if (!durable || !this.#isFile || typeof fd !== 'number') return;
    try {
      fs.fsyncSync(fd);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EINVAL' || code === 'ENOTSUP') return; // not syncable: nothing to make durable
      throw outputFailed(this.options.name ?? 'stdout', error);
    }
  }

  async close(): Promise<void> {}

  #fail(error: NodeJS.ErrnoException): Error {
    if (!this.#broken) {
      this.#broken =
        error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED'
          ? new StopRequested(ExitCode.brokenPipe)
          : outputFailed(this.options.name ?? 'stdout', error);
      this.options.onBroken?.(this.#broken);
    }
    return this.#broken;
  }
}

export interface FileSinkOptions {
  /** Runs before each write; throws when the write must not happen (the state folder is full). */
  beforeWrite?: () => void;
  /** Says what a repair of FILE dropped (a warning: --quiet keeps it). */
  warn?: (text: string) => void;
}

/**
 * Appends to a file (--output) and fsyncs it before a cursor moves (cron exports). Log rotation:
 * reopen() (SIGHUP) closes the file, and a write finds a renamed or removed FILE by itself; the
 * next write then opens the path anew, as syslog daemons do.
 */
export class FileSink implements Sink {
  #fd: number | undefined;
  #dirty = false;
  #lines = 0;
  /** The old file could not be made durable when it was let go: the next checkpoint fails. */
  #lostDurability: Error | undefined;

  constructor(
    readonly path: string,
    private readonly options: FileSinkOptions = {},
  ) {
    checkOutputTarget(path);
  }

  get linesWritten(): number {
    return this.#lines;
  }

  /** SIGHUP: make what went to the current file durable and let it go; the next write opens FILE. */
  reopen(): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#fd = undefined;
    try {
      if (this.#dirty) fs.fsyncSync(fd);
      this.#dirty = false;
    } catch (error) {
      this.#lostDurability ??= outputFailed(this.path, error);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** FILE no longer names the open file: logrotate renamed it (`create`) or someone removed it. */
  #rotated(fd: number): boolean {
    try {
      const named = fs.statSync(this.path);
      const open = fs.fstatSync(fd);
      return named.ino !== open.ino || named.dev !== open.dev;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw error;
    }
  }

  async write(text: string): Promise<number> {
    // A page written now whose cursor then cannot be saved would be written again by every run.
    this.options.beforeWrite?.();
    try {
      if (this.#fd !== undefined && this.#rotated(this.#fd)) this.reopen();
      // Opened on first write, so a run that brings nothing leaves the file untouched.
      this.#fd ??= this.#open();
      appendWhole(this.#fd, Buffer.from(text));
    } catch (error) {
      throw error instanceof OutputError ? error : outputFailed(this.path, error);
    }
    const lines = countLines(text);
    this.#lines += lines;
    this.#dirty = true;
    return lines;
  }

  /** Opens FILE for appending; a torn last line (no saved cursor counts it) is cut off first. */
  #open(): number {
    const fd = fs.openSync(this.path, 'a+', 0o644);
    try {
      const dropped = repairTornTail(fd, this.path);
      if (dropped)
        this.options.warn?.(
          `${this.path} ended in a torn line: cut off its last ${dropped} bytes (left by a write that failed or a crash; no saved cursor counted them, so their events come again)`,
        );
      return fd;
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  async flush(durable = true): Promise<void> {
    if (durable && this.#lostDurability) throw this.#lostDurability;
    if (durable && this.#fd !== undefined && this.#dirty) {
      try {
        fs.fsyncSync(this.#fd);
      } catch (error) {
        throw outputFailed(this.path, error);
      }
      this.#dirty = false;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/**
 * Writes a whole file under a temporary name and renames it into place on commit, so a reader
 * sees the previous complete file or the new complete file, never half of one. An existing
 * file keeps its mode. A symlink stays a link: its target is replaced, from a temporary file
 * beside the target (a rename cannot cross file systems).
 */
export class AtomicFileSink implements Sink {
  readonly #temp: string;
  /** The file renamed over: `path`, or the end of its symlinks. */
  readonly #target: string;
  #fd: number | undefined;
  #lines = 0;

  constructor(readonly path: string) {
    checkOutputTarget(path);
    this.#target = linkTarget(path);
    // A snapshot killed mid-crawl (kill -9) left its temporary file beside the target.
    removeDeadTemps(nodePath.dirname(this.#target), nodePath.basename(this.#target));
    this.#temp = tempPathFor(this.#target);
  }

  get linesWritten(): number {
    return this.#lines;
  }

  async write(text: string): Promise<number> {
    try {
      this.#open();
      writeAll(this.#fd!, text);
    } catch (error) {
      throw outputFailed(this.path, error);
    }
    const lines = countLines(text);
    this.#lines += lines;
    return lines;
  }

  async flush(): Promise<void> {}

  async commit(): Promise<void> {
    try {
      this.#open();
      fs.fsyncSync(this.#fd!);
      fs.closeSync(this.#fd!);
      this.#fd = undefined;
      replaceWith(this.#temp, this.#target, { durable: true });
    } catch (error) {
      throw outputFailed(this.path, error);
    }
  }

  /** Without a commit, the temporary file is removed and the old file stays as it was. */
  async close(): Promise<void> {
    if (this.#fd !== undefined) {
      fs.closeSync(this.#fd);
      this.#fd = undefined;
    }
    fs.rmSync(this.#temp, { force: true });
  }

  #open(): void {
    if (this.#fd !== undefined) return;
    let mode = 0o644;
    try {
      mode = fs.statSync(this.#target).mode & 0o7777;
    } catch {
      // a new file
    }
    this.#fd = fs.openSync(this.#temp, 'wx', mode);
    fs.fchmodSync(this.#fd, mode); // the umask must not narrow the mode the file had
  }
}

/** --output names a regular file (or a new one); a device or a folder is refused up front. */
export function checkOutputTarget(path: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (!fs.existsSync(nodePath.dirname(nodePath.resolve(path)))) {
        throw new OutputError(
          `cannot write ${path}: the folder ${nodePath.dirname(path)} does not exist`,
          'create the folder first, or choose another --output path',
        );
      }
      return;
    }
    throw outputFailed(path, error);
  }
  if (stat.isDirectory())
    throw new OutputError(
      `cannot write ${path}: it is a folder`,
      'name a file inside it, for example --output ' + nodePath.join(path, 'events.jsonl'),
    );
  if (!stat.isFile())
    throw new UsageError(
      `--output ${path} is not a regular file`,
      'use --output - (or leave --output out) to write to stdout, and redirect that',
    );
}

/** The user's path (never a temporary name) and what went wrong, in words. */
export function outputFailed(path: string, error: unknown): OutputError {
  const err = error as NodeJS.ErrnoException;
  const reasons: Record<string, [string, string]> = {
    ENOSPC: ['no space left on the device', 'free some space, then run again: the cursor did not move'],
    EDQUOT: ['the disk quota is exhausted', 'free some space, then run again: the cursor did not move'],
    EACCES: ['permission denied', 'choose a path you may write, or fix its permissions'],
    EPERM: ['operation not permitted', 'choose a path you may write, or fix its permissions'],
    EROFS: ['the file system is read-only', 'choose a path on a writable file system'],
    EISDIR: ['it is a folder', 'name a file, not a folder'],
    ENOENT: ['the folder does not exist', 'create the folder first'],
    EBADF: ['the stream is closed', 'run it with stdout open, or use --output FILE'],
    EFBIG: [
      'the file reached the largest size this process may write (ulimit -f) or its file system allows',
      'raise the limit or rotate the file, then run again: the cursor did not move',
    ],
    EIO: ['an input/output error', 'check the device, then run again: the cursor did not move'],
  };
  const [reason, hint] = reasons[err?.code ?? ''] ?? [
    err?.message ?? String(error),
    'check the output path and run again',
  ];
  return new OutputError(`cannot write ${path}: ${reason}${err?.code ? ` (${err.code})` : ''}`, hint, { cause: error });
}

/**
 * write(2) may write less than asked (a disk filling up): the rest is written, or the next call
 * throws ENOSPC. A short write must never count as a whole page.
 */
function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text);
  for (let offset = 0; offset < data.length;) offset += fs.writeSync(fd, data, offset, data.length - offset);
}

/** Resolves when `promise` does, or at once when `signal` is (or gets) aborted. */
function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

function isPipe(fd: unknown): boolean {
  if (typeof fd !== 'number') return false;
  try {
    return fs.fstatSync(fd).isFIFO();
  } catch {
    return false;
  }
}

function isRegularFile(fd: unknown): boolean {
  if (typeof fd !== 'number') return false;
  try {
    return fs.fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

/**
 * `> /dev/null` and other character devices that are not terminals: Node writes to them
 * synchronously (like files), so a write cannot block on a reader and needs no chunking.
 */
function isNonTerminalDevice(fd: unknown, stream: NodeJS.WritableStream): boolean {
  if (typeof fd !== 'number' || (stream as { isTTY?: boolean }).isTTY) return false;
  try {
    return fs.fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

/** Where the chunk starting at `start` ends: after the last newline within CHUNK_UNITS, or after its first line. */
function chunkEnd(text: string, start: number): number {
  const limit = start + CHUNK_UNITS;
  if (limit >= text.length) return text.length;
  const lastNewline = text.lastIndexOf('\n', limit - 1);
  if (lastNewline >= start) return lastNewline + 1;
  const next = text.indexOf('\n', start);
  return next < 0 ? text.length : next + 1;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
