// Wake-ups of the follow loops (issue 26). A webhook delivery never carries what is printed: it
// only makes its subscription's next events request go out at once (through the rate governor,
// like every request). A subscription whose webhook is live needs no --interval poll: it polls at
// the slow --webhook-poll (the safety net for dropped deliveries), and goes back to --interval
// the moment its webhook is lost. The board is what the webhook lifecycle talks to (WakeTarget).
import type { WakeTarget } from '../core/wake.js';
import { sleep } from '../lib/sleep.js';

/** --webhook-poll: how often a subscription with a live webhook is polled all the same. */
export const DEFAULT_WEBHOOK_POLL_MS = 300_000;

/** Why a wait was cut short by a wake-up (never seen by anyone but the wait itself). */
const WOKEN = Symbol('woken');

export class WakeSignal {
  #pending = false;
  #live = false;
  #waiter: (() => void) | undefined;

  get live(): boolean {
    return this.#live;
  }

  /** A verified delivery: the next request goes out now, or right after the one in flight. */
  wake(): void {
    this.#pending = true;
    this.#waiter?.();
  }

  setLive(live: boolean): void {
    if (live === this.#live) return;
    this.#live = live;
    // Lost while it waited the slow interval: deliveries may have been missed, read now.
    if (!live) this.wake();
  }

  /** A request is going out: it reads whatever the wake-ups heard so far were about. */
  requested(): void {
    this.#pending = false;
  }

  /**
   * The wait before the next poll: `poll` (the provider's --interval wait) while the webhook is
   * not live, `slowMs` while it is; a wake-up ends it at once, and one heard while a request was
   * in flight (however many) means no wait at all. Rejects with the signal's reason on a stop.
   */
  async wait(poll: (signal: AbortSignal) => Promise<void>, slowMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw signal.reason;
    if (this.#pending) return;
    const cut = new AbortController();
    const onStop = (): void => cut.abort(signal.reason);
    signal.addEventListener('abort', onStop, { once: true });
    const woken = new Promise<void>((resolve) => (this.#waiter = resolve));
    const timed = this.#live ? sleep(slowMs, cut.signal) : poll(cut.signal);
    timed.catch(() => undefined);
    try {
      await Promise.race([woken, timed]);
    } finally {
      this.#waiter = undefined;
      signal.removeEventListener('abort', onStop);
      if (!cut.signal.aborted) cut.abort(WOKEN);
    }
  }
}

/** Every subscription's wake signal by key; the webhook lifecycle's WakeTarget. */
export class WakeBoard implements WakeTarget {
  readonly #signals = new Map<string, WakeSignal>();

  /** The signal of `key`, made on first use (the lifecycle may say "live" before the loop starts). */
  signal(key: string): WakeSignal {
    let signal = this.#signals.get(key);
    if (!signal) this.#signals.set(key, (signal = new WakeSignal()));
    return signal;
  }

  onWake(key: string): void {
    this.#signals.get(key)?.wake();
  }

  setLive(key: string, live: boolean): void {
    this.signal(key).setLive(live);
  }

  delete(key: string): void {
    this.#signals.delete(key);
  }
}
