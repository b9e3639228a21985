// The reporter port: what the follow loop and the rate governor have to say, as data. They never
// word it; output/notices.ts does, and picks the channel (a line, the spinner, --verbose only).
// As stripe-cli's tailer hands typed elements to one consumer.

/** Where the rate in a message comes from: the vendor's documented budget (no 429 yet), 429s, or --rate. */
export type RateBasis = 'documented' | 'learned' | 'pinned';

export type Notice =
  /** A 429: every subscription of the token pauses for `retryAfterMs` (said once for all of them). */
  | { kind: 'rate-limited'; vendor: string; retryAfterMs: number; slowedToPerMin?: number; pinned: boolean }
  /** The subscriptions need more requests than the rate allows: each is polled less often. */
  | { kind: 'stretched'; subscriptions: number; intervalMs: number; ratePerMin: number; basis: RateBasis }
  /** A request of `subject` (a subscription's label, "listing projects") failed and is retried. */
  | { kind: 'retrying'; subject: string; reason: string; delayMs: number; rateLimited: boolean }
  /** `subject`'s requests work again after `downMs` (`rateLimitedOnly`: every failure was a 429). */
  | { kind: 'recovered'; subject: string; downMs: number; rateLimitedOnly: boolean };

export interface Reporter {
  notice(notice: Notice): void;
}
