// The reporter port: the rate governor and the follow loop hand over notices as data, and the
// output layer alone words them (the texts below are the ones users and other tests know).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticTokenSource } from '../../src/auth/token-source.js';
import type { Notice } from '../../src/core/notice.js';
import { parseReference } from '../../src/core/refs.js';
import { follow, type Subscription } from '../../src/follow/loop.js';
import { Governor, type GovernorClock } from '../../src/net/governor.js';
import { HttpClient } from '../../src/net/http.js';
import { progressReporter, wordNotice } from '../../src/output/notices.js';
import type { Progress } from '../../src/output/progress.js';
import type { Renderer } from '../../src/output/renderer.js';
import { AsanaProvider } from '../../src/providers/asana/provider.js';
import type { CursorFile, CursorRecord } from '../../src/state/cursors.js';
import { startTestBed, type TestBed } from '../helpers/emulator.js';

/** Time stands still: the governor's waits never end, which these tests do not need. */
const still: GovernorClock = { now: () => 0, setTimer: () => 0, clearTimer: () => undefined };

describe('the rate governor reports notices, never text', () => {
  it('a 429 that teaches a rate: rate-limited, with the new rate', async () => {
    const notices: Notice[] = [];
    const governor = new Governor({
      vendor: 'Asana',
      ratePerMin: 1500,
      clock: still,
      reporter: { notice: (n) => notices.push(n) },
    });
    governor.release(await governor.acquire('a'), { status: 429, retryAfterMs: 2000 });
    expect(notices).toEqual([
      { kind: 'rate-limited', vendor: 'Asana', retryAfterMs: 2000, slowedToPerMin: 1050, pinned: false },
    ]);
  });

  it('a 429 under --rate: rate-limited, pinned, no new rate', async () => {
    const notices: Notice[] = [];
    const governor = new Governor({
      vendor: 'Box',
      ratePerMin: 60,
      pinned: true,
      clock: still,
      reporter: { notice: (n) => notices.push(n) },
    });
    governor.release(await governor.acquire('a'), { status: 429, retryAfterMs: 0 });
    expect(notices).toEqual([
      { kind: 'rate-limited', vendor: 'Box', retryAfterMs: 1000, slowedToPerMin: undefined, pinned: true },
    ]);
  });
});

describe('the output layer words each notice and picks its channel', () => {
  it.each<[Notice, string, string]>([
    [
      { kind: 'rate-limited', vendor: 'Asana', retryAfterMs: 2000, slowedToPerMin: 1050, pinned: false },
      'note',
      'rate limited by Asana (429); retrying in 2 s; slowing to about 1,100 requests/min',
    ],
    [
      { kind: 'rate-limited', vendor: 'Asana', retryAfterMs: 30_000, pinned: false },
      'note',
      'rate limited by Asana (429); retrying in 30 s',
    ],
    [
      { kind: 'rate-limited', vendor: 'Box', retryAfterMs: 1000, pinned: true },
      'note',
      'rate limited by Box (429); retrying in 1 s (--rate is fixed)',
    ],
    [
      { kind: 'stretched', subscriptions: 400, intervalMs: 1000, ratePerMin: 900, basis: 'learned' },
      'note',
      '400 subscriptions at --interval 1 need 24,000 requests/min; this token allows about 900/min: each is polled about every 27 s',
    ],
    [
      { kind: 'stretched', subscriptions: 400, intervalMs: 1000, ratePerMin: 60, basis: 'pinned' },
      'note',
      '400 subscriptions at --interval 1 need 24,000 requests/min; --rate allows 60/min: each is polled about every 400 s',
    ],
    [
      { kind: 'retrying', subject: 'project 1', reason: 'Asana answered 503', delayMs: 1500, rateLimited: false },
      'retrying',
      'project 1: Asana answered 503; retrying in 1.5 s',
    ],
    [
      { kind: 'retrying', subject: 'project 1', reason: 'Asana answered 429', delayMs: 2000, rateLimited: true },
      'debug',
      'project 1: Asana answered 429; retrying in 2 s',
    ],
    [
      { kind: 'recovered', subject: 'listing projects', downMs: 12_400, rateLimitedOnly: false },
      'note',
      'listing projects: recovered after 12 s',
    ],
    [
      { kind: 'recovered', subject: 'project 1', downMs: 900, rateLimitedOnly: true },
      'debug',
      'project 1: recovered after 0.9 s',
    ],
  ])('%o', (notice, channel, text) => {
    expect(wordNotice(notice)).toEqual({ channel, text });
    const heard: string[] = [];
    const progress = {
      note: (t: string) => heard.push(`note ${t}`),
      retrying: (t: string) => heard.push(`retrying ${t}`),
      debug: (t: string) => heard.push(`debug ${t}`),
    } as unknown as Progress;
    progressReporter(() => progress).notice(notice);
    expect(heard).toEqual([`${channel} ${text}`]);
  });

  it('drops a notice that comes before the progress reporter exists', () => {
    expect(() =>
      progressReporter(() => undefined).notice({ kind: 'recovered', subject: 'x', downMs: 1, rateLimitedOnly: false }),
    ).not.toThrow();
  });
});

