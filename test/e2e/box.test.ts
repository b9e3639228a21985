// Issue 5: Box event streams through bin/events.js against the emulator's Box API.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsOf, jsonLines, runCli, RunningCli } from '../helpers/cli.js';
import { startTestBed, type TestBed } from '../helpers/emulator.js';
import type { EmulatorOptions } from '../../src/emulator/index.js';

let bed: TestBed;
async function open(options: EmulatorOptions = {}): Promise<void> {
  bed = await startTestBed(options);
}
afterEach(async () => {
  expect(bed.emulator.violations).toEqual([]);
  await bed.close();
});

const env = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv =>
  bed.env({ BOX_BASE_URL: `${bed.emulator.url}/2.0`, BOX_ACCESS_TOKEN: 'box-token', ...extra });
const boxRequests = (): Array<{ method: string; path: string; query: Record<string, string>; time: number }> =>
  bed.emulator.requests.filter((r) => r.path.startsWith('/2.0/') || r.path === '/subscribe');
const pageRequests = (): Array<{ query: Record<string, string> }> => boxRequests().filter((r) => r.method === 'GET' && r.path === '/2.0/events');
const ids = (records: unknown[]): string[] => records.map((r) => (r as { event_id: string }).event_id);

function storedCursor(): { cursor: { position: string }; seen?: string[] } {
  const dir = path.join(bed.stateDir, 'cursors');
  const box = fs.readdirSync(dir).filter((f) => f.startsWith('box__'));
  expect(box).toHaveLength(1);
  return JSON.parse(fs.readFileSync(path.join(dir, box[0]!), 'utf8'));
}

