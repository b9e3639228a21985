// The one consumer of what the follow loop produces: turns pages and notices into text for the
// chosen format and hands it to the sink. Writes of a page are one chunk, so pages of several
// subscriptions never interleave mid-line. JSON lines here; the human format is in
// human-renderer.ts, loaded only when chosen (its width tables and Intl.Segmenter cost a --json
// or --output run ~20 ms of start-up).
import type { EventBatch } from '../core/event-batch.js';
import type { SnapshotItem } from '../core/provider.js';
import { eventLines, noticeLine, snapshotLines } from './json.js';
import type { RecordNoticeKind, RecordSink, RecordTarget } from '../core/record-sink.js';
import type { Progress } from './progress.js';
import type { Sink } from './sink.js';

/** The follow loop's record sink (core/record-sink.ts), by the name the output layer knows it. */
export type Renderer = RecordSink;
export type RenderTarget = RecordTarget;

/** What every renderer says of its sink: the lines it took, settled and delivered. */
export abstract class SinkRenderer {
  constructor(protected readonly sink: Sink) {}

  get linesWritten(): number {
    return this.sink.linesWritten;
  }

  get linesSettled(): number {
    return this.sink.linesSettled ?? this.sink.linesWritten;
  }

  linesDelivered(): number {
    return this.sink.linesDelivered?.() ?? this.sink.linesWritten;
  }

  flush(durable?: boolean): Promise<void> {
    return this.sink.flush(durable);
  }
}

export class JsonRenderer extends SinkRenderer implements Renderer {
  /** `progress`: when the lines go to stdout, so the spinner on stderr keeps out of their way. */
  constructor(
    sink: Sink,
    private readonly progress?: Pick<Progress, 'aroundOutput'>,
  ) {
    super(sink);
  }

  #write(text: string): Promise<number> {
    return this.progress ? this.progress.aroundOutput(() => this.sink.write(text)) : this.sink.write(text);
  }

  async events(target: RenderTarget, events: EventBatch): Promise<number> {
    return events.length ? this.#write(eventLines(events, target.origin, new Date().toISOString())) : 0;
  }

  async notice(target: RenderTarget, kind: RecordNoticeKind, fields?: Record<string, unknown>): Promise<void> {
    await this.#write(noticeLine(kind, target.origin, fields));
  }

  async snapshot(target: RenderTarget, items: readonly SnapshotItem[]): Promise<void> {
    if (items.length) await this.#write(snapshotLines(items, target.origin, new Date().toISOString()));
  }
}