describe('the follow loop reports its retries as notices', () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await startTestBed();
  });
  afterAll(() => bed.close());

  it('a 503 and the recovery after it, with the subscription as the subject', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    const base = `${bed.emulator.url}/api/1.0`;
    const first = (await (
      await fetch(`${base}/events?resource=${project}`, { headers: { authorization: 'Bearer t' } })
    ).json()) as { sync: string };
    bed.emulator.asana.appendEvents(project, 3);
    bed.emulator.faults.add({ kind: 'status', status: 503, path: '/events', times: 1 });
    const http = new HttpClient({ userAgent: 'test', timeoutMs: 10_000 });
    const notices: Notice[] = [];
    try {
      const provider = new AsanaProvider({
        baseUrl: base,
        auth: new StaticTokenSource('asana', 't', 'ASANA_ACCESS_TOKEN'),
        http,
        retry: { baseMs: 10, capMs: 10 },
        intervalMs: 1000,
      });
      const ref = parseReference(project);
      const key = { provider: 'asana', host: provider.host, subscription: ref.id, group: 'g' };
      const stored: CursorRecord = {
        ...key,
        version: 1,
        label: ref.label,
        cursor: { sync: first.sync },
        savedAt: new Date().toISOString(),
      };
      const cursors = {
        key,
        path: '',
        load: () => stored,
        save: async () => undefined,
        saveQuick: async () => undefined,
      } as unknown as CursorFile;
      const renderer: Renderer = {
        linesWritten: 0,
        events: async (_t, events) => events.length,
        notice: async () => undefined,
        snapshot: async () => undefined,
        flush: async () => undefined,
      };
      const progress = {
        status: () => undefined,
        debug: () => undefined,
        note: () => undefined,
        retrying: () => undefined,
      } as unknown as Progress;
      const sub: Subscription = {
        ref,
        provider,
        cursors,
        origin: { provider: 'asana', subscription: ref.id, group: 'g' },
      };
      await follow(sub, {
        renderer,
        progress,
        signal: new AbortController().signal,
        options: { once: true, onExpire: 'fail' },
        prefetchSent: () => http.sent(),
        reporter: { notice: (n) => notices.push(n) },
      });
    } finally {
      await http.close();
    }
    expect(notices).toEqual([
      {
        kind: 'retrying',
        subject: parseReference(project).label,
        reason: expect.stringMatching(/503/),
        delayMs: expect.any(Number),
        rateLimited: false,
      },
      { kind: 'recovered', subject: parseReference(project).label, downMs: expect.any(Number), rateLimitedOnly: false },
    ]);
  });
});
