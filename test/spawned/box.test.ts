// Box event streams through bin/events.js against the emulator's Box API.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, tempDir } from '../helpers/env.js';
import { eventsOf, jsonLines } from '../helpers/run-result.js';
import { RunningCli } from '../helpers/spawn.js';
import { runInProcess } from '../helpers/run-in-process.js';
import { testBedPerTest, type TestBed } from '../helpers/test-bed.js';
import type { EmulatorOptions } from '../../src/emulator/index.js';

let bed: TestBed;
const startBed = testBedPerTest();
async function open(options: EmulatorOptions = {}): Promise<void> {
  bed = await startBed(options);
}

const env = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv =>
  bed.env({ BOX_BASE_URL: `${bed.emulator.url}/2.0`, BOX_ACCESS_TOKEN: 'box-token', ...extra });
const boxRequests = (): Array<{ method: string; path: string; query: Record<string, string>; time: number }> =>
  bed.emulator.requests.filter((r) => r.path.startsWith('/2.0/') || r.path === '/subscribe');
const pageRequests = (): Array<{ query: Record<string, string> }> =>
  boxRequests().filter((r) => r.method === 'GET' && r.path === '/2.0/events');
const ids = (records: unknown[]): string[] => records.map((r) => (r as { event_id: string }).event_id);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The position the emulator gives after the n-th event of a stream (what `now` answers then). */
const emulatorPosition = (n: number): string => bed.emulator.box.position(n);

