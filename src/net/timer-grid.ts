// Waits that end on the ticks of a shared grid. A thousand subscriptions that each wait --interval
// from their own moment wake the process a thousand times per interval, and every wake-up costs a
// turn of the event loop, a context switch and a cold path through the JavaScript; rounded up to
// the next tick, the waits that end close together end together, and their requests leave in one
// burst. bench/many.mjs measured this (1,000 idle subscriptions at --interval 30): see README.
// The phase is random per process, so shards on one host do not all burst at the same instant.
import { abortable, type Sleep } from '../lib/sleep.js';
import type { GovernorClock } from './governor.js';

interface Slot {
  timer: NodeJS.Timeout;
  calls: Set<() => void>;
}

export class TimerGrid {
  readonly stepMs: number;
  readonly #phaseMs: number;
  readonly #slots = new Map<number, Slot>();

  constructor(stepMs: number, phaseMs = Math.floor(Math.random() * stepMs)) {
    this.stepMs = Math.max(1, Math.round(stepMs));
    this.#phaseMs = phaseMs % this.stepMs;
  }

  /** The grid for --interval: a wait ends at most 1/30 of the interval late, and at most 1 s. */
  static forInterval(intervalMs: number): TimerGrid {
    return new TimerGrid(Math.min(1000, Math.max(1, Math.round(intervalMs / 30))));
  }

  /** Calls `fn` on the first tick at least `ms` from now; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void {
    const now = Date.now();
    const at = Math.ceil((now + Math.max(0, ms) - this.#phaseMs) / this.stepMs) * this.stepMs + this.#phaseMs;
    let slot = this.#slots.get(at);
    if (!slot) {
      const calls = new Set<() => void>();
      const timer = setTimeout(() => this.#fire(at, calls), at - now);
      slot = { timer, calls };
      this.#slots.set(at, slot);
    }
    const { calls } = slot;
    calls.add(fn);
    return () => {
      if (!calls.delete(fn) || calls.size > 0 || this.#slots.get(at) !== slot) return;
      clearTimeout(slot.timer);
      this.#slots.delete(at);
    };
  }

  /** `sleep` on the grid: resolves on the first tick at least `ms` from now, rejects on abort. */
  readonly sleep: Sleep = (ms, signal) => abortable((done) => this.after(ms, done), signal);

  /** The grid as the rate governor's clock: its waits for a free slot end on ticks too. */
  get clock(): GovernorClock {
    return {
      now: () => Date.now(),
      setTimer: (fn, ms) => this.after(ms, fn),
      clearTimer: (cancel) => (cancel as () => void)(),
    };
  }

  #fire(at: number, calls: Set<() => void>): void {
    this.#slots.delete(at);
    for (const call of calls) call();
  }
}
