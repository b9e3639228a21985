// Issue 9: hundreds of subscriptions on one token. One follow process, a budget it is not told,
// the rate governor learning it from 429s, fair turns for every subscription, few stderr lines.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, eventsOf, runCli, RunningCli } from '../helpers/cli.js';
import { startTestBed, type TestBed } from '../helpers/emulator.js';

let bed: TestBed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

const apiRequests = (b: TestBed) => b.emulator.requests.filter((r) => r.path.startsWith('/api/1.0/'));

describe('400 projects on one token with a budget of 150 requests per 10 s', () => {
  it('every event exactly once, few refusals, a stretched interval said once, one line per 429 episode', async () => {
    bed = await startTestBed({ rateLimit: { requests: 150, windowMs: 10_000, concurrency: 50 } });
    const { asana } = bed.emulator;
    while (asana.projectGids.length < 400) asana.createProject(`Project ${asana.projectGids.length}`, 0);
    const projects = asana.projectGids.slice(0, 400);
    const tail = new RunningCli(['tail', ...projects, '--json', '--interval', '1'], bed.env());
    const cursorDir = path.join(bed.stateDir, 'cursors');
    const withCursor = (): string[] => {
      const files = new Set(fs.existsSync(cursorDir) ? fs.readdirSync(cursorDir) : []);
      return projects.filter((gid) => [...files].some((f) => f.includes(`__${gid}__`)));
    };

    // Events can only follow a project's first token: append to projects that have one, in three
    // rounds while the others are still starting (the first run of 400 takes about 40 s here).
    const appended: unknown[] = [];
    const rounds = [6_000, 14_000, 22_000];
    const started = Date.now();
    for (const at of rounds) {
      await tail.waitFor(() => Date.now() - started >= at, at + 5_000, `round at ${at} ms`);
      const ready = withCursor();
      expect(ready.length).toBeGreaterThan(0);
      for (const gid of ready.filter((_, i) => i % 7 === rounds.indexOf(at))) appended.push(...asana.appendEvents(gid, 1 + (appended.length % 3)));
    }
    await tail.waitFor(() => eventsOf(tail.stdout).length >= appended.length, 60_000, `${appended.length} events`);
    tail.kill('SIGTERM');
    const result = await tail.done;
    expect(result.code).toBe(143);

    const got = eventsOf(result.stdout).map((e) => JSON.stringify(e)).sort();
    expect(got).toEqual(appended.map((e) => JSON.stringify(e)).sort());
    expect(withCursor()).toHaveLength(400);

    const requests = apiRequests(bed);
    const refused = requests.filter((r) => r.status === 429).length;
    expect(refused).toBeGreaterThan(0); // the budget was really hit: the governor had to learn it
    expect(refused / requests.length).toBeLessThanOrEqual(0.1);

    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines.length, result.stderr).toBeLessThanOrEqual(5);
    const stretch = lines.filter((l) => /^events: 400 subscriptions at --interval 1 need 24,000 requests\/min; this token allows about [\d,]+\/min: each is polled about every \d+ s$/.test(l));
    expect(stretch, result.stderr).toHaveLength(1);
    const episodes = lines.filter((l) => /rate limited by Asana \(429\)/.test(l));
    expect(episodes.length).toBeGreaterThanOrEqual(1);
    expect(episodes.length).toBeLessThanOrEqual(3);
  }, 150_000);
});

/** Request times that keep to `perMin` after a burst of at most one second's worth. */
function expectPaced(times: number[], perMin: number): void {
  const sorted = [...times].sort((a, b) => a - b);
  const gap = 60_000 / perMin;
  const burst = Math.max(1, Math.floor(perMin / 60));
  for (let i = burst; i < sorted.length; i++) {
    expect(sorted[i]! - sorted[0]!, `request ${i} came too early`).toBeGreaterThanOrEqual((i - burst + 1) * gap - 100);
  }
}

