// The follow loop's wake-ups, against the emulator with a real provider, real cursor
// files and a recording reporter: a wake-up sends the next events request at once; wake-ups
// heard while a request is in flight make one more request, not many; a subscription whose
// webhook is live polls at --webhook-poll instead of --interval, and at --interval again once
// the webhook is lost. Counted as the emulator saw the requests.
import fs from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StaticTokenSource } from '../../src/auth/token-source.js';
import { ExitCode } from '../../src/core/errors.js';
import type { Notice, Reporter } from '../../src/core/notice.js';
import type { RecordSink } from '../../src/core/record-sink.js';
import { parseReference, type Reference } from '../../src/core/refs.js';
import { follow, type LoopOptions, type Subscription } from '../../src/follow/loop.js';
import { WakeBoard, WakeSignal } from '../../src/follow/wakes.js';
import { HttpClient } from '../../src/net/http.js';
import { AsanaProvider } from '../../src/providers/asana/provider.js';
import { CursorStore } from '../../src/state/cursors.js';
import { tempDir } from '../helpers/env.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
let http: HttpClient;
let store: CursorStore;
let stateDir: string;
let ref: Reference;

beforeAll(async () => {
  bed = await startTestBed();
  http = new HttpClient({ userAgent: 'test', timeoutMs: 10_000 });
});
afterAll(async () => {
  await http.close();
  await bed.close();
});
beforeEach(() => {
  stateDir = tempDir('events-wake-');
  store = new CursorStore(stateDir);
  bed.emulator.faults.clear();
  return () => fs.rmSync(stateDir, { recursive: true, force: true });
});

function provider(intervalMs: number): AsanaProvider {
  return new AsanaProvider({
    baseUrl: `${bed.emulator.url}/api/1.0`,
    auth: new StaticTokenSource('asana', 't', 'ASANA_ACCESS_TOKEN'),
    http,
    retry: { baseMs: 10, capMs: 10 },
    intervalMs,
  });
}

function recorder(on?: (notice: Notice) => void): Reporter & { heard: Notice[] } {
  const heard: Notice[] = [];
  return { heard, notice: (n) => (heard.push(n), on?.(n)) };
}

function memorySink(): RecordSink & { events: RecordSink['events']; written: number } {
  const sink = {
    written: 0,
    get linesWritten() {
      return sink.written;
    },
    events: async (_target: unknown, events: { length: number }) => (sink.written += events.length) && events.length,
    notice: async () => undefined,
    snapshot: async () => undefined,
    flush: async () => undefined,
  };
  return sink;
}

/** A subscription of its own project (each test gets a fresh one), its cursor already stored. */
async function primed(intervalMs: number, wake?: WakeSignal): Promise<Subscription> {
  ref = parseReference(bed.emulator.asana.createProject(`wake ${Math.random()}`, 1));
  const asana = provider(intervalMs);
  const key = { provider: 'asana', host: asana.host, subscription: ref.id, group: 'g' };
  const sub: Subscription = {
    ref,
    provider: asana,
    cursors: store.file(key),
    origin: { provider: 'asana', subscription: ref.id, group: 'g' },
    wake,
  };
  await follow(sub, env(new AbortController().signal, recorder(), { once: true }));
  return sub;
}

function env(signal: AbortSignal, reporter: Reporter, options: Partial<LoopOptions> = {}) {
  return {
    records: memorySink(),
    reporter,
    signal,
    options: { once: false, onExpire: 'recrawl' as const, ...options },
    prefetchSent: () => http.sent(),
  };
}

/** The events requests of the test's project, as the emulator saw them arrive. */
const requests = () =>
  bed.emulator.requests.filter((r) => r.path.endsWith('/events') && r.query['resource'] === ref.id);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(5);
  }
}

/** Runs the loop in follow mode until `body` is done, then stops it. */
async function following(
  sub: Subscription,
  options: Partial<LoopOptions>,
  body: (waits: () => number) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  let waits = 0;
  const reporter = recorder((n) => n.kind === 'waiting' && waits++);
  const loop = follow(sub, env(stop.signal, reporter, options)).catch((error: unknown) => {
    if (error !== ExitCode.sigint) throw error;
  });
  try {
    await body(() => waits);
  } finally {
    stop.abort(ExitCode.sigint);
    await loop;
  }
}

describe('wake-ups of the follow loop', () => {
  it('a wake-up sends the next events request at once, not an --interval later', async () => {
    const wake = new WakeSignal();
    const sub = await primed(60_000, wake);
    await following(sub, {}, async (waits) => {
      await until('the first wait', () => waits() === 1);
      const before = requests().length;
      const woken = Date.now();
      wake.wake();
      await until('the request', () => requests().length === before + 1);
      expect(requests().at(-1)!.time - woken).toBeLessThan(500);
    });
  });

  it('five wake-ups while a slow request is in flight make exactly one more request', async () => {
    const wake = new WakeSignal();
    const sub = await primed(60_000, wake);
    bed.emulator.faults.add({ kind: 'slow', path: '/events', delayMs: 300 });
    await following(sub, {}, async (waits) => {
      await until('the slow request', () => requests().length === 2);
      const before = requests().length;
      for (let i = 0; i < 5; i++) {
        wake.wake();
        await pause(20);
      }
      expect(requests()).toHaveLength(before);
      await until('its answer and one more', () => waits() >= 2);
      await pause(300);
      expect(requests()).toHaveLength(before + 1);
    });
  });

  it('a subscription whose webhook is live polls at --webhook-poll, not --interval; lost, at --interval again', async () => {
    const wake = new WakeSignal();
    const sub = await primed(50, wake);
    wake.setLive(true);
    await following(sub, { webhookPollMs: 500 }, async () => {
      await until('the first request', () => requests().length === 2);
      const start = requests().length;
      await pause(1_200);
      // 50 ms polls would have made about 24; 500 ms ones make 2 (at 500 and 1,000 ms).
      const slow = requests().length - start;
      expect(slow).toBeGreaterThanOrEqual(1);
      expect(slow).toBeLessThanOrEqual(4);

      // Lost just after a slow poll went out: the loop does not sit out the rest of its 500 ms.
      const polled = requests().length;
      await until('the next slow poll', () => requests().length > polled, 2_000);
      await pause(50);
      const lost = Date.now();
      const before = requests().length;
      wake.setLive(false);
      await until('the poll right after the loss', () => requests().length > before);
      expect(requests()[before]!.time - lost).toBeLessThan(300);
      await pause(500);
      expect(requests().length - before).toBeGreaterThanOrEqual(5);
    });
  });

  it('without a live webhook, a wake signal changes nothing: polls at --interval', async () => {
    const sub = await primed(50, new WakeSignal());
    await following(sub, { webhookPollMs: 60_000 }, async () => {
      await until('the first request', () => requests().length === 2);
      const start = requests().length;
      await pause(500);
      expect(requests().length - start).toBeGreaterThanOrEqual(4);
    });
  });

  it('the board wakes the subscription of the key it is given, and no other', async () => {
    const board = new WakeBoard();
    const sub = await primed(60_000, board.signal('mine'));
    await following(sub, {}, async (waits) => {
      await until('the first wait', () => waits() === 1);
      const before = requests().length;
      board.onWake('another');
      await pause(200);
      expect(requests()).toHaveLength(before);
      board.onWake('mine');
      await until('the request', () => requests().length === before + 1);
    });
  });
});
