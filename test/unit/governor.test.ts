// The rate governor in virtual time: a fake clock whose timers run when the test advances it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/env.js';
import {
  Governor,
  MAX_PAUSE_MS,
  MIN_PAUSE_MS,
  parseRate,
  type GovernorClock,
  type Ticket,
} from '../../src/net/governor.js';
import { stretchedIntervalMs, stretchMessage, wordNotice } from '../../src/output/notices.js';

class FakeClock implements GovernorClock {
  t = 0;
  #timers: Array<{ at: number; fn: () => void; id: number }> = [];
  #next = 1;
  now = (): number => this.t;
  setTimer = (fn: () => void, ms: number): unknown => {
    const id = this.#next++;
    this.#timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimer = (handle: unknown): void => {
    this.#timers = this.#timers.filter((x) => x.id !== handle);
  };
  get pending(): number {
    return this.#timers.length;
  }
  /** Moves time forward, running due timers in order (and the promise callbacks they cause). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      this.#timers.sort((a, b) => a.at - b.at);
      const due = this.#timers[0];
      if (!due || due.at > end) break;
      this.#timers.shift();
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
    await flush();
  }
}

/** Lets every promise callback run (a macrotask turn drains the whole microtask queue). */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function setup(options: { ratePerMin: number; pinned?: boolean; maxInFlight?: number }) {
  const clock = new FakeClock();
  const notes: string[] = [];
  const governor = new Governor({
    vendor: 'Asana',
    clock,
    reporter: { notice: (n) => notes.push(wordNotice(n).text) },
    ...options,
  });
  /** Sends `count` requests for `key` one after another, each answered at once with `status()`. */
  const grants: Array<{ key: string; at: number }> = [];
  const run = async (
    key: string,
    count: number,
    status: (at: number) => number | [number, number] = () => 200,
  ): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const ticket: Ticket = await governor.acquire(key);
      grants.push({ key, at: clock.t });
      const answer = status(clock.t);
      const [code, retryAfterMs] = Array.isArray(answer) ? answer : [answer, undefined];
      governor.release(ticket, { status: code, retryAfterMs });
    }
  };
  return { clock, governor, notes, grants, run };
}

describe('token bucket', () => {
  it("a burst takes up to 90% of a minute's budget at once; no 60 s ever hold more than the budget", async () => {
    const { clock, grants, run } = setup({ ratePerMin: 600 });
    void run('a', 100_000);
    await clock.advance(0);
    expect(grants.length).toBe(540);
    await clock.advance(180_000);
    const times = grants.map((g) => g.at);
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 60_000).length;
      expect(inWindow, `60 s from ${times[i]} ms`).toBeLessThanOrEqual(600);
    }
    // ...and the budget is used: three minutes hold three minutes' worth (less the last burst's wait).
    expect(grants.length).toBeGreaterThanOrEqual(1790);
  });

  it("a pinned rate (--rate) keeps its pace: bursts of one second's worth at most", async () => {
    const { clock, grants, run } = setup({ ratePerMin: 600, pinned: true });
    void run('a', 1000);
    await clock.advance(10_000);
    expect(grants.length).toBeGreaterThanOrEqual(100);
    expect(grants.length).toBeLessThanOrEqual(111);
  });

  it('keeps no timer when nobody waits (idle costs nothing)', async () => {
    const { clock, run } = setup({ ratePerMin: 60 });
    await run('a', 1);
    await clock.advance(5000);
    expect(clock.pending).toBe(0);
  });
});