describe('429 episodes', () => {
  it('refusals of many subscriptions at once are one stderr line; --verbose has the detail', async () => {
    // A burst of 25 (one second of the documented 1500/min) against 20 per 5 s: several refused at once.
    bed = await startTestBed({ rateLimit: { requests: 20, windowMs: 5_000 } });
    const { asana } = bed.emulator;
    while (asana.projectGids.length < 40) asana.createProject(`Project ${asana.projectGids.length}`, 0);
    const projects = asana.projectGids.slice(0, 40);
    const run = await runCli(['tail', ...projects, '--once', '--json'], bed.env(), { timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    expect(fs.readdirSync(path.join(bed.stateDir, 'cursors'))).toHaveLength(40);
    expect(apiRequests(bed).filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3);
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines, run.stderr).toEqual([expect.stringMatching(/^events: rate limited by Asana \(429\); retrying in \d+ s; slowing to about [\d,]+ requests\/min$/)]);

    const verbose = await runCli(['tail', ...projects, '--once', '--json', '--verbose', '--group', 'v'], bed.env(), { timeoutMs: 60_000 });
    expect(verbose.code).toBe(0);
    expect(verbose.stderr.split("\n").filter((l) => /429/.test(l)).join("\n")).toMatch(/events: debug: resource \d+: rate limited by Asana \(429\); retrying in \d+ s/);
  }, 90_000);
});

describe('the emulator\'s per-token limits', () => {
  it('events emulator --rate-limit 3/10s: the fourth request is a 429 with Retry-After; the control API changes and counts it', async () => {
    const server = new RunningCli(['emulator', '--port', '0', '--activity', '0', '--rate-limit', '3/10s'], cleanEnv());
    try {
      await server.waitFor(() => /limits per token: 3 requests per 10 s, 50 in flight/.test(server.stdout), 10_000, 'the banner');
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout)![1]!;
      const get = (token: string) => fetch(`${url}/api/1.0/workspaces/1`, { headers: { authorization: `Bearer ${token}` } });
      for (let i = 0; i < 3; i++) expect((await get('a')).status).not.toBe(429);
      const refused = await get('a');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(9);
      expect(await refused.json()).toEqual({ errors: [expect.objectContaining({ message: expect.stringMatching(/too many requests/) })] });
      // Per token: another token still has its budget.
      expect((await get('b')).status).not.toBe(429);
      const box = await fetch(`${url}/2.0/events?stream_position=now`, { headers: { authorization: 'Bearer a' } });
      expect(box.status).not.toBe(429); // each vendor has its own budget per token
      const state = (await (await fetch(`${url}/_emulator/rate-limit`)).json()) as Record<string, unknown>;
      expect(state).toMatchObject({ requests: 3, window_s: 10, concurrency: 50, refused: 1 });
      const changed = await fetch(`${url}/_emulator/rate-limit`, { method: 'POST', body: JSON.stringify({ requests: 100, window_s: 1 }) });
      expect(await changed.json()).toMatchObject({ requests: 100, window_s: 1, concurrency: null });
      expect((await get('a')).status).not.toBe(429);
      const bad = await fetch(`${url}/_emulator/rate-limit`, { method: 'POST', body: JSON.stringify({ requests: 0 }) });
      expect(bad.status).toBe(400);
    } finally {
      server.kill('SIGINT');
      await server.done;
    }
    const wrong = await runCli(['emulator', '--rate-limit', 'lots'], cleanEnv());
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^events: --rate-limit must be requests per window, like 150\/10s/);
  }, 30_000);
});

describe('cheap when idle', () => {
  it('a poll that wrote nothing saves its cursor without the durable replace; one with events does', async () => {
    bed = await startTestBed();
    const project = bed.emulator.asana.projectGids[0]!;
    expect((await runCli(['tail', project, '--once'], bed.env())).code).toBe(0);
    const [file] = fs.readdirSync(path.join(bed.stateDir, 'cursors')).map((f) => path.join(bed!.stateDir, 'cursors', f));
    const polls = (): number => apiRequests(bed!).length;
    const tail = new RunningCli(['tail', project, '--json', '--interval', '0.1'], bed.env());
    const start = polls();
    await tail.waitFor(() => polls() >= start + 2, 10_000, 'a first idle poll');
    const first = fs.statSync(file!);
    const savedAt = (): string => JSON.parse(fs.readFileSync(file!, 'utf8')).savedAt as string;
    const firstSavedAt = savedAt();
    await tail.waitFor(() => polls() >= start + 12, 10_000, 'ten idle polls');
    // Quick saves write in place (same file); a durable save (fsync) writes a new file and
    // renames it over the old one.
    expect(savedAt()).not.toBe(firstSavedAt);
    expect(fs.statSync(file!).ino).toBe(first.ino);
    const appended = bed.emulator.asana.appendEvents(project, 3);
    await tail.waitForLines(3);
    const after = polls();
    await tail.waitFor(() => polls() >= after + 2, 10_000, 'a poll after the events');
    expect(fs.statSync(file!).ino).not.toBe(first.ino);
    tail.kill('SIGTERM');
    const result = await tail.done;
    expect(eventsOf(result.stdout)).toEqual(appended);
  }, 30_000);
});

describe('--rate', () => {
  it('--rate 60/min sends at most one request a second, whatever the interval asks', async () => {
    bed = await startTestBed();
    const projects = bed.emulator.asana.projectGids.slice(0, 3);
    const tail = new RunningCli(['tail', ...projects, '--json', '--interval', '0.2', '--rate', '60/min'], bed.env());
    await tail.waitFor(() => apiRequests(bed!).length >= 6, 20_000, 'six requests');
    tail.kill('SIGTERM');
    expect((await tail.done).code).toBe(143);
    // Unpinned, three projects at --interval 0.2 would send 15 a second.
    expectPaced(apiRequests(bed).map((r) => r.time), 60);
  }, 30_000);

  it('rate in config.json works like the flag', async () => {
    bed = await startTestBed();
    fs.writeFileSync(path.join(bed.stateDir, 'config.json'), JSON.stringify({ rate: '120/min' }));
    const projects = bed.emulator.asana.projectGids.slice(0, 3);
    const tail = new RunningCli(['tail', ...projects, '--json', '--interval', '0.2'], bed.env());
    await tail.waitFor(() => apiRequests(bed!).length >= 6, 20_000, 'six requests');
    tail.kill('SIGTERM');
    await tail.done;
    expectPaced(apiRequests(bed).map((r) => r.time), 120);
  }, 30_000);

  it.each([['0/min'], ['fast'], ['1000000/min'], ['-3']])('--rate %s is a usage error (exit 2)', async (value) => {
    const run = await runCli(['tail', '1204567890123456', '--once', `--rate=${value}`], cleanEnv({ ASANA_ACCESS_TOKEN: 'x' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^events: --rate must be requests per minute from 1 to 100,000, like 600\/min or 10\/s, not ".*" \(for example --rate 600\/min/);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
