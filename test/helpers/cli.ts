// Runs bin/events.js as a user would: a child process with its own environment, stdout and
// stderr captured. Tests never call the CLI in-process, so exit codes and streams are real.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/events.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function tempDir(prefix = 'events-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** An environment with nothing of the developer's: no tokens, no config folder, no colour hints. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], LANG: 'C.UTF-8', TZ: 'UTC' };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

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

/** Resolves once `predicate` holds (polled every 10 ms); fails after `timeoutMs` naming `what`. */
export async function waitUntil(predicate: () => boolean, what = 'condition', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
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

export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Events of a run's JSON output without the reserved metadata key, for exact comparison. */
export function eventsOf(text: string): unknown[] {
  return jsonLines(text)
    .filter((r) => (r['_events'] as { kind?: string } | undefined)?.kind === 'event')
    .map(({ _events, ...event }) => event);
}

/** Runs a bash script asynchronously (the emulator answers from this process: never block it). */
export function runShell(script: string, env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<CliResult> {
  const started = Date.now();
  const child = spawn('bash', ['-c', script], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  return collect(child, started, { timeoutMs });
}
