// Runs the CLI inside the test process: the program of src/ (never a stale dist/) with strings
// for stdout, stderr and stdin, a given environment and a fresh stop per call. For what needs no
// real process: help, usage errors, settings, config, output against the emulator. Signals,
// pipes, terminals, locks and crashes stay with runCli (test/helpers/spawn.ts).
import { Readable, Writable } from 'node:stream';
import { execute } from '../../src/main.js';
import type { IO } from '../../src/core/io.js';
import type { CliResult } from './run-result.js';

export interface InProcessOptions {
  env: NodeJS.ProcessEnv;
  /** What stdin holds (`--refs-file -`); empty by default. */
  stdin?: string;
  /** Terminal width of stdout and stderr; only with isTTY. */
  columns?: number;
  /** stdout and stderr pretend to be a terminal. */
  isTTY?: boolean;
  /** Stops the run like Ctrl-C when it aborts (default: a fresh controller nobody aborts). */
  stop?: AbortController;
}

/** A stream that keeps what is written, with isTTY and columns as a terminal's would be. */
export class Capture extends Writable {
  text = '';
  isTTY: boolean;
  columns: number | undefined;

  constructor(options: { isTTY?: boolean; columns?: number } = {}) {
    super({ decodeStrings: false });
    this.isTTY = options.isTTY === true;
    this.columns = options.isTTY ? (options.columns ?? 80) : undefined;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    callback();
  }

  asWriteStream(): NodeJS.WriteStream {
    return this as unknown as NodeJS.WriteStream;
  }
}

/** An IO for createProgram: captured stdout and stderr, stdin from a string. */
export function testIO(options: InProcessOptions): { io: IO; stdout: Capture; stderr: Capture } {
  const stdout = new Capture(options);
  const stderr = new Capture(options);
  const io: IO = {
    stdout: stdout.asWriteStream(),
    stderr: stderr.asWriteStream(),
    stdin: Readable.from(options.stdin === undefined || options.stdin === '' ? [] : [options.stdin]),
    env: options.env,
    stop: options.stop ?? new AbortController(),
  };
  return { io, stdout, stderr };
}

/** `events ...args` in-process: the same result shape as runCli (signal is always null). */
export async function runInProcess(args: string[], options: InProcessOptions): Promise<CliResult> {
  const started = Date.now();
  const { io, stdout, stderr } = testIO(options);
  // execute() is what main() runs once it has built the IO from process: errors made one line and an exit code.
  const code = await execute(io, args, 'user');
  return { code, signal: null, stdout: stdout.text, stderr: stderr.text, ms: Date.now() - started };
}

/** A long-running in-process run: its output so far, its stop (Ctrl-C without a process), its end. */
export interface InProcessRun {
  readonly stdout: Capture;
  readonly stderr: Capture;
  readonly stop: AbortController;
  readonly done: Promise<CliResult>;
  lines(): string[];
}

export function startInProcess(args: string[], options: Omit<InProcessOptions, 'stop'>): InProcessRun {
  const stop = new AbortController();
  const started = Date.now();
  const { io, stdout, stderr } = testIO({ ...options, stop });
  const done = execute(io, args, 'user').then((code) => ({
    code,
    signal: null,
    stdout: stdout.text,
    stderr: stderr.text,
    ms: Date.now() - started,
  }));
  return { stdout, stderr, stop, done, lines: () => stdout.text.split('\n').filter(Boolean) };
}
