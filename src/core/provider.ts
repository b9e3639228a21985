// The one interface both providers implement. The follow loop only speaks this; it never knows
// whether a cursor is an Asana sync token or a Box stream position.
import type { Reference } from './refs.js';
import type { EventBatch } from './event-batch.js';

/** Provider-specific and JSON-serialisable: Asana `{sync}`, Box `{position}`. */
export type Cursor = { readonly [key: string]: string | number | undefined };

export interface Page {
  /** As sent: exact texts parsed on demand, or parsed values. */
  events: EventBatch;
  /** Where the next read starts once these events are written. */
  next: Cursor;
  /** True when the server has more right now (Asana has_more; Box: the page was not empty). */
  more: boolean;
}

export type FetchResult =
  | { kind: 'page'; page: Page }
  /** The cursor is no longer valid: events since it are lost. `fresh` is valid from now on. */
  | { kind: 'expired'; fresh: Cursor };

export interface ProviderContext {
  signal: AbortSignal;
  report: RetryReport;
  /** Whose request this is: the rate governor serves subscriptions round-robin by this key. */
  subscription?: string;
}

/** A record of the current state of a resource, emitted while re-crawling after expiry. */
export interface SnapshotItem {
  resourceType: string;
  data: unknown;
}

export interface Provider {
  readonly name: 'asana' | 'box';
  /** The API host, part of every cursor's key so two servers never share a cursor. */
  readonly host: string;
  /** The position to start from when nothing is stored. */
  start(ref: Reference, ctx: ProviderContext): Promise<Cursor>;
  /** True when the start position has retained events behind it to read now (Box --from-start). */
  startsWithHistory?(ref: Reference): boolean;
  fetch(ref: Reference, cursor: Cursor, ctx: ProviderContext): Promise<FetchResult>;
  /** Resolves when new events may be there: a plain interval, or a long poll. */
  waitForChanges(ref: Reference, cursor: Cursor, ctx: ProviderContext): Promise<void>;
  /** Stable id of an event, where the stream may repeat events and they must be dropped. */
  eventId?(event: unknown): string | undefined;
  /** The current state of the subscribed resource, for re-crawls, a page of items at a time. */
  crawl?(ref: Reference, ctx: ProviderContext): AsyncIterable<SnapshotItem[]>;
}

/** How a provider tells its caller about faults it retries (words are the output layer's). */
export interface RetryReport {
  /** `rateLimited`: a 429, which the rate governor reports once for every subscription. */
  retrying(info: { attempt: number; delayMs: number; reason: string; rateLimited?: boolean }): void;
  /** `rateLimitedOnly`: every failure was a 429. */
  recovered(info: { attempts: number; downMs: number; rateLimitedOnly?: boolean }): void;
}