describe('events tail box (user stream)', () => {
  it('starts at now, then drains past 500 in several pages, exactly once and in order', async () => {
    await open();
    bed.emulator.box.appendEvents(40); // before the first run: never printed
    const first = await runCli(['tail', 'box', '--once', '--json'], env());
    expect(first).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(pageRequests()[0]!.query).toMatchObject({ stream_type: 'all', stream_position: 'now' });
    const appended = bed.emulator.box.appendEvents(1300);
    const before = pageRequests().length;
    const run = await runCli(['tail', 'box', '--once', '--json'], env());
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
    const pages = pageRequests().slice(before);
    // Short pages (fewer than the limit while more remain) do not end the drain; an empty one does.
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(pages.every((p) => p.query['limit'] === '500')).toBe(true);
    const again = await runCli(['tail', 'box', '--once', '--json'], env());
    expect(again.stdout).toBe('');
  });

  it('--from-start reads every retained event', async () => {
    await open();
    const old = bed.emulator.box.appendEvents(30);
    const run = await runCli(['tail', 'box:changes', '--once', '--json', '--from-start'], env());
    // The changes stream leaves out previews and downloads.
    expect(eventsOf(run.stdout)).toEqual(old.filter((e) => !['ITEM_PREVIEW', 'ITEM_DOWNLOAD'].includes(e['event_type'] as string)));
    expect(pageRequests()[0]!.query).toMatchObject({ stream_type: 'changes', stream_position: '0' });
  });

  it('keeps a position above 2^53 exactly across a restart', async () => {
    await open();
    await runCli(['tail', 'box', '--once', '--json'], env());
    const start = storedCursor().cursor.position;
    bed.emulator.box.appendEvents(777);
    await runCli(['tail', 'box', '--once', '--json'], env());
    const saved = storedCursor().cursor.position;
    expect(saved).toMatch(/^\d+$/);
    expect(BigInt(saved)).toBeGreaterThan(2n ** 53n);
    // Exact: 777 events further, which a position rounded through a double could not say.
    expect(BigInt(saved) - BigInt(start)).toBe(777n);
    const more = bed.emulator.box.appendEvents(5);
    const next = await runCli(['tail', 'box', '--once', '--json'], env());
    expect(pageRequests().at(-2)!.query['stream_position']).toBe(saved);
    expect(eventsOf(next.stdout)).toEqual(more);
  });

  it('long polling delivers a new event within a second, and survives reconnects', async () => {
    await open();
    await runCli(['tail', 'box', '--once', '--json'], env());
    bed.emulator.faults.add({ kind: 'reconnect', path: '/subscribe', times: 2 });
    const tail = new RunningCli(['tail', 'box', '--json', '--interval', '60'], env());
    const subscribes = (): number => boxRequests().filter((r) => r.path === '/subscribe').length;
    // Two reconnect answers, each followed by a fresh OPTIONS, then a waiting long poll.
    await tail.waitFor(() => subscribes() >= 3, 10_000, 'the third long poll');
    expect(boxRequests().filter((r) => r.method === 'OPTIONS').length).toBe(3);
    const latencies: number[] = [];
    const delivered: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      await tail.waitFor(() => bed.emulator.requests.some((r) => r.path === '/subscribe' && r.status === 0), 5_000, 'a waiting long poll');
      const t = Date.now();
      delivered.push(...bed.emulator.box.appendEvents(1));
      await tail.waitForLines(i + 1, 5_000);
      latencies.push(Date.now() - t);
    }
    tail.kill('SIGINT');
    const result = await tail.done;
    expect(result.code).toBe(130);
    expect(eventsOf(result.stdout)).toEqual(delivered);
    // Far below the 60 s polling interval: the long poll, not the interval, woke it.
    expect(Math.max(...latencies)).toBeLessThan(1000);
  });

  it('a long poll without an answer within retry_timeout is sent again', { timeout: 30_000 }, async () => {
    await open({ boxRealtime: { retryTimeoutS: 1 } });
    await runCli(['tail', 'box', '--once', '--json'], env());
    bed.emulator.faults.add({ kind: 'hang', path: '/subscribe', times: 1 });
    const tail = new RunningCli(['tail', 'box', '--json', '--interval', '60'], env());
    const subscribes = (): number => boxRequests().filter((r) => r.path === '/subscribe').length;
    await tail.waitFor(() => subscribes() >= 2, 15_000, 'a second long poll after the silent one');
    const appended = bed.emulator.box.appendEvents(2);
    await tail.waitForLines(2, 5_000);
    tail.kill('SIGTERM');
    const result = await tail.done;
    expect(result.code).toBe(143);
    expect(eventsOf(result.stdout)).toEqual(appended);
    // Same channel again (no OPTIONS in between): retry_timeout is not a reason to reconnect.
    expect(boxRequests().filter((r) => r.method === 'OPTIONS').length).toBe(1);
  });

  it('prints human lines: time, login, event type, source', async () => {
    await open();
    await runCli(['tail', 'box', '--once'], env());
    bed.emulator.box.appendEvents(6, 'user', 'ITEM_UPLOAD');
    const run = await runCli(['tail', 'box', '--once'], env());
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(run.stdout).not.toContain('\u001b');
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d \S+ ITEM_UPLOAD file "[^"]+" \d+ in "[^"]+"$/);
  });

  it('--event-type on a user stream filters the output (the API has no such parameter there)', async () => {
    await open();
    await runCli(['tail', 'box', '--once'], env());
    const appended = bed.emulator.box.appendEvents(60);
    const run = await runCli(['tail', 'box', '--once', '--json', '--event-type', 'ITEM_UPLOAD,ITEM_TRASH'], env());
    expect(eventsOf(run.stdout)).toEqual(appended.filter((e) => ['ITEM_UPLOAD', 'ITEM_TRASH'].includes(e['event_type'] as string)));
    expect(pageRequests().every((p) => !('event_type' in p.query))).toBe(true);
  });

  it('429: waits retry-after, then goes on', async () => {
    await open();
    await runCli(['tail', 'box', '--once'], env());
    const appended = bed.emulator.box.appendEvents(20);
    bed.emulator.faults.add({ kind: '429', path: '/2.0/events', times: 1, retryAfter: 1 });
    const run = await runCli(['tail', 'box', '--once', '--json', '--retry-base-ms', '20'], env());
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
    expect(run.stderr).toMatch(/rate limited by Box \(429\); retrying in 1 s/);
    const limited = bed.emulator.requests.find((r) => r.status === 429)!;
    const next = bed.emulator.requests.find((r) => r.time > limited.time)!;
    expect(next.time - limited.time).toBeGreaterThanOrEqual(950);
  });

  it('401: exit 3, one line naming BOX_ACCESS_TOKEN; no token: exit 3 before any request', async () => {
    await open({ accessTokens: ['right'] });
    const run = await runCli(['tail', 'box', '--once'], env({ BOX_ACCESS_TOKEN: 'wrong' }));
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/Box rejected the access token \(401.*BOX_ACCESS_TOKEN/);
    const before = bed.emulator.requests.length;
    const none = await runCli(['tail', 'box', '--once'], env({ BOX_ACCESS_TOKEN: undefined }));
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/BOX_ACCESS_TOKEN is not set/);
    expect(bed.emulator.requests.length).toBe(before);
  });

  it('tails an Asana project and a Box stream in one command', async () => {
    await open();
    const project = bed.emulator.asana.projectGids[0]!;
    await runCli(['tail', project, 'box', '--once', '--json'], env());
    const asana = bed.emulator.asana.appendEvents(project, 120);
    const box = bed.emulator.box.appendEvents(30);
    const run = await runCli(['tail', project, 'box', '--once', '--json'], env());
    expect(run.code).toBe(0);
    const records = jsonLines(run.stdout);
    const of = (provider: string): unknown[] => records.filter((r) => (r['_events'] as { provider: string }).provider === provider).map(({ _events, ...e }) => e);
    expect(of('asana')).toEqual(asana);
    expect(of('box')).toEqual(box);
    expect((records.find((r) => (r['_events'] as { provider: string }).provider === 'box')!['_events'] as { subscription: string }).subscription).toBe('box:all');
  });
});

