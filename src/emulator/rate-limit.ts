// The vendors' per-token limits, so the client's rate governor can be tested offline: a budget of
// N requests per sliding window (refused requests count too, as Asana's docs say, so a client
// that ignores Retry-After stays locked out) and a cap on requests in flight (Asana: 50 reads).
// Over either, the answer is 429 with Retry-After in whole seconds.

export interface RateLimitSpec {
  /** Requests allowed per window and token; undefined: no budget. */
  requests?: number;
  windowMs?: number;
  /** Requests in flight per token; undefined: no cap. */
  concurrency?: number;
}

export interface RateDecision {
  /** Seconds until the budget admits a request again (at least 1). */
  retryAfterS: number;
  reason: 'rate' | 'concurrency';
}

interface TokenState {
  /** Arrival times inside the window, oldest first. */
  times: number[];
  head: number;
  inFlight: number;
}

export class RateLimiter {
  #spec: RateLimitSpec;
  readonly #tokens = new Map<string, TokenState>();
  /** Requests refused so far (both reasons). */
  refused = 0;
  admitted = 0;

  constructor(
    spec: RateLimitSpec = {},
    private readonly now: () => number = Date.now,
  ) {
    this.#spec = validate(spec);
  }

  get spec(): RateLimitSpec {
    return { ...this.#spec };
  }

  set(spec: RateLimitSpec): void {
    this.#spec = validate(spec);
    this.#tokens.clear();
  }

  /**
   * Counts a request of `key` (vendor and token). Undefined: go ahead, and call the returned
   * `done` when it is answered; otherwise the 429 to send.
   */
  enter(key: string): { done: () => void } | RateDecision {
    const { requests, windowMs = 60_000, concurrency } = this.#spec;
    if (requests === undefined && concurrency === undefined) return { done: () => undefined };
    const state = this.#tokens.get(key) ?? { times: [], head: 0, inFlight: 0 };
    this.#tokens.set(key, state);
    const now = this.now();
    if (requests !== undefined) {
      while (state.head < state.times.length && state.times[state.head]! <= now - windowMs) state.head++;
      if (state.head > 4096) {
        state.times = state.times.slice(state.head);
        state.head = 0;
      }
      state.times.push(now);
      const count = state.times.length - state.head;
      if (count > requests) {
        // The budget admits again when all but `requests - 1` of the counted ones have left the window.
        const freeAt = state.times[state.times.length - requests]! + windowMs;
        this.refused++;
        return { retryAfterS: Math.max(1, Math.ceil((freeAt - now) / 1000)), reason: 'rate' };
      }
    }
    if (concurrency !== undefined && state.inFlight >= concurrency) {
      this.refused++;
      return { retryAfterS: 1, reason: 'concurrency' };
    }
    state.inFlight++;
    this.admitted++;
    let open = true;
    return {
      done: () => {
        if (open) state.inFlight--;
        open = false;
      },
    };
  }
}

function validate(spec: RateLimitSpec): RateLimitSpec {
  const positive = (name: string, value: unknown, max: number): number | undefined => {
    if (value === undefined || value === null) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be a whole number from 1 to ${max}`);
    return n;
  };
  return {
    requests: positive('requests', spec.requests, 10_000_000),
    windowMs: positive('windowMs', spec.windowMs, 24 * 3600_000),
    concurrency: positive('concurrency', spec.concurrency, 100_000),
  };
}

/** "150/10s", "1500/min", "150/60s", "100/1m": a budget for `events emulator --rate-limit`. */
export function parseRateLimit(text: string): { requests: number; windowMs: number } | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\d*(?:\.\d+)?)\s*(ms|s|m|min)\s*$/.exec(text);
  if (!match) return undefined;
  const requests = Number(match[1]);
  const amount = match[2] === '' ? 1 : Number(match[2]);
  const unit = match[3] === 'ms' ? 1 : match[3] === 's' ? 1000 : 60_000;
  const windowMs = Math.round(amount * unit);
  if (requests < 1 || requests > 10_000_000 || windowMs < 1 || windowMs > 24 * 3600_000) return undefined;
  return { requests, windowMs };
}
