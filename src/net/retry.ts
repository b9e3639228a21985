// Retries for faults that go away by themselves: rate limits, 5xx, broken connections, garbled
// bodies, bad pages. Exponential backoff with full jitter, capped; in follow mode forever, in
// --once mode for a bounded time, after which the caller exits 75 (temporary failure) without
// moving a cursor.
import { BadPageError, TemporaryError } from '../core/errors.js';
import { MIN_PAUSE_MS } from './governor.js';
import { NetworkError } from './http.js';
import { sleep } from '../lib/sleep.js';
import type { RetryReport } from '../core/provider.js';

export type { RetryReport } from '../core/provider.js';

/** A fault worth retrying. `retryAfterMs` is set when the server said how long to wait. */
export class TransientError extends Error {
  /** A 429: the token's budget is used up, the request itself was fine. */
  readonly rateLimited: boolean;

  constructor(
    readonly reason: string,
    readonly retryAfterMs?: number,
    options: { rateLimited?: boolean } = {},
  ) {
    super(reason);
    this.rateLimited = options.rateLimited ?? retryAfterMs !== undefined;
  }
}

export interface RetryPolicy {
  baseMs: number;
  capMs: number;
  /** Stop retrying once the fault has lasted this long; undefined retries forever. */
  giveUpAfterMs?: number;
  /**
   * The fix the give-up line names. Default: a run that moves a cursor (tail --once) lost nothing;
   * a snapshot or a token check has no cursor, so it says its own (see GIVE_UP_HINT).
   */
  giveUpHint?: string;
  random?: () => number;
}

/** What each kind of run may say when it gives up. */
export const GIVE_UP_HINT = {
  cursor: 'nothing was skipped: the cursor did not move, so the next run resumes here',
  snapshot: 'the snapshot is incomplete and an --output file was left as it was: run it again later',
  once: 'try again later',
} as const;

/** What withRetry needs of a rate limiter: the pause after a 429 (RateGate, or the Governor). */
export interface Gate {
  pauseFor(ms: number): void;
  remainingMs(): number;
  wait(signal?: AbortSignal): Promise<void>;
}

/**
 * A 429 is about the token, not the request: every subscription that shares the token waits
 * until the server's Retry-After has passed.
 */
export class RateGate implements Gate {
  #until = 0;

  pauseFor(ms: number): void {
    this.#until = Math.max(this.#until, Date.now() + ms);
  }

  remainingMs(): number {
    return Math.max(0, this.#until - Date.now());
  }

  async wait(signal?: AbortSignal): Promise<void> {
    for (let left = this.remainingMs(); left > 0; left = this.remainingMs()) await sleep(left, signal);
  }
}

export async function withRetry<T>(
  attempt: () => Promise<T>,
  options: { policy: RetryPolicy; gate: Gate; report: RetryReport; signal?: AbortSignal },
): Promise<T> {
  const { policy, gate, report, signal } = options;
  const random = policy.random ?? Math.random;
  let failures = 0;
  let otherFailures = 0;
  let firstFailureAt = 0;
  for (;;) {
    await gate.wait(signal);
    try {
      const result = await attempt();
      if (failures > 0)
        report.recovered({
          attempts: failures + 1,
          downMs: Date.now() - firstFailureAt,
          rateLimitedOnly: otherFailures === 0,
        });
      return result;
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      const transient = asTransient(error);
      if (!transient) throw error;
      failures++;
      if (!transient.rateLimited) otherFailures++;
      if (failures === 1) firstFailureAt = Date.now();
      let delayMs: number;
      if (transient.rateLimited) {
        gate.pauseFor(Math.max(transient.retryAfterMs ?? 0, MIN_PAUSE_MS));
        delayMs = gate.remainingMs();
      } else {
        delayMs = Math.round(random() * Math.min(policy.capMs, policy.baseMs * 2 ** (failures - 1)));
      }
      const downMs = Date.now() - firstFailureAt;
      if (policy.giveUpAfterMs !== undefined && downMs + delayMs > policy.giveUpAfterMs) {
        throw new TemporaryError(
          `gave up after ${failures} failed ${failures === 1 ? 'attempt' : 'attempts'} over ${Math.round(downMs / 1000)} s: ${transient.reason}`,
          policy.giveUpHint ?? GIVE_UP_HINT.cursor,
          { cause: error },
        );
      }
      report.retrying({ attempt: failures, delayMs, reason: transient.reason, rateLimited: transient.rateLimited });
      // The gate itself makes the next turn wait for Retry-After; other faults sleep here.
      if (!transient.rateLimited) await sleep(delayMs, signal);
    }
  }
}

function asTransient(error: unknown): TransientError | undefined {
  if (error instanceof TransientError) return error;
  if (error instanceof NetworkError) return new TransientError(error.message);
  // A bad page is a bad answer, like a 5xx: the next one is usually fine.
  if (error instanceof BadPageError) return new TransientError(error.message);
  return undefined;
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
