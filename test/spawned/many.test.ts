// Hundreds of subscriptions on one token. One follow process, a budget it is not told,
// the rate governor learning it from 429s, fair turns for every subscription, few stderr lines.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, tempDir } from '../helpers/env.js';
import { eventsOf } from '../helpers/run-result.js';
import { runCli, RunningCli } from '../helpers/spawn.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

const apiRequests = (b: TestBed) => b.emulator.requests.filter((r) => r.path.startsWith('/api/1.0/'));

describe("a --once drain of many projects within a minute's budget", () => {
  it('300 projects of 3 pages each against 1,500 per 60 s it is not told: every event once, at most 2% refused, no pacing the budget does not need', async () => {
    bed = await startTestBed({ rateLimit: { requests: 1500, windowMs: 60_000, concurrency: 50 } });
    const { asana } = bed.emulator;
    const projects = Array.from({ length: 300 }, (_, i) => asana.createProject(`Drain ${i}`, 0));
    const refs = path.join(bed.stateDir, 'refs.txt');
    fs.writeFileSync(refs, `${projects.join('\n')}\n`);
    const env = bed.env();
    const first = await runCli(['tail', '--refs-file', refs, '--once', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const appended = projects.flatMap((gid) => asana.appendEvents(gid, 250)); // pages of 100, 100, 50
    const before = bed.emulator.requests.length;
    const run = await runCli(['tail', '--refs-file', refs, '--once', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const key = (e: unknown): string => JSON.stringify(e);
    expect(eventsOf(run.stdout).map(key).sort()).toEqual(appended.map(key).sort());
    const requests = bed.emulator.requests.slice(before).filter((r) => r.path.endsWith('/events'));
    expect(requests.length).toBeGreaterThanOrEqual(900);
    expect(requests.filter((r) => r.status === 429).length / requests.length).toBeLessThanOrEqual(0.02);
    // The budget needs no pacing here (1,200 requests in a minute of 1,500): the requests go out
    // as fast as the pool allows, not at 25 a second as a one-second bucket would send them.
    const times = requests.map((r) => r.time).sort((a, b) => a - b);
    const within = (i: number): number => {
      const end = times.findIndex((u) => u >= times[i]! + 1000);
      return (end < 0 ? times.length : end) - i;
    };
    const busiest = Math.max(...times.map((_, i) => within(i)));
    expect(busiest).toBeGreaterThan(100);
  }, 120_000);
});

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
      for (const gid of ready.filter((_, i) => i % 7 === rounds.indexOf(at)))
        appended.push(...asana.appendEvents(gid, 1 + (appended.length % 3)));
    }
    await tail.waitFor(() => eventsOf(tail.stdout).length >= appended.length, 60_000, `${appended.length} events`);
    tail.kill('SIGTERM');
    const result = await tail.done;
    expect(result.code).toBe(143);

    const got = eventsOf(result.stdout)
      .map((e) => JSON.stringify(e))
      .sort();
    expect(got).toEqual(appended.map((e) => JSON.stringify(e)).sort());
    expect(withCursor()).toHaveLength(400);

    const requests = apiRequests(bed);
    const refused = requests.filter((r) => r.status === 429).length;
    expect(refused).toBeGreaterThan(0); // the budget was really hit: the governor had to learn it
    expect(refused / requests.length).toBeLessThanOrEqual(0.1);

    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines.length, result.stderr).toBeLessThanOrEqual(5);
    const stretch = lines.filter((l) =>
      /^events: 400 subscriptions at --interval 1 need 24,000 requests\/min; this token allows about [\d,]+\/min: each is polled about every \d+ s$/.test(
        l,
      ),
    );
    expect(stretch, result.stderr).toHaveLength(1);
    const episodes = lines.filter((l) => /rate limited by Asana \(429\)/.test(l));
    expect(episodes.length).toBeGreaterThanOrEqual(1);
    expect(episodes.length).toBeLessThanOrEqual(3);
  }, 150_000);
});

/**
 * Request times that keep to `perMin` after a burst of at most one second's worth. Measured from
 * the second request: the first one's arrival also waits for the connection to open.
 */
