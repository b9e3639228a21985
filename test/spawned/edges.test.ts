// Locks that cannot lock everyone out, output files that keep
// what is there, ordinary failures named as such, a wrong base URL called by its name, and state
// commands that see hosts, groups and broken files.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { eventsOf, jsonLines } from '../helpers/run-result.js';
import { BIN, runCli, RunningCli } from '../helpers/spawn.js';
import { useTinyTmpfs } from '../helpers/tmpfs.js';
import { runInProcess } from '../helpers/run-in-process.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await startTestBed();
});
afterEach(async () => bed.close());

const host = (): string => new URL(bed.emulator.url).host;
const fileBase = (group = 'default'): string =>
  `asana__${host().replace(/[^A-Za-z0-9._-]/g, '-')}__${bed.project}__${group}`;
const lockPath = (): string => path.join(bed.stateDir, 'locks', `${fileBase()}.lock`);
const cursorPath = (group = 'default'): string => path.join(bed.stateDir, 'cursors', `${fileBase(group)}.json`);

/**
 * The CLI as a user whom file modes apply to. Root ignores them, so as root it runs without the
 * capabilities that override them (its files stay its own, wherever the checkout lives).
 */
function spawnUnprivileged(args: string[], env: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
  if (process.getuid?.() !== 0) return spawn(process.execPath, args, { env });
  return spawn('setpriv', ['--bounding-set=-dac_override,-dac_read_search', process.execPath, ...args], { env });
}

describe('locks', () => {
  it('an empty lock file left by a crash does not lock every run out, state reset included', async () => {
    const appended = await bed.primed(5);
    fs.writeFileSync(lockPath(), '');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockPath(), old, old);
    const run = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
    fs.writeFileSync(lockPath(), '');
    fs.utimesSync(lockPath(), old, old);
    expect((await runCli(['state', 'reset', bed.project], bed.env())).code).toBe(0);
  });

  it('a recycled pid (alive, but started later than the lock) does not hold the lock', async () => {
    await bed.primed(3);
    const stranger = spawn('sleep', ['30']);
    await new Promise((r) => stranger.once('spawn', r));
    try {
      fs.writeFileSync(
        lockPath(),
        JSON.stringify({ pid: stranger.pid, start: 1, host: os.hostname(), since: '2026-01-01T00:00:00Z' }),
      );
      const run = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
      expect(run.code).toBe(0);
      expect(eventsOf(run.stdout)).toHaveLength(3);
    } finally {
      stranger.kill();
    }
  });

  it('a live holder: exit 6 naming the pid, the lock file and the fix', async () => {
    await bed.primed(0);
    const tail = new RunningCli(['tail', bed.project, '--json', '--interval', '0.2'], bed.env());
    await tail.waitFor(
      () => fs.existsSync(lockPath()) && bed.eventRequests().length >= 2,
      10_000,
      'the tail to hold its lock',
    );
    const second = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
    expect(second.code).toBe(6);
    expect(second.stderr.trim()).toMatch(
      new RegExp(
        `^events: another events process \\(pid ${tail.child.pid}, since \\S+\\) is reading resource ${bed.project} \\(group default\\); lock file ${lockPath().replace(/[.]/g, '\\.')} \\(.*--wait-lock.*rm '${lockPath().replace(/[.]/g, '\\.')}'\\)$`,
      ),
    );
    // state reset takes no --wait-lock: its advice must not name it.
    const reset = await runCli(['state', 'reset', bed.project], bed.env());
    expect(reset.code, reset.stderr).toBe(6);
    expect(reset.stderr.trim().split('\n')).toHaveLength(1);
    expect(reset.stderr).toContain('(stop that process (or let its --once run end), then reset again; if no such');
    expect(reset.stderr).not.toContain('--wait-lock');
    tail.kill('SIGINT');
    expect((await tail.done).code).toBe(130);
    expect(fs.existsSync(lockPath())).toBe(false);
  });
});