describe('learning from 429', () => {
  /** A server that admits `limit` requests per sliding `windowMs`, counting refused ones too. */
  function server(limit: number, windowMs: number) {
    const times: number[] = [];
    let refused = 0;
    let total = 0;
    const answer = (now: number): number | [number, number] => {
      total++;
      times.push(now);
      const inWindow = times.filter((t) => t > now - windowMs);
      if (inWindow.length > limit) {
        refused++;
        return [429, Math.max(1000, Math.ceil((inWindow[inWindow.length - limit]! + windowMs - now) / 1000) * 1000)];
      }
      return 200;
    };
    return { answer, stats: () => ({ refused, total }) };
  }

  it('drops from 1500/min to about what a 150-per-10-s budget allows, with few refusals', async () => {
    const { clock, governor, notes, run } = setup({ ratePerMin: 1500 });
    const budget = server(150, 10_000);
    for (let s = 0; s < 20; s++) void run(`s${s}`, 100_000, budget.answer);
    await clock.advance(120_000);
    const { refused, total } = budget.stats();
    // 900/min is the real budget; the governor settles a little below it and probes upward.
    expect(governor.ratePerMin).toBeGreaterThan(700);
    expect(governor.ratePerMin).toBeLessThanOrEqual(920);
    expect(total).toBeGreaterThan(1500);
    expect(refused / total).toBeLessThan(0.02);
    const episodes = notes.filter((n) =>
      /^rate limited by Asana \(429\); retrying in \d+ s; slowing to about \d+ requests\/min$/.test(n),
    );
    expect(episodes.length).toBeGreaterThanOrEqual(1);
    expect(episodes.length).toBeLessThanOrEqual(3);
    expect(episodes.length).toBe(notes.length);
  });

  it('300 subscriptions of 3 pages each against 1,500 per 60 s: no wait, no refusal', async () => {
    const { clock, run } = setup({ ratePerMin: 1500 });
    const budget = server(1500, 60_000);
    for (let s = 0; s < 300; s++) void run(`s${s}`, 3, budget.answer);
    // Virtual time stands still: every request goes at once (the old one-second bucket took 35 s).
    await clock.advance(0);
    expect(budget.stats()).toEqual({ refused: 0, total: 900 });
  });

  it("a 429 before the minute's budget was used means a shorter window: bursts shrink to a second's worth", async () => {
    const { clock, grants, run } = setup({ ratePerMin: 1500 });
    const budget = server(250, 10_000);
    for (let s = 0; s < 20; s++) void run(`s${s}`, 100_000, budget.answer);
    await clock.advance(120_000);
    const { refused, total } = budget.stats();
    expect(refused / total).toBeLessThan(0.05);
    // After the first episode no second holds more than about a second's burst plus its rate.
    const late = grants.map((g) => g.at).filter((t) => t > 30_000);
    for (const t of late) expect(late.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(60);
  });

  it('climbs back fast to 85% of the knee, slowly beyond, never above the starting rate', async () => {
    const { clock, governor, run } = setup({ ratePerMin: 1500 });
    let first = true;
    // The first 429 comes after the opening burst has left the minute, at the steady rate.
    void run('a', 1_000_000, () => (first && clock.t > 62_000 ? ((first = false), [429, 1000]) : 200));
    await clock.advance(65_000);
    const cut = governor.ratePerMin;
    expect(cut).toBeLessThan(1500);
    // Fast: 1/120 of the starting rate per second (12.5/min more each second; the pause does not count)...
    await clock.advance(10_000);
    expect(governor.ratePerMin - cut).toBeGreaterThan(100);
    expect(governor.ratePerMin - cut).toBeLessThanOrEqual(125);
    // ...up to 85% of the knee (1500/min, where the 429 came), then slow: 0.1% of the start rate
    // per second, well under 60/min in the 20 s or so left of this minute.
    await clock.advance(50_000);
    const later = governor.ratePerMin;
    expect(later).toBeGreaterThanOrEqual(0.85 * 1500);
    expect(later - 0.85 * 1500).toBeLessThan(60);
    await clock.advance(3_600_000);
    expect(governor.ratePerMin).toBe(1500);
  });

  it('one episode cuts by at most half, however little the server admitted before it', async () => {
    const { clock, governor, run } = setup({ ratePerMin: 1500 });
    // 15 requests admitted, then a 429 that asks for a minute: "15 per 61 s" would be 13/min.
    let sent = 0;
    void run('a', 16, () => (++sent > 15 ? [429, 60_000] : 200));
    await clock.advance(0);
    expect(governor.stats.episodes).toBe(1);
    expect(governor.ratePerMin).toBe(750);
  });

  it('recovers after a storm: two minutes of 429s, then silence, and the rate is back at the budget within 8 minutes', async () => {
    const { clock, governor, run } = setup({ ratePerMin: 1500 });
    const stormUntil = 120_000;
    for (let s = 0; s < 20; s++) void run(`s${s}`, 1_000_000, (at) => (at < stormUntil ? [429, 1000] : 200));
    await clock.advance(stormUntil);
    expect(governor.stats.episodes).toBeGreaterThan(10);
    // The storm drove the rate down (it once stayed there: 0.1% of the budget per second).
    expect(governor.ratePerMin).toBeLessThan(100);
    await clock.advance(8 * 60_000);
    expect(governor.ratePerMin).toBe(1500);
  });

  it('against a 150-per-10-s budget for 20 minutes: it stays near 900/min with under 1% refused', async () => {
    const { clock, governor, run } = setup({ ratePerMin: 1500 });
    const budget = server(150, 10_000);
    for (let s = 0; s < 20; s++) void run(`s${s}`, 1_000_000, budget.answer);
    await clock.advance(20 * 60_000);
    const { refused, total } = budget.stats();
    expect(governor.ratePerMin).toBeGreaterThan(700);
    expect(governor.ratePerMin).toBeLessThanOrEqual(950);
    // About the whole budget is used...
    expect(total).toBeGreaterThan(0.85 * 900 * 20);
    // ...and the sawtooth of AIMD costs few refusals.
    expect(refused / total).toBeLessThan(0.01);
  });

  it('a burst into a budget it is not told: few requests are in flight to be refused with the first 429', async () => {
    const { clock, governor } = setup({ ratePerMin: 1500 });
    const budget = server(150, 10_000);
    const admittedAt: number[] = [];
    /** One first request of a subscription: sent, answered 20 ms later, retried after a 429. */
    const first = async (key: string): Promise<void> => {
      for (;;) {
        const ticket = await governor.acquire(key);
        const answer = budget.answer(clock.t);
        await new Promise((resolve) => clock.setTimer(() => resolve(undefined), 20));
        const [status, retryAfterMs] = Array.isArray(answer) ? answer : [answer, undefined];
        governor.release(ticket, { status, retryAfterMs });
        if (status !== 429) return void admittedAt.push(clock.t);
      }
    };
    for (let s = 0; s < 400; s++) void first(`s${s}`);
    await clock.advance(120_000);
    expect(admittedAt).toHaveLength(400);
    // With 50 in flight (the vendor's cap) the first 429 came with about 50 more.
    expect(budget.stats().refused).toBeLessThanOrEqual(10);
    // The burst is still a burst: the budget's first 150 go within a second, not at 25 a second.
    expect(admittedAt[149]!).toBeLessThan(1000);
  });

  it('one 429 episode is one line, however many requests were refused in it', async () => {
    const { clock, notes, governor } = setup({ ratePerMin: 6000, maxInFlight: 50 });
    // A slow answer first: at a 10 s round trip the in-flight window is the whole cap.
    const slow = await governor.acquire('slow');
    await clock.advance(10_000);
    governor.release(slow, { status: 200 });
    // 30 requests in flight at once; all come back 429.
    const tickets = await Promise.all(Array.from({ length: 30 }, (_, i) => governor.acquire(`s${i}`)));
    for (const t of tickets) governor.release(t, { status: 429, retryAfterMs: 2000 });
    await clock.advance(10);
    expect(notes).toEqual([expect.stringMatching(/^rate limited by Asana \(429\); retrying in 2 s/)]);
    expect(governor.stats.episodes).toBe(1);
  });

  it('a Retry-After of 0 (or a past date) still pauses everyone for the minimum delay', async () => {
    const { clock, governor } = setup({ ratePerMin: 60_000 });
    const t = await governor.acquire('a');
    governor.release(t, { status: 429, retryAfterMs: 0 });
    let granted = -1;
    void governor.acquire('b').then(() => (granted = clock.t));
    await clock.advance(MIN_PAUSE_MS - 1);
    expect(granted).toBe(-1);
    await clock.advance(2);
    expect(granted).toBe(MIN_PAUSE_MS);
    expect(governor.remainingMs()).toBe(0);
  });

  it('a Retry-After of years (or nonsense) pauses at most 15 minutes: no timer overflow', async () => {
    const { governor } = setup({ ratePerMin: 600 });
    const t = await governor.acquire('a');
    governor.release(t, { status: 429, retryAfterMs: 3e12 });
    expect(governor.remainingMs()).toBe(MAX_PAUSE_MS);
    governor.pauseFor(Number.NaN);
    expect(governor.remainingMs()).toBe(MAX_PAUSE_MS);
  });

  it('a pinned rate (--rate) pauses on 429 but keeps its rate', async () => {
    const { clock, governor, notes } = setup({ ratePerMin: 60, pinned: true });
    const t = await governor.acquire('a');
    governor.release(t, { status: 429, retryAfterMs: 3000 });
    expect(governor.ratePerMin).toBe(60);
    expect(governor.remainingMs()).toBe(3000);
    expect(notes[0]).toMatch(/--rate is fixed/);
    await clock.advance(100_000);
    expect(governor.ratePerMin).toBe(60);
  });
});

describe('fair scheduling', () => {
  it('serves waiting subscriptions round-robin: a backlog gets its share, not the budget', async () => {
    // Pinned, so a burst is one second's worth and the order of the next ones is plain to see.
    const { clock, governor } = setup({ ratePerMin: 600, pinned: true });
    const order: string[] = [];
    const want = (key: string, count: number): void => {
      for (let i = 0; i < count; i++)
        void governor.acquire(key).then((t) => (order.push(key), governor.release(t, { status: 200 })));
    };
    // "big" queues a thousand requests at once (the first second's burst goes to it), then four
    // small subscriptions queue five each.
    want('big', 1000);
    await clock.advance(0);
    const burst = order.length;
    expect(burst).toBe(10);
    for (let s = 0; s < 4; s++) want(`small${s}`, 5);
    await clock.advance(2600);
    const next25 = order.slice(burst, burst + 25);
    for (let s = 0; s < 4; s++)
      expect(
        next25.filter((k) => k === `small${s}`),
        next25.join(' '),
      ).toHaveLength(5);
    expect(next25.filter((k) => k === 'big')).toHaveLength(5);
  });
});

describe('in-flight cap', () => {
  it('never grants more than maxInFlight at once; a release lets the next one go', async () => {
    const { clock, governor } = setup({ ratePerMin: 100_000, maxInFlight: 3 });
    const held: Ticket[] = [];
    for (let i = 0; i < 10; i++) void governor.acquire(`s${i}`).then((t) => held.push(t));
    await clock.advance(5000);
    expect(held.length).toBe(3);
    expect(governor.inFlight).toBe(3);
    governor.release(held[0]!, { status: 200 });
    await clock.advance(1);
    expect(held.length).toBe(4);
  });

  it('an aborted wait leaves the queue', async () => {
    const { clock, governor } = setup({ ratePerMin: 60, maxInFlight: 1 });
    const first = await governor.acquire('a');
    const stop = new AbortController();
    const waiting = governor.acquire('b', stop.signal);
    stop.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    governor.release(first, { status: 200 });
    await clock.advance(2000);
    expect(governor.inFlight).toBe(0);
  });
});

describe('stretch', () => {
  it('computes the stretched interval and says it the way docs/scale.md does', () => {
    expect(stretchedIntervalMs(400, 1000, 900)).toBeCloseTo(26_667, 0);
    expect(stretchedIntervalMs(10, 5000, 900)).toBe(5000);
    expect(stretchMessage(400, 1000, 900)).toBe(
      '400 subscriptions at --interval 1 need 24,000 requests/min; this token allows about 900/min: each is polled about every 27 s',
    );
    expect(fs.readFileSync(path.join(ROOT, 'docs/scale.md'), 'utf8')).toContain(
      `\`events: ${stretchMessage(400, 1000, 900)}\``,
    );
  });

  it('says it once, after the rate has settled, and again only after a big change', async () => {
    const { clock, governor, notes, run } = setup({ ratePerMin: 1500 });
    governor.setDemand(400, 1000);
    for (let s = 0; s < 400; s++) void run(`s${s}`, 1_000_000);
    await clock.advance(9_000);
    expect(notes).toEqual([]);
    await clock.advance(60_000);
    // No 429 came: the rate is the documented budget, and the line says it is an assumption.
    expect(notes).toEqual([
      '400 subscriptions at --interval 1 need 24,000 requests/min; the documented budget is 1,500/min (assumed until a 429 says otherwise): each is polled about every 16 s',
    ]);
  });

  it('says nothing when the demand exceeds the budget by a few percent only (the interval barely moves)', async () => {
    const { clock, governor, notes, run } = setup({ ratePerMin: 1500 });
    governor.setDemand(51, 2000); // 1,530/min
    for (let s = 0; s < 51; s++) void run(`s${s}`, 1_000_000);
    await clock.advance(60_000);
    expect(notes).toEqual([]);
  });

  it('says nothing when the demand fits the budget', async () => {
    const { clock, governor, notes, run } = setup({ ratePerMin: 1500 });
    governor.setDemand(10, 5000);
    for (let s = 0; s < 10; s++) void run(`s${s}`, 1_000_000);
    await clock.advance(60_000);
    expect(notes).toEqual([]);
  });
});

describe('parseRate', () => {
  it.each([
    ['600/min', 600],
    ['10/s', 600],
    ['90', 90],
    [150, 150],
    ['0/min', undefined],
    ['200000/min', undefined],
    ['fast', undefined],
    ['-5/min', undefined],
  ])('%j -> %j', (text, perMin) => expect(parseRate(text)).toBe(perMin));
});

describe('serveFirst', () => {
  it('grants a serveFirst key ahead of a ring of polling subscriptions; without it, once per round', async () => {
    const order = async (first: boolean): Promise<number[]> => {
      const { clock, governor, grants, run } = setup({ ratePerMin: 600 });
      if (first) governor.serveFirst('webhooks');
      for (let i = 0; i < 200; i++) void run(`project ${i}`, 50);
      await clock.advance(60_000); // the burst is spent; from here one slot every 100 ms
      const from = grants.length;
      void run('webhooks', 5);
      await clock.advance(120_000);
      return grants
        .slice(from)
        .map((g, i) => [g.key, i] as const)
        .filter(([key]) => key === 'webhooks')
        .map(([, i]) => i);
    };
    // Each webhook request is sent as soon as the one before it is answered: next in line each time.
    expect(await order(true)).toEqual([0, 1, 2, 3, 4]);
    const ring = await order(false);
    expect(ring).toHaveLength(5);
    expect(ring[4]!).toBeGreaterThan(500);
  });
});