/** The human line expected for a Box event, as the CLI prints it with TZ=UTC and no colour. */
function humanLine(raw: unknown): string {
  const e = raw as {
    created_at: string;
    event_type: string;
    created_by: { login?: string; name?: string };
    source: Record<string, unknown> & { parent?: { name?: string } };
  };
  const src = e.source;
  const name = (src['name'] ?? src['item_name'] ?? src['login']) as string | undefined;
  return [
    new Date(e.created_at).toISOString().slice(11, 19),
    e.created_by.login || e.created_by.name,
    e.event_type,
    src['type'] ?? src['item_type'],
    name ? `"${name}"` : '',
    src['id'] ?? src['item_id'],
    src.parent?.name ? `in "${src.parent.name}"` : '',
  ]
    .filter(Boolean)
    .join(' ');
}
/** Human lines of a run, without the date a line carries when the event is not from today. */
const humanLines = (stdout: string): string[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => l.replace(/^\d{4}-\d\d-\d\d /, ''));

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
    const first = await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
    expect(first).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(pageRequests()).toHaveLength(1);
    expect(pageRequests()[0]!.query).toEqual({ stream_type: 'all', stream_position: 'now', limit: '500' });
    // The position `now` answered is stored, exactly.
    expect(storedCursor().cursor.position).toBe(emulatorPosition(40));
    const appended = bed.emulator.box.appendEvents(1300);
    const before = pageRequests().length;
    const run = await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
    const pages = pageRequests().slice(before);
    // Short pages (fewer than the limit while more remain) do not end the drain; an empty one does.
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(pages.every((p) => p.query['limit'] === '500')).toBe(true);
    const again = await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
    expect(again.stdout).toBe('');
  });

  it('--from-start reads every retained event', async () => {
    await open();
    const old = bed.emulator.box.appendEvents(30);
    const run = await runInProcess(['tail', 'box:changes', '--once', '--json', '--from-start'], { env: env() });
    // The changes stream leaves out previews and downloads.
    expect(eventsOf(run.stdout)).toEqual(
      old.filter((e) => !['ITEM_PREVIEW', 'ITEM_DOWNLOAD'].includes(e['event_type'] as string)),
    );
    expect(pageRequests()[0]!.query).toMatchObject({ stream_type: 'changes', stream_position: '0' });
  });

  it('keeps a position above 2^53 exactly across a restart', async () => {
    await open();
    await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
    const start = storedCursor().cursor.position;
    expect(start).toBe(emulatorPosition(0));
    bed.emulator.box.appendEvents(777);
    await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
    const saved = storedCursor().cursor.position;
    // The emulator writes it as a bare JSON number; JSON.parse would have rounded it.
    expect(saved).toBe(emulatorPosition(777));
    expect(String(JSON.parse(saved))).not.toBe(saved);
    expect(BigInt(saved)).toBeGreaterThan(2n ** 53n);
    // Exact: 777 events further, which a position rounded through a double could not say.
    expect(BigInt(saved) - BigInt(start)).toBe(777n);
    const more = bed.emulator.box.appendEvents(5);
    const next = await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
    expect(pageRequests().at(-2)!.query['stream_position']).toBe(saved);
    expect(eventsOf(next.stdout)).toEqual(more);
  });

  it('long polling delivers a new event within a second, and survives reconnects', async () => {
    await open();
    await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
    bed.emulator.faults.add({ kind: 'reconnect', path: '/subscribe', times: 2 });
    // An hour between polls: the events can only come through the long poll.
    const tail = new RunningCli(['tail', 'box', '--json', '--interval', '3600'], env());
    const subscribes = (): number => boxRequests().filter((r) => r.path === '/subscribe').length;
    // Two reconnect answers, each followed by a fresh OPTIONS, then a waiting long poll.
    await tail.waitFor(() => subscribes() >= 3, 10_000, 'the third long poll');
    expect(boxRequests().filter((r) => r.method === 'OPTIONS').length).toBe(3);
    const delivered: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      await tail.waitFor(
        () => bed.emulator.requests.some((r) => r.path === '/subscribe' && r.status === 0),
        5_000,
        'a waiting long poll',
      );
      delivered.push(...bed.emulator.box.appendEvents(1));
      await tail.waitForLines(i + 1, 20_000);
    }
    tail.kill('SIGINT');
    const result = await tail.done;
    expect(result.code).toBe(130);
    expect(eventsOf(result.stdout)).toEqual(delivered);
    expect(storedCursor().cursor.position).toBe(emulatorPosition(5));
    // With an hour between polls, each event came through the long poll, not a poll an interval later.
  });

  it('a long poll without an answer within retry_timeout is sent again', { timeout: 30_000 }, async () => {
    await open({ boxRealtime: { retryTimeoutS: 1 } });
    await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
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

  it('a short retry_timeout: reconnect answers every second lose nothing', { timeout: 30_000 }, async () => {
    await open({ boxRealtime: { retryTimeoutS: 1 } });
    await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
    // An hour between polls: every event must come through the long poll.
    const tail = new RunningCli(['tail', 'box', '--json', '--interval', '3600'], env());
    await tail.waitFor(() => boxRequests().some((r) => r.path === '/subscribe'), 10_000, 'the first long poll');
    const delivered: unknown[] = [];
    // Appends land mid-wait, right at the server's 1 s reconnect, and between two waits.
    for (const pause of [150, 900, 1000, 1100, 40, 700, 1300, 0, 980]) {
      await sleep(pause);
      delivered.push(...bed.emulator.box.appendEvents(1 + (pause % 3)));
      await tail.waitForLines(delivered.length, 20_000);
    }
    tail.kill('SIGINT');
    const result = await tail.done;
    expect(result.code).toBe(130);
    expect(eventsOf(result.stdout)).toEqual(delivered);
    // The server did ask it to reconnect, several times: each is a fresh OPTIONS.
    expect(boxRequests().filter((r) => r.method === 'OPTIONS').length).toBeGreaterThanOrEqual(3);
  });

  it('after max_retries waits on one realtime URL it asks OPTIONS for a new one', async () => {
    await open({ boxRealtime: { maxRetries: 2 } });
    await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
    const tail = new RunningCli(['tail', 'box', '--json', '--interval', '60'], env());
    const delivered: unknown[] = [];
    for (let i = 0; i < 7; i++) {
      await tail.waitFor(
        () => bed.emulator.requests.some((r) => r.path === '/subscribe' && r.status === 0),
        5_000,
        'a waiting long poll',
      );
      delivered.push(...bed.emulator.box.appendEvents(1));
      await tail.waitForLines(i + 1, 5_000);
    }
    tail.kill('SIGINT');
    const result = await tail.done;
    expect(eventsOf(result.stdout)).toEqual(delivered);
    const perChannel = new Map<string, number>();
    for (const r of boxRequests().filter((r) => r.path === '/subscribe'))
      perChannel.set(r.query['channel']!, (perChannel.get(r.query['channel']!) ?? 0) + 1);
    // Never beyond max_retries on one URL (the emulator would answer reconnect), and a new URL each time.
    expect(Math.max(...perChannel.values())).toBe(2);
    expect(perChannel.size).toBe(boxRequests().filter((r) => r.method === 'OPTIONS').length);
    expect(perChannel.size).toBeGreaterThanOrEqual(4);
  });

  it('prints human lines: time, login, event type, source', async () => {
    await open();
    await runInProcess(['tail', 'box', '--once'], { env: env() });
    bed.emulator.box.appendEvents(6, 'user', 'ITEM_UPLOAD');
    const run = await runInProcess(['tail', 'box', '--once'], { env: env() });
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(run.stdout).not.toContain('\u001b');
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d \S+ ITEM_UPLOAD file "[^"]+" \d+ in "[^"]+"$/);
  });

  it('human lines are exact, and coloured by event type family only when asked', async () => {
    await open();
    await runInProcess(['tail', 'box', '--once'], { env: env() });
    const appended = [
      ...bed.emulator.box.appendEvents(2, 'user', 'ITEM_TRASH'),
      ...bed.emulator.box.appendEvents(2, 'user', 'ITEM_UPLOAD'),
      ...bed.emulator.box.appendEvents(2, 'user', 'ITEM_RENAME'),
    ];
    const plain = await runInProcess(['tail', 'box', '--once', '--group', 'plain'], { env: env() });
    expect(plain.stdout).toBe('');
    const run = await runInProcess(['tail', 'box', '--once'], { env: env() });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(humanLines(run.stdout)).toEqual(appended.map(humanLine));
    const more = [
      ...bed.emulator.box.appendEvents(1, 'user', 'ITEM_TRASH'),
      ...bed.emulator.box.appendEvents(1, 'user', 'ITEM_UPLOAD'),
    ];
    const coloured = await runInProcess(['tail', 'box', '--once', '--color', 'always'], { env: env() });
    const lines = coloured.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('\u001b[31mITEM_TRASH\u001b[39m');
    expect(lines[1]).toContain('\u001b[32mITEM_UPLOAD\u001b[39m');
    expect(lines.map((l) => l.replace(/\u001b\[\d+m/g, '').replace(/^\d{4}-\d\d-\d\d /, ''))).toEqual(
      more.map(humanLine),
    );
  });

  it('--event-type on a user stream filters the output (the API has no such parameter there)', async () => {
    await open();
    await runInProcess(['tail', 'box', '--once'], { env: env() });
    const appended = bed.emulator.box.appendEvents(60);
    const run = await runInProcess(['tail', 'box', '--once', '--json', '--event-type', 'ITEM_UPLOAD,ITEM_TRASH'], {
      env: env(),
    });
    expect(eventsOf(run.stdout)).toEqual(
      appended.filter((e) => ['ITEM_UPLOAD', 'ITEM_TRASH'].includes(e['event_type'] as string)),
    );
    expect(pageRequests().every((p) => !('event_type' in p.query))).toBe(true);
  });

  it('429: waits retry-after, then goes on', async () => {
    await open();
    await runInProcess(['tail', 'box', '--once'], { env: env() });
    const appended = bed.emulator.box.appendEvents(20);
    bed.emulator.faults.add({ kind: '429', path: '/2.0/events', times: 1, retryAfter: 1 });
    const run = await runInProcess(['tail', 'box', '--once', '--json', '--retry-base-ms', '20'], { env: env() });
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
    expect(run.stderr).toMatch(/rate limited by Box \(429\); retrying in 1 s/);
    const limited = bed.emulator.requests.find((r) => r.status === 429)!;
    const next = bed.emulator.requests.find((r) => r.time > limited.time)!;
    expect(next.time - limited.time).toBeGreaterThanOrEqual(950);
  });

  it('401: exit 3, one line naming BOX_ACCESS_TOKEN; no token: exit 3 before any request', async () => {
    await open({ accessTokens: ['right'] });
    const run = await runInProcess(['tail', 'box', '--once'], { env: env({ BOX_ACCESS_TOKEN: 'wrong' }) });
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/Box rejected the access token \(401.*BOX_ACCESS_TOKEN/);
    const before = bed.emulator.requests.length;
    const none = await runInProcess(['tail', 'box', '--once'], { env: env({ BOX_ACCESS_TOKEN: undefined }) });
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/BOX_ACCESS_TOKEN is not set/);
    expect(bed.emulator.requests.length).toBe(before);
  });

  it('tails an Asana project and a Box stream in one command', async () => {
    await open();
    const project = bed.emulator.asana.projectGids[0]!;
    await runInProcess(['tail', project, 'box', '--once', '--json'], { env: env() });
    const asana = bed.emulator.asana.appendEvents(project, 120);
    const box = bed.emulator.box.appendEvents(30);
    const run = await runInProcess(['tail', project, 'box', '--once', '--json'], { env: env() });
    expect(run.code).toBe(0);
    const records = jsonLines(run.stdout);
    const of = (provider: string): unknown[] =>
      records.filter((r) => (r['_events'] as { provider: string }).provider === provider).map(({ _events, ...e }) => e);
    expect(of('asana')).toEqual(asana);
    expect(of('box')).toEqual(box);
    expect(
      (
        records.find((r) => (r['_events'] as { provider: string }).provider === 'box')!['_events'] as {
          subscription: string;
        }
      ).subscription,
    ).toBe('box:all');
  });
});