describe('output files (items 3 and 9)', () => {
  it('snapshot --output refuses a device and never replaces it; - is stdout', async () => {
    const run = await runInProcess(['snapshot', bed.project, '--output', '/dev/null'], { env: bed.env() });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'events: --output /dev/null is not a regular file (use --output - (or leave --output out) to write to stdout, and redirect that)',
    );
    expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
    const dash = await runInProcess(['snapshot', bed.project, '--output', '-'], { env: bed.env() });
    expect(dash.code).toBe(0);
    expect(jsonLines(dash.stdout).map((r) => (r['_events'] as { kind: string }).kind)).toContain('snapshot');
  });

  it('snapshot --output keeps the mode of the file it replaces', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'project.jsonl');
    fs.writeFileSync(file, 'old\n');
    fs.chmodSync(file, 0o640);
    const inode = fs.statSync(file).ino;
    expect((await runInProcess(['snapshot', bed.project, '--output', file], { env: bed.env() })).code).toBe(0);
    expect(fs.statSync(file).ino).not.toBe(inode);
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir)).toEqual(['project.jsonl']);
  });

  it('snapshot --output through a symlink writes the target in its folder, atomically; the link stays a link', async () => {
    const linkDir = tempDir();
    const targetDir = tempDir();
    const target = path.join(targetDir, 'project.jsonl');
    fs.writeFileSync(target, 'old\n');
    fs.chmodSync(target, 0o640);
    const inode = fs.statSync(target).ino;
    const link = path.join(linkDir, 'link.jsonl');
    const relative = path.relative(linkDir, target);
    fs.symlinkSync(relative, link);
    const run = await runInProcess(['snapshot', bed.project, '--output', link], { env: bed.env() });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe(relative);
    const written = jsonLines(fs.readFileSync(target, 'utf8'));
    expect(written.map((r) => (r['_events'] as { kind: string }).kind)).toContain('snapshot');
    // Renamed into place (a new inode, the old mode), from a temporary file beside the target.
    expect(fs.statSync(target).ino).not.toBe(inode);
    expect(fs.statSync(target).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(targetDir)).toEqual(['project.jsonl']);
    expect(fs.readdirSync(linkDir)).toEqual(['link.jsonl']);
  });

  it('a torn last line is cut off before the append: no saved cursor counts it', async () => {
    const appended = await bed.primed(4);
    const file = path.join(tempDir(), 'export.jsonl');
    fs.writeFileSync(file, '{"complete":true}\n{"torn":');
    const run = await runInProcess(['tail', bed.project, '--once', '--output', file], { env: bed.env() });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`events: warning: ${file} ended in a torn line: cut off its last 8 bytes`);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toBe('{"complete":true}');
    expect(eventsOf(lines.slice(1).join('\n'))).toEqual(appended);
  });

  it('a folder, a missing folder, a file it may not write: exit 74 naming the path the user gave', async () => {
    await bed.primed(2);
    const dir = tempDir();
    const folder = await runInProcess(['tail', bed.project, '--once', '--output', dir], { env: bed.env() });
    expect(folder.code).toBe(74);
    expect(folder.stderr.trim()).toBe(
      `events: cannot write ${dir}: it is a folder (name a file inside it, for example --output ${path.join(dir, 'events.jsonl')})`,
    );
    const missing = path.join(dir, 'no', 'such', 'x.jsonl');
    const gone = await runInProcess(['snapshot', bed.project, '--output', missing], { env: bed.env() });
    expect(gone.code).toBe(74);
    expect(gone.stderr).toContain(`cannot write ${missing}: the folder`);
    // Not writable: as root, run the CLI as nobody against a file owned by root.
    const locked = path.join(dir, 'locked.jsonl');
    fs.writeFileSync(locked, '');
    fs.chmodSync(locked, 0o444);
    const state = tempDir();
    fs.chmodSync(state, 0o777);
    fs.chmodSync(dir, 0o555); // not even its owner may add the temporary file beside it
    const env = bed.env({ EVENTS_CONFIG_DIR: state });
    const denied = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawnUnprivileged([BIN, 'snapshot', bed.project, '--output', locked], env);
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(denied.code).toBe(74);
    expect(denied.stderr.trim()).toMatch(
      new RegExp(`^events: cannot write ${locked.replace(/[.]/g, '\\.')}: permission denied \\(EACCES\\)`),
    );
    expect(denied.stderr).not.toMatch(/\.tmp|internal error/);
  });
});

