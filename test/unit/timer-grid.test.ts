// Waits rounded up to a shared grid: those that end within one step end on one timer, together.
// Under vitest's fake timers: Date.now and setTimeout are the test's, so "at most a step late" is
// exact and no bound depends on how loaded the machine is.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerGrid } from '../../src/net/timer-grid.js';
import { Governor } from '../../src/net/governor.js';
import { StaticTokenSource } from '../../src/auth/token-source.js';
import { HttpClient } from '../../src/net/http.js';
import { AsanaProvider } from '../../src/providers/asana/provider.js';
import { BoxProvider } from '../../src/providers/box/provider.js';
import { parseReference } from '../../src/core/refs.js';

const timers = (): number => vi.getTimerCount();

beforeEach(() => {
  vi.useFakeTimers({ now: 3_000_000 }); // on a tick of every grid below
});
afterEach(() => {
  vi.useRealTimers();
});

/** Runs the fake clock until `promise` settles. */
async function settle<T>(promise: Promise<T>): Promise<T> {
  await vi.runAllTimersAsync();
  return promise;
}

describe('TimerGrid', () => {
  it('waits that end within one step share one timer and end together, never early, at most a step late', async () => {
    const grid = new TimerGrid(200, 0);
    const before = timers();
    const fired: { due: number; at: number }[] = [];
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const ms = 20 + ((i * 37) % 150);
      const due = Date.now() + ms;
      waits.push(new Promise((resolve) => grid.after(ms, () => resolve(void fired.push({ due, at: Date.now() })))));
    }
    // 40 waits spread over 150 ms fall on at most two ticks of a 200 ms grid.
    expect(timers() - before).toBeLessThanOrEqual(2);
    await settle(Promise.all(waits));
    const ticks = new Set(fired.map((f) => f.at));
    expect(ticks.size).toBeLessThanOrEqual(2);
    for (const f of fired) {
      expect(f.at).toBeGreaterThanOrEqual(f.due);
      expect(f.at - f.due).toBeLessThan(200);
      expect(f.at % 200).toBe(0);
    }
  });

  it('ticks fall on the phase: grids with other phases end the same wait at other times', async () => {
    for (const phase of [0, 100]) {
      const end = await settle(
        new Promise<number>((resolve) => new TimerGrid(200, phase).after(10, () => resolve(Date.now()))),
      );
      expect((end - phase) % 200).toBe(0);
    }
  });

  it('a cancelled wait does not fire; cancelling the last wait of a tick clears its timer', async () => {
    const grid = new TimerGrid(100, 0);
    const before = timers();
    let ran = 0;
    const cancelA = grid.after(30, () => ran++);
    const cancelB = grid.after(30, () => ran++);
    cancelA();
    expect(timers() - before).toBe(1);
    cancelB();
    expect(timers()).toBe(before);
    cancelB(); // twice is harmless
    // A later tick of the same grid has come: the cancelled one's moment is past.
    await settle(grid.sleep(150));
    expect(ran).toBe(0);
  });

  it('sleep rejects with the abort reason and leaves no timer behind', async () => {
    const grid = new TimerGrid(100, 0);
    const before = timers();
    const stop = new AbortController();
    const slept = grid.sleep(5_000, stop.signal);
    stop.abort(new Error('stopped'));
    await expect(slept).rejects.toThrow('stopped');
    expect(timers()).toBe(before);
    await expect(grid.sleep(10, stop.signal)).rejects.toThrow('stopped');
  });

  it('forInterval: a wait ends at most 1/30 of the interval late, and at most 1 s', () => {
    expect(TimerGrid.forInterval(30_000).stepMs).toBe(1000);
    expect(TimerGrid.forInterval(3_000).stepMs).toBe(100);
    expect(TimerGrid.forInterval(3_600_000).stepMs).toBe(1000);
    expect(TimerGrid.forInterval(10).stepMs).toBe(1);
  });

  it('as the governor clock, slots freed while waiting are granted together on a tick', async () => {
    const grid = new TimerGrid(300, 0);
    // 600/min: one second's burst of 10, then one slot per 100 ms, handed out three at a time.
    const governor = new Governor({ vendor: 'Asana', ratePerMin: 600, clock: grid.clock });
    const grants: number[] = [];
    await settle(
      Promise.all(
        Array.from({ length: 19 }, (_, i) =>
          governor.acquire(`s${i}`).then((t) => {
            grants.push(Date.now());
            governor.release(t, { status: 200 });
          }),
        ),
      ),
    );
    const later = grants.slice(10);
    const groups = new Set(later);
    expect(groups.size).toBeLessThanOrEqual(4);
    for (const at of later) expect(at % 300).toBe(0);
  });
});

describe('the providers wait for --interval on the grid', () => {
  it.each(['asana', 'box'] as const)('%s: waits begun 60 ms apart end on the same tick', async (name) => {
    const grid = new TimerGrid(250, 0);
    const common = {
      baseUrl: 'http://127.0.0.1:9/api',
      auth: new StaticTokenSource(name, 't', 'X'),
      http: new HttpClient({ userAgent: 'test', timeoutMs: 1000 }),
      retry: { baseMs: 10, capMs: 10 },
      intervalMs: 100,
      grid,
    };
    const provider = name === 'asana' ? new AsanaProvider(common) : new BoxProvider(common);
    const ref = parseReference(name === 'asana' ? '1204567890123456' : 'box:admin_logs');
    const ctx = {
      signal: new AbortController().signal,
      report: { retrying: () => undefined, recovered: () => undefined },
    };
    const ends: number[] = [];
    // Start just after a tick, so both waits end within the same step.
    await settle(grid.sleep(0));
    const first = provider.waitForChanges(ref, {}, ctx).then(() => ends.push(Date.now()));
    await vi.advanceTimersByTimeAsync(60);
    const second = provider.waitForChanges(ref, {}, ctx).then(() => ends.push(Date.now()));
    await settle(Promise.all([first, second]));
    expect(ends).toHaveLength(2);
    expect(ends[1]).toBe(ends[0]);
  });
});
