// The one consumer of what the follow loop produces: turns pages and notices into text for the
// chosen format and hands it to the sink. Writes of a page are one chunk, so pages of several
// subscriptions never interleave mid-line. JSON lines here; the human format is in
// human-renderer.ts, loaded only when chosen (its width tables and Intl.Segmenter cost a --json
// or --output run ~20 ms of start-up).
import type { Reference } from '../core/refs.js';
import type { EventBatch } from '../core/event-batch.js';
import type { SnapshotItem } from '../core/provider.js';
import { eventLines, noticeLine, snapshotLines, type NoticeKind, type RecordOrigin } from './json.js';
import type { Sink } from './sink.js';

export interface RenderTarget {
  ref: Reference;
  origin: RecordOrigin;
}

export interface Renderer {
  /** Resolves with the lines (one per event) the sink accepted: fewer than the events when a stop cut the page short. */
  events(target: RenderTarget, events: EventBatch): Promise<number>;
  notice(target: RenderTarget, kind: NoticeKind, fields?: Record<string, unknown>): Promise<void>;
  snapshot(target: RenderTarget, items: readonly SnapshotItem[]): Promise<void>;
  /** Everything written so far has left the process (and with `durable`, is on disk). */
  flush(durable?: boolean): Promise<void>;
  /** Records (one line each) handed to the OS so far: a page cut short by a stop is counted exactly. */
  readonly linesWritten: number;
  /** See Sink: lines a pipe's reader can no longer lose; absent, every line written. */
  readonly linesSettled?: number;
  /** See Sink: lines that count as delivered on a stop; absent, every line written. */
  linesDelivered?(): number;
}

export class JsonRenderer implements Renderer {
  constructor(private readonly sink: Sink) {}

  get linesWritten(): number {
    return this.sink.linesWritten;
  }

  get linesSettled(): number {
    return this.sink.linesSettled ?? this.sink.linesWritten;
  }

  linesDelivered(): number {
    return this.sink.linesDelivered?.() ?? this.sink.linesWritten;
  }

  async events(target: RenderTarget, events: EventBatch): Promise<number> {
    return events.length ? this.sink.write(eventLines(events, target.origin, new Date().toISOString())) : 0;
  }

  async notice(target: RenderTarget, kind: NoticeKind, fields?: Record<string, unknown>): Promise<void> {
    await this.sink.write(noticeLine(kind, target.origin, fields));
  }

  async snapshot(target: RenderTarget, items: readonly SnapshotItem[]): Promise<void> {
    if (items.length) await this.sink.write(snapshotLines(items, target.origin, new Date().toISOString()));
  }

  flush(durable?: boolean): Promise<void> {
    return this.sink.flush(durable);
  }
}
