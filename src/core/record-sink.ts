// The record sink port: where the follow loop hands what it read (event pages, resync notices,
// snapshots) and learns how many lines left the process. output/renderer.ts implements it for
// JSON Lines and for people; the loop never knows which.
import type { EventBatch } from './event-batch.js';
import type { SnapshotItem } from './provider.js';
import type { Reference } from './refs.js';

/** Whose records these are: written into every JSON line's "_events" object. */
export interface RecordOrigin {
  provider: string;
  subscription: string;
  group: string;
}

/** The kinds of records that are not events (the `kind` of their "_events" object). */
export type RecordNoticeKind = 'resync' | 'snapshot_begin' | 'snapshot' | 'snapshot_end';

/** Why a snapshot was written: the `reason` of its snapshot_begin record (and of a resync's). */
export type SnapshotReason = 'first run' | 'cursor expired' | 'snapshot';

/** The subscription a record belongs to. */
export interface RecordTarget {
  ref: Reference;
  origin: RecordOrigin;
}

export interface RecordSink {
  /** Resolves with the lines (one per event) the sink accepted: fewer than the events when a stop cut the page short. */
  events(target: RecordTarget, events: EventBatch): Promise<number>;
  notice(target: RecordTarget, kind: RecordNoticeKind, fields?: Record<string, unknown>): Promise<void>;
  snapshot(target: RecordTarget, items: readonly SnapshotItem[]): Promise<void>;
  /** Everything written so far has left the process (and with `durable`, is on disk). */
  flush(durable?: boolean): Promise<void>;
  /** Records (one line each) handed to the OS so far: a page cut short by a stop is counted exactly. */
  readonly linesWritten: number;
  /** See Sink: lines a pipe's reader can no longer lose; absent, every line written. */
  readonly linesSettled?: number;
  /** See Sink: lines that count as delivered on a stop; absent, every line written. */
  linesDelivered?(): number;
}
