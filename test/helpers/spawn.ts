// Runs bin/events.js as a user would: a child process with its own environment, stdout and
// stderr captured, so exit codes, signals, pipes and streams are real. For what needs no real
// process, test/helpers/run-in-process.ts runs the CLI inside the test process instead.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './env.js';
import type { CliResult } from './run-result.js';
import { waitUntil } from './wait-until.js';

export const BIN = path.join(ROOT, 'bin/events.js');

export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  return collect(child, started, options);
}

export function collect(
  child: ChildProcessWithoutNullStreams,
  started: number,
  options: { timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A long-running tail whose output can be awaited line by line. */
export class RunningCli {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly done: Promise<CliResult>;
  readonly #started = Date.now();

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.done = new Promise((resolve) => {
      this.child.on('close', (code, signal) =>
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr, ms: Date.now() - this.#started }),
      );
    });
  }

  lines(): string[] {
    return this.stdout.split('\n').filter(Boolean);
  }

  async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    try {
      await waitUntil(predicate, what, timeoutMs);
    } catch (error) {
      throw new Error(
        `${(error as Error).message}; stdout=${this.stdout.slice(-500)} stderr=${this.stderr.slice(-500)}`,
      );
    }
  }

  waitForLines(n: number, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => this.lines().length >= n, timeoutMs, `${n} lines`);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal);
  }
}

/** Runs a bash script asynchronously (the emulator answers from this process: never block it). */
export function runShell(script: string, env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<CliResult> {
  const started = Date.now();
  const child = spawn('bash', ['-c', script], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  return collect(child, started, { timeoutMs });
}
