// The one consumer of what the follow loop produces: turns pages and notices into text for the
// chosen format and hands it to the sink. Writes of a page are one chunk, so pages of several
// subscriptions never interleave mid-line.
import type { ChalkInstance } from 'chalk';
import type { Reference } from '../core/refs.js';
import { formatAsanaEvent } from './human-asana.js';
import { formatBoxEvent } from './human-box.js';
import type { EventBatch } from '../core/event-batch.js';
import type { SnapshotItem } from '../core/provider.js';
import { UNICODE_GLYPHS, type Glyphs } from './glyphs.js';
import { clean } from './human.js';
import { eventLines, noticeLine, snapshotLines, type NoticeKind, type RecordOrigin } from './json.js';
import type { Progress } from './progress.js';
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
  /** `progress`: when the lines go to stdout, so the spinner on stderr keeps out of their way. */
  constructor(
    private readonly sink: Sink,
    private readonly progress?: Pick<Progress, 'aroundOutput'>,
  ) {}

  #write(text: string): Promise<number> {
    return this.progress ? this.progress.aroundOutput(() => this.sink.write(text)) : this.sink.write(text);
  }

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
    return events.length ? this.#write(eventLines(events, target.origin, new Date().toISOString())) : 0;
  }

  async notice(target: RenderTarget, kind: NoticeKind, fields?: Record<string, unknown>): Promise<void> {
    await this.#write(noticeLine(kind, target.origin, fields));
  }

  async snapshot(target: RenderTarget, items: readonly SnapshotItem[]): Promise<void> {
    if (items.length) await this.#write(snapshotLines(items, target.origin, new Date().toISOString()));
  }

  flush(durable?: boolean): Promise<void> {
    return this.sink.flush(durable);
  }
}

export interface HumanRendererOptions {
  chalk: ChalkInstance;
  width: () => number | undefined;
  /** Several subscriptions: prefix lines with the subscription. */
  prefixed: boolean;
  /** ASCII stand-ins when the locale is not UTF-8 (default Unicode). */
  glyphs?: Glyphs;
}

export class HumanRenderer implements Renderer {
  constructor(
    private readonly sink: Sink,
    private readonly options: HumanRendererOptions,
    private readonly progress: Progress,
  ) {}

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
    if (!events.length) return 0;
    const style = {
      chalk: this.options.chalk,
      width: this.options.width(),
      prefix: this.options.prefixed ? `[${target.ref.label}]` : undefined,
      now: new Date(),
      glyphs: this.options.glyphs,
    };
    const format = target.origin.provider === 'box' ? formatBoxEvent : formatAsanaEvent;
    let text = '';
    for (let i = 0; i < events.length; i++) text += `${format(events.value(i), style)}\n`;
    return this.progress.aroundOutput(() => this.sink.write(text));
  }

  // A resync reaches a person as a warning on stderr (the loop prints it); a snapshot is framed.
  async notice(target: RenderTarget, kind: NoticeKind, fields: Record<string, unknown> = {}): Promise<void> {
    const { chalk } = this.options;
    const { rule } = this.options.glyphs ?? UNICODE_GLYPHS;
    // `events snapshot` gives the reason "snapshot": "snapshot of … (snapshot)" would say it twice.
    const reason = fields['reason'] === 'snapshot' ? '' : ` (${clean(fields['reason'])})`;
    const count = clean(fields['count']);
    const line =
      kind === 'snapshot_begin'
        ? `${rule} snapshot of ${target.ref.label}${reason} ${rule}`
        : kind === 'snapshot_end'
          ? `${rule} end of snapshot of ${target.ref.label}: ${count} ${count === '1' ? 'record' : 'records'} ${rule}`
          : undefined;
    if (line) await this.progress.aroundOutput(() => this.sink.write(`${chalk.dim(line)}\n`));
  }

  async snapshot(_target: RenderTarget, items: readonly SnapshotItem[]): Promise<void> {
    const { chalk } = this.options;
    const { check } = this.options.glyphs ?? UNICODE_GLYPHS;
    let text = '';
    for (const { resourceType, data } of items) {
      const item = (data ?? {}) as { gid?: unknown; name?: unknown; text?: unknown; completed?: unknown };
      const title = clean(item.name ?? item.text ?? '').slice(0, 200);
      text += `${[chalk.dim('snapshot'), resourceType, chalk.cyan(`"${title}"`), chalk.dim(clean(item.gid)), item.completed === true ? chalk.green(`${check} completed`) : ''].filter(Boolean).join(' ')}\n`;
    }
    if (text) await this.progress.aroundOutput(() => this.sink.write(text));
  }

  flush(durable?: boolean): Promise<void> {
    return this.sink.flush(durable);
  }
}