describe('a full disk under --output', () => {
  // A 16 KiB tmpfs: mounting needs root, which CI and the developers' machines have.
  const tmpfs = useTinyTmpfs('tiny', '16k');
  const mountPoint = tmpfs.path;

  it("ENOSPC: exit 74 naming the user's file and the disk, the cursor untouched", async (context) => {
    // Only a machine without root may go without: as root (CI) a failed mount is a failure.
    if (!tmpfs.mounted() && process.getuid?.() !== 0) context.skip('mounting a small tmpfs needs root');
    expect(tmpfs.mounted()).toBe(true);
    const appended = await bed.primed(300);
    const before = fs.readFileSync(cursorPath(), 'utf8');
    const file = path.join(mountPoint, 'export.jsonl');
    const run = await runInProcess(['tail', bed.project, '--once', '--output', file], { env: bed.env() });
    expect(run.code).toBe(74);
    expect(run.stderr.trim()).toBe(
      `events: cannot write ${file}: no space left on the device (ENOSPC) (free some space, then run again: the cursor did not move)`,
    );
    expect(fs.readFileSync(cursorPath(), 'utf8')).toBe(before);
    const elsewhere = path.join(tempDir(), 'export.jsonl');
    expect((await runInProcess(['tail', bed.project, '--once', '--output', elsewhere], { env: bed.env() })).code).toBe(
      0,
    );
    expect(eventsOf(fs.readFileSync(elsewhere, 'utf8'))).toEqual(appended);
  });
});

describe('--quiet never hides that events may be missing', () => {
  it('an expired cursor is reported with --quiet', async () => {
    await bed.primed(0);
    bed.emulator.asana.expireTokens(bed.project);
    const run = await runInProcess(['tail', bed.project, '--once', '--json', '--quiet'], { env: bed.env() });
    expect(run.code).toBe(0);
    expect(run.stderr.trim()).toMatch(
      new RegExp(
        `^events: warning: the stored cursor of resource ${bed.project} has expired \\(saved \\d+ min ago\\); events since then were missed$`,
      ),
    );
  });
});