describe('events tail box: faults', () => {
  it('a drain past 500 survives 503s, resets, cut and garbled bodies and a page without a position', async () => {
    await open();
    await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
    const appended = bed.emulator.box.appendEvents(1500);
    for (const fault of [
      { kind: 'status', status: 503 },
      { kind: 'reset' },
      { kind: 'truncate' },
      { kind: 'badjson' },
      { kind: 'nosync' },
      { kind: 'slow', delayMs: 300 },
      { kind: 'status', status: 502 },
    ] as const)
      bed.emulator.faults.add({ ...fault, path: '/2.0/events', times: 1 });
    const run = await runInProcess(['tail', 'box', '--once', '--json', '--retry-base-ms', '20'], { env: env() });
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
    expect(run.stderr).toMatch(/retrying/);
    expect(storedCursor().cursor.position).toBe(emulatorPosition(1500));
    const again = await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
    expect(again).toMatchObject({ code: 0, stdout: '' });
  });

  it.each([
    ['a reset', { kind: 'reset' }],
    ['a 503', { kind: 'status', status: 503 }],
    ['a garbled answer', { kind: 'badjson' }],
  ] as const)(
    '%s on the realtime server: the event still arrives at once, not an --interval later',
    async (_, fault) => {
      await open();
      await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
      bed.emulator.faults.add({ ...fault, path: '/subscribe', times: 1 });
      // An hour between polls: the event can only come through the long poll, never a poll later.
      const tail = new RunningCli(['tail', 'box', '--json', '--interval', '3600'], env());
      // The faulty answer, then a fresh OPTIONS and a wait that holds.
      await tail.waitFor(
        () =>
          bed.emulator.requests.some(
            (r) =>
              r.path === '/subscribe' &&
              r.status === 0 &&
              boxRequests().filter((o) => o.method === 'OPTIONS').length === 2,
          ),
        10_000,
        'a second, waiting long poll',
      );
      const appended = bed.emulator.box.appendEvents(1);
      await tail.waitForLines(1, 20_000);
      tail.kill('SIGINT');
      const result = await tail.done;
      expect(eventsOf(result.stdout)).toEqual(appended);
    },
  );

  it('a realtime server that keeps failing is not hammered, and events still arrive', async () => {
    await open();
    await runInProcess(['tail', 'box', '--once', '--json'], { env: env() });
    bed.emulator.faults.add({ kind: 'status', status: 503, path: '/subscribe', times: 1000 });
    const tail = new RunningCli(['tail', 'box', '--json', '--interval', '2'], env());
    await tail.waitFor(() => boxRequests().some((r) => r.path === '/subscribe'), 10_000, 'the first long poll');
    const appended = bed.emulator.box.appendEvents(3);
    await tail.waitForLines(3, 5_000);
    await sleep(3000);
    tail.kill('SIGINT');
    const result = await tail.done;
    expect(eventsOf(result.stdout)).toEqual(appended);
    // Backing off 0, 250, 500, 1000, 2000, 2000 ms …: a handful of tries in about 4 s, not hundreds.
    const tries = boxRequests().filter((r) => r.path === '/subscribe').length;
    expect(tries).toBeGreaterThanOrEqual(3);
    expect(tries).toBeLessThanOrEqual(10);
  });
});

