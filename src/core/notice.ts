// The reporter port: everything the follow core (follow/), the rate governor and the use cases
// (app/) have to say, as data. They never word it; output/notices.ts does, and picks the channel (the status line, a
// note, a tip, a warning, --verbose only). As stripe-cli's tailer hands typed elements to one
// consumer, and only that consumer knows a terminal.

import type { Shard } from './shard.js';

/** Where the rate in a message comes from: the vendor's documented budget (no 429 yet), 429s, or --rate. */
export type RateBasis = 'documented' | 'learned' | 'pinned';

/** What a subscription is doing right now (worth a status line, never a log line). */
export type StateNotice =
  /** A page of `subject` (a subscription's label) is being read. */
  | { kind: 'reading'; subject: string }
  /** `subject` is caught up and waits for its next poll or long-poll. */
  | { kind: 'waiting'; subject: string }
  /** The current state of `subject` is being written as a snapshot. */
  | { kind: 'crawling'; subject: string };

/** What happened to one subscription's cursor or to the lines of its pages. */
export type CursorNotice =
  /** No stored cursor: a fresh one was taken and saved. */
  | { kind: 'cursor-started'; subject: string }
  /** A first --once run printed nothing on purpose: the cursor starts from now. */
  | { kind: 'first-run'; subject: string }
  /** The stored cursor was refused (412): events since it was saved, `ageMs` ago, were missed. */
  | { kind: 'cursor-expired'; subject: string; ageMs: number | undefined }
  /** Events already written (Box repeats them) were dropped from a page. */
  | { kind: 'repeats-dropped'; subject: string; count: number }
  /** A stop cut a page short: `written` of its `selected` lines were handed over. */
  | { kind: 'stopped-mid-page'; subject: string; written: number; selected: number }
  /** On a stop, `lines` written to a pipe were not counted as delivered: the next run repeats them. */
  | { kind: 'rewound'; subject: string; lines: number }
  /** Events were read and the filters (`flags`, as given) let none through (said once). */
  | { kind: 'none-matched'; read: number; flags: string };

/** The set of subscriptions changed: projects:/team: listings, and subscriptions that went away. */
export type ListingNotice =
  /** A listing of `subject` (an expander's label) failed after the start: the last list is kept. */
  | { kind: 'listing-failed'; subject: string; error: unknown }
  /** `subject` lists project `gid`: newly followed, or `alreadyFollowed` (named directly or listed elsewhere). */
  | {
      kind: 'project-added';
      subject: string;
      gid: string;
      name: string | undefined;
      alreadyFollowed: boolean;
      /** Found by a relisting, not by the first listing. */
      newInList: boolean;
    }
  /** Project `gid` is no longer in `subject`'s list: its loop stopped, its cursor is kept. */
  | { kind: 'project-left'; subject: string; gid: string }
  /** Another process holds the lock of a newly listed project (`error` says which): tried again later. */
  | { kind: 'project-locked'; error: unknown }
  /** The first listing of `subject`: `mine` of its `listed` projects fall in this process's shard. */
  | { kind: 'projects-in-shard'; subject: string; mine: number; listed: number; shard: Shard | undefined }
  /** A listed subscription answered 404 (deleted, or hidden from the token): no longer followed. */
  | { kind: 'subscription-gone'; subject: string }
  /** A directly named subscription answered 404 (`error`): it stops, the others go on, the exit code says so. */
  | { kind: 'subscription-not-found'; error: unknown };

/** Requests and the rate they may go out at. */
export type RequestNotice =
  /** A 429: every subscription of the token pauses for `retryAfterMs` (said once for all of them). */
  | { kind: 'rate-limited'; vendor: string; retryAfterMs: number; slowedToPerMin?: number; pinned: boolean }
  /** The subscriptions need more requests than the rate allows: each is polled less often. */
  | { kind: 'stretched'; subscriptions: number; intervalMs: number; ratePerMin: number; basis: RateBasis }
  /** A request of `subject` (a subscription's label, "listing projects") failed and is retried. */
  | { kind: 'retrying'; subject: string; reason: string; delayMs: number; rateLimited: boolean }
  /** `subject`'s requests work again after `downMs` (`rateLimitedOnly`: every failure was a 429). */
  | { kind: 'recovered'; subject: string; downMs: number; rateLimitedOnly: boolean };

/** The run as a whole (app/): its shard, its stdout, how it ended, its token endpoint, a snapshot's requests. */
export type RunNotice =
  /** --once with no reference in this shard (of the `references` named): a cron run's job is done. */
  | { kind: 'shard-empty'; shard: Shard; references: number }
  /** --shard: `mine` of the `named` direct references fall in this shard. */
  | { kind: 'shard-references'; shard: Shard; mine: number; named: number }
  /** stdout's reader is slower than the events: writes wait for it. */
  | { kind: 'stdout-full' }
  /** The reader of stdout went away (a broken pipe): `repeatLines` it had not read may come again next run (0: they were lost). */
  | { kind: 'reader-gone'; repeatLines: number }
  /** A stop ended the run with `repeatLines` written to a pipe and not counted as delivered: the next run repeats them. */
  | { kind: 'stopped'; repeatLines: number }
  /** The token endpoint failed (`reason`): retry `attempt` in `delayMs`. */
  | { kind: 'token-retrying'; attempt: number; delayMs: number; reason: string }
  /** The token endpoint answered again after `attempts` attempts. */
  | { kind: 'token-recovered'; attempts: number }
  /** A request of `events snapshot` failed (`reason`) and is retried in `delayMs`. */
  | { kind: 'snapshot-retrying'; reason: string; delayMs: number };

/** Why a webhook no longer counts as live (its subscription polls at --interval until it is again). */
export type WebhookLossReason =
  /** Asana no longer has it (deleted after failed deliveries, or by someone). */
  | 'deleted'
  /** Asana keeps it, marked inactive. */
  | 'inactive'
  /** No delivery and no heartbeat for longer than Asana's heartbeat period. */
  | 'silent'
  /** It delivers to another URL than --webhook-url now names. */
  | 'target-changed';

/** The webhooks that wake subscriptions (issue 26); `subject` is the subscription's label. */
export type WebhookNotice =
  /** `live` of the `total` webhooks wanted are live (the spinner and --verbose say it). */
  | { kind: 'webhooks-live'; live: number; total: number }
  /** A webhook was created (`reused`: the stored one is still active with the same target). */
  | { kind: 'webhook-ready'; subject: string; reused: boolean }
  /** A live webhook was lost (`reason`): its subscription polls at --interval, and it is created again. */
  | { kind: 'webhook-lost'; subject: string; reason: WebhookLossReason }
  /** Asana refused --webhook-url (`error`, a WebhookTargetError): said once; the run goes on polling. */
  | { kind: 'webhook-target-refused'; error: unknown }
  /** Creating or checking `subject`'s webhook failed otherwise (`error`): tried again at the next check. */
  | { kind: 'webhook-failed'; subject: string; error: unknown }
  /** `subject`'s webhook was deleted at Asana (its project left, or a duplicate: `count` of them). */
  | { kind: 'webhook-deleted'; subject: string; count: number };

export type Notice = StateNotice | CursorNotice | ListingNotice | RequestNotice | RunNotice | WebhookNotice;

export type NoticeKind = Notice['kind'];

export interface Reporter {
  notice(notice: Notice): void;
}
