// Where records go. A write resolves only once the text was handed to the OS (the stream's
// callback), so the caller saves a cursor only past records that really left the process; a
// reader that went away (EPIPE, `| head`) turns into a quiet stop, never a stack trace.
import fs from 'node:fs';
import nodePath from 'node:path';
import { ExitCode, StopRequested } from '../errors.js';

export interface Sink {
  write(text: string): Promise<void>;
  /**
   * Called before a cursor is saved. `durable`: make the written records survive a power cut
   * (fsync files, also stdout redirected to a file); otherwise they only need to have left the
   * process, which is all a process crash requires.
   */
  flush(durable?: boolean): Promise<void>;
  close(): Promise<void>;
}

export class StreamSink implements Sink {
  #broken: Error | undefined;

  constructor(private readonly stream: NodeJS.WritableStream, private readonly onBroken?: () => void) {
    stream.on('error', (error: NodeJS.ErrnoException) => this.#fail(error));
  }

  write(text: string): Promise<void> {
    if (this.#broken) return Promise.reject(this.#broken);
    return new Promise((resolve, reject) => {
      this.stream.write(text, (error) => {
        if (error) reject(this.#fail(error as NodeJS.ErrnoException));
        else resolve();
      });
    });
  }

  async flush(durable = true): Promise<void> {
    // `events tail X --once --json >> export.jsonl`: stdout is a file the shell opened for us.
    const fd = (this.stream as { fd?: unknown }).fd;
    if (!durable || typeof fd !== 'number') return;
    try {
      if (fs.fstatSync(fd).isFile()) fs.fsyncSync(fd);
    } catch {
      // Not syncable (a pipe, a terminal, /dev/null): nothing to make durable.
    }
  }

  async close(): Promise<void> {}

  #fail(error: NodeJS.ErrnoException): Error {
    if (!this.#broken) {
      this.#broken = error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED' ? new StopRequested(ExitCode.brokenPipe) : error;
      this.onBroken?.();
    }
    return this.#broken;
  }
}

/** Appends to a file and fsyncs it before a cursor moves (cron exports). */
export class FileSink implements Sink {
  #fd: number | undefined;
  #dirty = false;

  constructor(readonly path: string) {}

  async write(text: string): Promise<void> {
    // Opened on first write, so a run that brings nothing leaves the file untouched.
    this.#fd ??= fs.openSync(this.path, 'a', 0o644);
    fs.writeSync(this.#fd, text);
    this.#dirty = true;
  }

  async flush(durable = true): Promise<void> {
    if (durable && this.#fd !== undefined && this.#dirty) {
      fs.fsyncSync(this.#fd);
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
 * sees the previous complete file or the new complete file, never half of one.
 */
export class AtomicFileSink implements Sink {
  readonly #temp: string;
  #fd: number | undefined;

  constructor(readonly path: string) {
    this.#temp = `${path}.${process.pid}.tmp`;
  }

  async write(text: string): Promise<void> {
    this.#fd ??= fs.openSync(this.#temp, 'w', 0o644);
    fs.writeSync(this.#fd, text);
  }

  async flush(): Promise<void> {}

  async commit(): Promise<void> {
    this.#fd ??= fs.openSync(this.#temp, 'w', 0o644);
    fs.fsyncSync(this.#fd);
    fs.closeSync(this.#fd);
    this.#fd = undefined;
    fs.renameSync(this.#temp, this.path);
    const dir = fs.openSync(nodePath.dirname(this.path), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  }

  /** Without a commit, the temporary file is removed and the old file stays as it was. */
  async close(): Promise<void> {
    if (this.#fd !== undefined) {
      fs.closeSync(this.#fd);
      this.#fd = undefined;
      fs.rmSync(this.#temp, { force: true });
    }
  }
}
