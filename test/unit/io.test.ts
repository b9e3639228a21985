// Every command reads and writes through the IO it is given, and returns its
// exit code; nothing reaches process.stdout, process.stderr, process.env or process.exitCode.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runInProcess } from '../helpers/run-in-process.js';

let dir: string;
let written: string[];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-io-'));
  written = [];
  const keep = (chunk: unknown): boolean => (written.push(String(chunk)), true);
  vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  process.exitCode = undefined;
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  EVENTS_CONFIG_DIR: dir,
  LANG: 'C.UTF-8',
  ...extra,
});

describe('IO injected into every command', () => {
  it('help and --version go to io.stdout with exit 0; nothing to the process', async () => {
    const help = await runInProcess(['tail', '--help'], { env: env() });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: events tail/);
    const version = await runInProcess(['--version'], { env: env() });
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(written).toEqual([]);
  });

  it('a usage error is one line on io.stderr and exit 2, not process.exitCode', async () => {
    const run = await runInProcess(['tail', '1', '--jsn'], { env: env() });
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toBe("events: unknown option '--jsn' (did you mean --json?)\n");
    expect(process.exitCode).toBeUndefined();
    expect(written).toEqual([]);
  });

  it("a command's own code comes back, not through process.exitCode: auth status without credentials is exit 3", async () => {
    const run = await runInProcess(['auth', 'status', '--json'], { env: env() });
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toHaveLength(2);
    expect(process.exitCode).toBeUndefined();
    expect(written).toEqual([]);
  });

  it('an error a command throws is one line on io.stderr with its code: config get of an unset key is exit 4', async () => {
    const run = await runInProcess(['config', 'get', 'group'], { env: env() });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^events: .*group/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(written).toEqual([]);
  });

  it('config set writes where io.env points, and config get reads it back', async () => {
    expect(await runInProcess(['config', 'set', 'group', 'export'], { env: env() })).toMatchObject({
      code: 0,
      stdout: '',
      stderr: '',
    });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual({ group: 'export' });
    expect(await runInProcess(['config', 'get', 'group'], { env: env() })).toMatchObject({
      code: 0,
      stdout: 'export\n',
    });
  });

  it('variables of flags come from io.env, and not from process.env', async () => {
    const bad = await runInProcess(['tail', '1'], { env: env({ ASANA_BASE_URL: 'not a url' }) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^events: ASANA_BASE_URL must be an http\(s\) URL/);
    // The same variable in the test process itself changes nothing.
    vi.stubEnv('ASANA_BASE_URL', 'not a url');
    vi.stubEnv('EVENTS_INTERVAL', 'x');
    const run = await runInProcess(['state', 'path', '--json'], { env: env() });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toEqual({ path: dir });
    const tail = await runInProcess(['tail', '1', '--once'], { env: env() });
    expect(tail.stderr).not.toMatch(/ASANA_BASE_URL/);
    expect(written).toEqual([]);
  });

  it('--refs-file - reads io.stdin', async () => {
    const run = await runInProcess(['tail', '--refs-file', '-', '--once'], { env: env(), stdin: 'not-a-reference!\n' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^events: \(stdin\):1: /);
  });

  it("help wraps to io.stdout's columns on a terminal, to 80 otherwise", async () => {
    const longest = (text: string): number => Math.max(...text.split('\n').map((l) => l.length));
    const narrow = await runInProcess(['tail', '--help'], { env: env(), isTTY: true, columns: 100 });
    const wide = await runInProcess(['tail', '--help'], { env: env(), isTTY: true, columns: 200 });
    const piped = await runInProcess(['tail', '--help'], { env: env(), columns: 200 });
    expect(longest(wide.stdout)).toBeGreaterThan(120);
    expect(longest(narrow.stdout.split('\nExamples:')[0]!)).toBeLessThanOrEqual(100);
    expect(longest(piped.stdout.split('\nExamples:')[0]!)).toBeLessThanOrEqual(80);
  });
});