describe('events tail box:admin_logs* (enterprise)', () => {
  it('admin_logs_streaming: repeats are dropped, also across a restart, and --verbose counts them', async () => {
    await open();
    const appended = bed.emulator.box.appendEvents(1200, 'enterprise');
    const run = await runCli(['tail', 'box:admin_logs_streaming', '--once', '--json', '--from-start', '--verbose'], env());
    expect(run.code).toBe(0);
    const got = ids(eventsOf(run.stdout));
    expect(new Set(got).size).toBe(got.length);
    expect(new Set(got)).toEqual(new Set(ids(appended)));
    expect(run.stderr).toMatch(/dropped \d+ repeated events/);
    expect(storedCursor().seen!.length).toBeGreaterThan(0);
    // The next page repeats entries from before the saved position: the saved ids catch them.
    const more = bed.emulator.box.appendEvents(10, 'enterprise');
    const next = await runCli(['tail', 'box:admin_logs_streaming', '--once', '--json'], env());
    expect(new Set(ids(eventsOf(next.stdout)))).toEqual(new Set(ids(more)));
    expect(eventsOf(next.stdout)).toHaveLength(10);
  });

  it('--max-events on a reordering stream: nothing repeated, nothing lost across runs', async () => {
    await open();
    const appended = bed.emulator.box.appendEvents(700, 'enterprise');
    const first = await runCli(['tail', 'box:admin_logs_streaming', '--once', '--json', '--from-start', '--max-events', '300'], env());
    expect(first.code).toBe(0);
    const a = ids(eventsOf(first.stdout));
    expect(a).toHaveLength(300);
    const rest = await runCli(['tail', 'box:admin_logs_streaming', '--once', '--json'], env());
    const b = ids(eventsOf(rest.stdout));
    expect(new Set([...a, ...b]).size).toBe(a.length + b.length);
    expect(new Set([...a, ...b])).toEqual(new Set(ids(appended)));
  });

  it('admin_logs: a --since/--until window backfill, paged to the end; the 0 of an empty page is never saved', async () => {
    let clock = Date.parse('2026-11-20T12:00:00Z');
    await open({ now: () => clock });
    const before = bed.emulator.box.appendEvents(5, 'enterprise');
    clock += 3600_000;
    const inside = bed.emulator.box.appendEvents(700, 'enterprise');
    clock += 3600_000;
    bed.emulator.box.appendEvents(5, 'enterprise');
    expect(before).toHaveLength(5);
    const run = await runCli(['tail', 'box:admin_logs', '--once', '--json', '--since', '2026-11-20T12:30:00Z', '--until', '2026-11-20T13:30:00Z'], env());
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(inside);
    const sent = pageRequests();
    expect(sent[0]!.query).toMatchObject({ stream_type: 'admin_logs', stream_position: '0', created_after: '2026-11-20T12:30:00Z', created_before: '2026-11-20T13:30:00Z' });
    const saved = storedCursor().cursor.position;
    expect(saved).not.toBe('0');
    expect(BigInt(saved)).toBeGreaterThan(2n ** 53n);
  });

  it('--event-type is sent as event_type', async () => {
    await open();
    await runCli(['tail', 'box:admin_logs_streaming', '--once', '--json'], env());
    const appended = bed.emulator.box.appendEvents(80, 'enterprise');
    const run = await runCli(['tail', 'box:admin_logs_streaming', '--once', '--json', '--event-type', 'LOGIN', '--event-type', 'UPLOAD'], env());
    expect(pageRequests().at(-1)!.query['event_type']).toBe('LOGIN,UPLOAD');
    expect(new Set(ids(eventsOf(run.stdout)))).toEqual(new Set(ids(appended.filter((e) => ['LOGIN', 'UPLOAD'].includes(e['event_type'] as string)))));
  });

  it('403 without admin rights: the message says an admin token is needed', async () => {
    await open({ boxAdminTokens: ['admin'] });
    const run = await runCli(['tail', 'box:admin_logs', '--once'], env());
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/403.*admin token with the "manage enterprise properties" scope/);
  });
});
