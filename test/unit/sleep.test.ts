// The one abortable wait: lib/sleep's setTimeout and the timer grid's ticks keep the same contract
// (resolve after the wait, reject with the signal's reason, leave no timer and no listener behind).
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sleep, type Sleep } from '../../src/lib/sleep.js';
import { TimerGrid } from '../../src/net/timer-grid.js';

const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe.each<[string, () => Sleep]>([
  ['sleep', () => sleep],
  ['TimerGrid.sleep', () => new TimerGrid(20, 0).sleep],
])('%s', (_name, make) => {
  it('resolves, not early, and removes its abort listener', async () => {
    const wait = make();
    const stop = new AbortController();
    const start = performance.now();
    await wait(30, stop.signal);
    expect(performance.now() - start).toBeGreaterThanOrEqual(29);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the reason of a signal aborted before or during the wait, and clears its timer', async () => {
    const wait = make();
    await expect(wait(10, AbortSignal.abort(new Error('before')))).rejects.toThrow('before');
    const before = timers();
    const stop = new AbortController();
    const waiting = wait(60_000, stop.signal);
    expect(timers()).toBe(before + 1);
    stop.abort(new Error('during'));
    await expect(waiting).rejects.toThrow('during');
    expect(timers()).toBe(before);
  });
});