function expectPaced(times: number[], perMin: number): void {
  const sorted = [...times].sort((a, b) => a - b);
  const gap = 60_000 / perMin;
  const burst = Math.max(1, Math.floor(perMin / 60));
  expect(sorted.length).toBeGreaterThanOrEqual(6);
  for (let i = burst + 1; i < sorted.length; i++) {
    expect(sorted[i]! - sorted[1]!, `request ${i} came too early`).toBeGreaterThanOrEqual((i - burst) * gap - 150);
  }
}

describe('--rate', () => {
  it('--rate 60/min sends at most one request a second, whatever the interval asks', async () => {
    bed = await startTestBed();
    const projects = bed.emulator.asana.projectGids.slice(0, 3);
    const tail = new RunningCli(['tail', ...projects, '--json', '--interval', '0.2', '--rate', '60/min'], bed.env());
    await tail.waitFor(() => apiRequests(bed!).length >= 6, 20_000, 'six requests');
    tail.kill('SIGTERM');
    expect((await tail.done).code).toBe(143);
    // Unpinned, three projects at --interval 0.2 would send 15 a second.
    expectPaced(
      apiRequests(bed).map((r) => r.time),
      60,
    );
  }, 30_000);

  it('rate in config.json works like the flag', async () => {
    bed = await startTestBed();
    fs.writeFileSync(path.join(bed.stateDir, 'config.json'), JSON.stringify({ rate: '120/min' }));
    const projects = bed.emulator.asana.projectGids.slice(0, 3);
    const tail = new RunningCli(['tail', ...projects, '--json', '--interval', '0.2'], bed.env());
    await tail.waitFor(() => apiRequests(bed!).length >= 6, 20_000, 'six requests');
    tail.kill('SIGTERM');
    await tail.done;
    expectPaced(
      apiRequests(bed).map((r) => r.time),
      120,
    );
  }, 30_000);

  it('a bad rate in config.json is a configuration error naming the file and the key (exit 78)', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ rate: 'lots' }));
    const run = await runCli(
      ['tail', '1204567890123456', '--once'],
      cleanEnv({ ASANA_ACCESS_TOKEN: 'x', EVENTS_CONFIG_DIR: dir }),
    );
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(
      /^events: .*config\.json: "rate" must be requests per minute from 1 to 100,000, like "600\/min" or "10\/s", not "lots"/,
    );
  });

  it.each([['0/min'], ['fast'], ['1000000/min'], ['-3']])('--rate %s is a usage error (exit 2)', async (value) => {
    const run = await runCli(
      ['tail', '1204567890123456', '--once', `--rate=${value}`],
      cleanEnv({ ASANA_ACCESS_TOKEN: 'x' }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^events: --rate must be requests per minute from 1 to 100,000, like 600\/min or 10\/s, not ".*" \(for example --rate 600\/min/,
    );
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});

describe('cheap when idle', () => {
  it('waits end on a shared grid: requests held back by the budget leave in bursts, not one wake-up each', async () => {
    bed = await startTestBed();
    const { asana } = bed.emulator;
    while (asana.projectGids.length < 40) asana.createProject(`Project ${asana.projectGids.length}`, 0);
    const projects = asana.projectGids.slice(0, 40);
    // 600/min: a burst of 10, then a slot every 100 ms. At --interval 30 the grid's step is 1 s,
    // so the 70 requests after the burst leave about ten at a time instead of one by one.
    const tail = new RunningCli(['tail', ...projects, '--json', '--interval', '30', '--rate', '600/min'], bed.env());
    const events = () => apiRequests(bed!).filter((r) => r.path === '/api/1.0/events');
    await tail.waitFor(() => events().length >= 80, 30_000, '80 requests');
    tail.kill('SIGTERM');
    expect((await tail.done).code).toBe(143);
    const times = events()
      .slice(0, 80)
      .map((r) => r.time)
      .sort((a, b) => a - b);
    const bursts = times.filter((t, i) => i === 0 || t - times[i - 1]! > 50).length;
    expect(bursts).toBeLessThanOrEqual(15);
  }, 40_000);
});
