// The human format: one coloured line per event, fitted to the terminal. Loaded only when a run
// prints for a person (app/tail.ts imports it on demand).
import type { ChalkInstance } from 'chalk';
import type { EventBatch } from '../core/event-batch.js';
import type { SnapshotItem } from '../core/provider.js';
import type { RecordNoticeKind } from '../core/record-sink.js';
import { UNICODE_GLYPHS, type Glyphs } from './glyphs.js';
import { formatAsanaEvent } from './human-asana.js';
import { formatBoxEvent } from './human-box.js';
import { clean } from './human.js';
import type { Progress } from './progress.js';
import { SinkRenderer, type Renderer, type RenderTarget } from './renderer.js';
import type { Sink } from './sink.js';

export interface HumanRendererOptions {
  chalk: ChalkInstance;
  width: () => number | undefined;
  /** Several subscriptions: prefix lines with the subscription. */
  prefixed: boolean;
  /** ASCII stand-ins when the locale is not UTF-8 (default Unicode). */
  glyphs?: Glyphs;
}

export class HumanRenderer extends SinkRenderer implements Renderer {
  constructor(
    sink: Sink,
    private readonly options: HumanRendererOptions,
    private readonly progress: Progress,
  ) {
    super(sink);
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
  async notice(target: RenderTarget, kind: RecordNoticeKind, fields: Record<string, unknown> = {}): Promise<void> {
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
}