describe('a wrong base URL is named', () => {
  let server: http.Server;
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  beforeEach(async () => {
    server = http.createServer((req, res) => answer(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = (): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/1.0`;
  const run = (): Promise<{ code: number | null; stderr: string }> =>
    runInProcess(['tail', bed.project, '--once', '--give-up', '2'], { env: bed.env({ ASANA_BASE_URL: base() }) });

  it('a proxy login page (HTML 200): exit 2 at once, saying what came back and which variable to check', async () => {
    answer = (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<html><head><title>Sign in to Corp Proxy</title></head><body>…</body></html>');
    const result = await run();
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `events: ${base()} is not the Asana API: it answered 200 with a web page ("Sign in to Corp Proxy") instead of JSON (check ASANA_BASE_URL (now ${base()}; the real API is https://app.asana.com/api/1.0) and any proxy in between; a login page usually means a proxy wants you to sign in)`,
    );
  });

  it('a redirect: names where it points', async () => {
    answer = (_req, res) => res.writeHead(302, { location: 'https://sso.example.com/login' }).end();
    const result = await run();
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `is not the Asana API: it answered 302 (a redirect to https://sso.example.com/login) (check ASANA_BASE_URL`,
    );
  });

  it('"No matching route": the base URL, not the gid', async () => {
    const wrong = `${bed.emulator.url}/api/1.1`;
    const result = await runInProcess(['tail', bed.project, '--once'], { env: bed.env({ ASANA_BASE_URL: wrong }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `events: ${wrong} is not the Asana API: it has no route /api/1.1/events (404 "No matching route for request") (check ASANA_BASE_URL`,
    );
    expect(result.stderr).not.toContain('was not found');
  });

  it('Box: a 404 on /events can only be a wrong BOX_BASE_URL', async () => {
    const wrong = `${bed.emulator.url}/2.0/v2`;
    const result = await runInProcess(['tail', 'box', '--once'], {
      env: bed.env({ BOX_BASE_URL: wrong, BOX_ACCESS_TOKEN: 'x' }),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `events: ${wrong} is not the Box API: it answered 404 for /2.0/v2/events (check BOX_BASE_URL`,
    );
  });
});

describe('state commands', () => {
  it('reset removes a corrupt cursor, which is what the error points to', async () => {
    await bed.primed(0);
    fs.writeFileSync(cursorPath(), '{"version":1,"cursor":{"sy');
    const broken = await runInProcess(['tail', bed.project, '--once'], { env: bed.env() });
    expect(broken.code).toBe(5);
    expect(broken.stderr).toContain(
      `(start this subscription over from now: events state reset ${bed.project} (or rm '${cursorPath()}'))`,
    );
    const reset = await runInProcess(['state', 'reset', bed.project], { env: bed.env() });
    expect(reset.code).toBe(0);
    expect(fs.existsSync(cursorPath())).toBe(false);
    expect((await runInProcess(['tail', bed.project, '--once'], { env: bed.env() })).code).toBe(0);
  });

  it('reset and list use the group of config.json; list shows the host; reset keeps other hosts', async () => {
    fs.mkdirSync(bed.stateDir, { recursive: true });
    fs.writeFileSync(path.join(bed.stateDir, 'config.json'), JSON.stringify({ group: 'export' }));
    await bed.primed(0);
    expect(fs.existsSync(cursorPath('export'))).toBe(true);
    await runInProcess(['tail', bed.project, '--once', '--group', 'other'], { env: bed.env() });
    // The same gid's cursor for another API host (the real one, say).
    const elsewhere = path.join(bed.stateDir, 'cursors', `asana__app.asana.com__${bed.project}__export.json`);
    fs.writeFileSync(
      elsewhere,
      JSON.stringify({ ...JSON.parse(fs.readFileSync(cursorPath('export'), 'utf8')), host: 'app.asana.com' }),
    );
    const list = await runInProcess(['state', 'list'], { env: bed.env() });
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^PROVIDER\s+HOST\s+GROUP\s+SUBSCRIPTION\s+LAST EVENT\s+LAST SYNC\s+AGE$/);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(/\s+/).slice(0, 3).join(' '))
        .sort(),
    ).toEqual([`asana 127.0.0.1:${new URL(bed.emulator.url).port} export`, 'asana app.asana.com export']);
    const all = JSON.parse(
      (await runInProcess(['state', 'list', '--json', '--group', 'other'], { env: bed.env() })).stdout,
    );
    expect(all.map((r: { group: string }) => r.group)).toEqual(['other']);
    const reset = await runInProcess(['state', 'reset', bed.project, '--json'], { env: bed.env() });
    expect(JSON.parse(reset.stdout)).toEqual({ removed: [cursorPath('export')] });
    expect(fs.existsSync(elsewhere)).toBe(true);
    expect(fs.existsSync(cursorPath('other'))).toBe(true);
  });

  it('list and show work on a read-only state folder and use the same snake_case keys', async () => {
    await bed.primed(0);
    const env = bed.env();
    for (const d of [bed.stateDir, path.join(bed.stateDir, 'cursors')]) fs.chmodSync(d, 0o555);
    try {
      const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
        new Promise((resolve) => {
          fs.chmodSync(path.join(bed.stateDir, 'cursors', path.basename(cursorPath())), 0o644);
          const child = spawnUnprivileged([BIN, ...args], env);
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d) => (stdout += d));
          child.stderr.on('data', (d) => (stderr += d));
          child.on('close', (code) => resolve({ code, stdout, stderr }));
        });
      const list = await run(['state', 'list', '--json']);
      expect(list).toMatchObject({ code: 0, stderr: '' });
      const show = await run(['state', 'show', bed.project, '--json']);
      expect(show).toMatchObject({ code: 0, stderr: '' });
      const [row] = JSON.parse(list.stdout);
      const [record] = JSON.parse(show.stdout);
      expect(Object.keys(record)).toEqual([...Object.keys(row), 'cursor', 'recent_event_ids']);
      expect(Object.keys(row)).toEqual([
        'provider',
        'host',
        'subscription',
        'label',
        'group',
        'last_event_at',
        'saved_at',
        'age',
        'age_seconds',
        'likely_expired',
      ]);
    } finally {
      for (const d of [bed.stateDir, path.join(bed.stateDir, 'cursors')]) fs.chmodSync(d, 0o700);
    }
  });
});