describe('events tail box:admin_logs* (enterprise)', () => {
  it('admin_logs_streaming: repeats are dropped, also across a restart, and --verbose counts them', async () => {
    await open();
    const appended = bed.emulator.box.appendEvents(1200, 'enterprise');
    const run = await runInProcess(
      ['tail', 'box:admin_logs_streaming', '--once', '--json', '--from-start', '--verbose'],
      { env: env() },
    );
    expect(run.code).toBe(0);
    const got = ids(eventsOf(run.stdout));
    expect(got).toHaveLength(1200);
    expect(new Set(got)).toEqual(new Set(ids(appended)));
    // Every page after the first repeats the 3 entries before its start; the last page is empty.
    const pages = pageRequests().length;
    const dropped = [...run.stderr.matchAll(/box:admin_logs_streaming: dropped (\d+) repeated events/g)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
    expect(dropped).toBe(3 * (pages - 2));
    expect(storedCursor()).toMatchObject({ cursor: { position: emulatorPosition(1200) } });
    expect(new Set(storedCursor().seen)).toEqual(new Set(ids(appended)));
    // The next page repeats entries from before the saved position: the saved ids catch them.
    const more = bed.emulator.box.appendEvents(10, 'enterprise');
    const next = await runInProcess(['tail', 'box:admin_logs_streaming', '--once', '--json', '--verbose'], {
      env: env(),
    });
    expect(new Set(ids(eventsOf(next.stdout)))).toEqual(new Set(ids(more)));
    expect(eventsOf(next.stdout)).toHaveLength(10);
    expect(next.stderr.match(/dropped \d+ repeated events/g)).toEqual(['dropped 3 repeated events']);
  });

  it.each([['--once'], ['follow mode']])(
    'a first run of admin_logs_streaming prints nothing from before its first position: %s',
    async (mode) => {
      // Old events a minute back; those of the run after the first cursor at the emulator's real time.
      let past = true;
      await open({ now: () => (past ? Date.now() - 60_000 : Date.now()) });
      bed.emulator.box.appendEvents(20, 'enterprise');
      past = false;
      let appended: Array<Record<string, unknown>>;
      let printed: unknown[];
      if (mode === '--once') {
        const first = await runInProcess(['tail', 'box:admin_logs_streaming', '--once', '--json'], { env: env() });
        expect(first).toMatchObject({ code: 0, stdout: '' });
        appended = bed.emulator.box.appendEvents(10, 'enterprise');
        const run = await runInProcess(['tail', 'box:admin_logs_streaming', '--once', '--json', '--verbose'], {
          env: env(),
        });
        expect(run.code).toBe(0);
        printed = eventsOf(run.stdout);
      } else {
        const tail = new RunningCli(['tail', 'box:admin_logs_streaming', '--json', '--interval', '0.2'], env());
        await tail.waitFor(() => pageRequests().length >= 2, 10_000, 'a first poll');
        appended = bed.emulator.box.appendEvents(10, 'enterprise');
        await tail.waitForLines(10);
        // Its repeats came with that page: later polls would show a line too many.
        const polls = pageRequests().length;
        await tail.waitFor(() => pageRequests().length >= polls + 2, 10_000, 'two more polls');
        tail.kill('SIGTERM');
        printed = eventsOf((await tail.done).stdout);
      }
      // The page after the first position also held the 3 events before it, shuffled in.
      expect(printed).toHaveLength(10);
      expect(new Set(ids(printed))).toEqual(new Set(ids(appended)));
      // Its start stays in the cursor; --from-start reads history as before.
      expect((storedCursor().cursor as Record<string, unknown>)['notBefore']).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/,
      );
    },
  );

  it('human lines for enterprise events: item_name, item_id and logins', async () => {
    await open();
    const appended = [
      ...bed.emulator.box.appendEvents(3, 'enterprise', 'LOGIN'),
      ...bed.emulator.box.appendEvents(3, 'enterprise', 'UPLOAD'),
      ...bed.emulator.box.appendEvents(2, 'enterprise', 'DELETE'),
    ];
    const run = await runInProcess(['tail', 'box:admin_logs', '--once', '--from-start'], { env: env() });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).not.toContain('\u001b');
    expect(humanLines(run.stdout)).toEqual(appended.map(humanLine));
    expect(humanLines(run.stdout)[3]).toMatch(/ UPLOAD file "[^"]+" \d+ in "[^"]+"$/);
  });

  it('--max-events on a reordering stream: nothing repeated, nothing lost across runs', async () => {
    await open();
    const appended = bed.emulator.box.appendEvents(700, 'enterprise');
    const first = await runInProcess(
      ['tail', 'box:admin_logs_streaming', '--once', '--json', '--from-start', '--max-events', '300'],
      { env: env() },
    );
    expect(first.code).toBe(0);
    const a = ids(eventsOf(first.stdout));
    expect(a).toHaveLength(300);
    const rest = await runInProcess(['tail', 'box:admin_logs_streaming', '--once', '--json'], { env: env() });
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
    const run = await runInProcess(
      [
        'tail',
        'box:admin_logs',
        '--once',
        '--json',
        '--since',
        '2026-11-20T12:30:00Z',
        '--until',
        '2026-11-20T13:30:00Z',
      ],
      { env: env() },
    );
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(inside);
    const sent = pageRequests();
    expect(sent[0]!.query).toMatchObject({
      stream_type: 'admin_logs',
      stream_position: '0',
      created_after: '2026-11-20T12:30:00Z',
      created_before: '2026-11-20T13:30:00Z',
    });
    const saved = storedCursor().cursor.position;
    expect(saved).not.toBe('0');
    expect(BigInt(saved)).toBeGreaterThan(2n ** 53n);
  });

  it('--event-type is sent as event_type', async () => {
    await open();
    await runInProcess(['tail', 'box:admin_logs_streaming', '--once', '--json'], { env: env() });
    const appended = bed.emulator.box.appendEvents(80, 'enterprise');
    const run = await runInProcess(
      ['tail', 'box:admin_logs_streaming', '--once', '--json', '--event-type', 'LOGIN', '--event-type', 'UPLOAD'],
      { env: env() },
    );
    expect(pageRequests().at(-1)!.query['event_type']).toBe('LOGIN,UPLOAD');
    expect(new Set(ids(eventsOf(run.stdout)))).toEqual(
      new Set(ids(appended.filter((e) => ['LOGIN', 'UPLOAD'].includes(e['event_type'] as string)))),
    );
  });

  it('403 without admin rights: the message says an admin token is needed', async () => {
    await open({ boxAdminTokens: ['admin'] });
    const run = await runInProcess(['tail', 'box:admin_logs', '--once'], { env: env() });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/403.*admin token with the "manage enterprise properties" scope/);
  });
});

describe('events demo --provider box', () => {
  it('tails a simulated Box user stream through long polling until Ctrl-C', async () => {
    const demo = new RunningCli(['demo', '--provider', 'box', '--json'], cleanEnv({ EVENTS_CONFIG_DIR: tempDir() }));
    await demo.waitForLines(3, 15_000);
    demo.kill('SIGINT');
    const result = await demo.done;
    expect(result.code).toBe(130);
    const records = jsonLines(result.stdout);
    for (const r of records)
      expect(r['_events']).toMatchObject({ kind: 'event', provider: 'box', subscription: 'box:all' });
    const got = ids(records);
    expect(new Set(got).size).toBe(got.length);
    expect(result.stderr).toMatch(
      /events demo: emulator at http:\/\/127\.0\.0\.1:\d+, tailing a Box user stream \(long polling\)/,
    );
  });

  it('--provider must be asana or box', async () => {
    const run = await runInProcess(['demo', '--provider', 'dropbox'], {
      env: cleanEnv({ EVENTS_CONFIG_DIR: tempDir() }),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--provider must be asana or box, not "dropbox"/);
  });
});
