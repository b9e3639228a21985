// The one consumer of what the follow loop produces: turns pages and notices into text for the
// chosen format and hands it to the sink. Writes of a page are one chunk, so pages of several
// subscriptions never interleave mid-line.
import type { ChalkInstance } from 'chalk';
import type { Reference } from '../refs.js';
import { formatAsanaEvent } from './human-asana.js';
import { eventLines, noticeLine, type NoticeKind, type RecordOrigin } from './json.js';
import type { Progress } from './progress.js';
import type { Sink } from './sink.js';

export interface RenderTarget {
  ref: Reference;
  origin: RecordOrigin;
}

export interface Renderer {
  events(target: RenderTarget, events: readonly unknown[]): Promise<void>;
  notice(target: RenderTarget, kind: NoticeKind, fields?: Record<string, unknown>): Promise<void>;
  /** Make everything written so far durable before a cursor is saved. */
  flush(): Promise<void>;
}

export class JsonRenderer implements Renderer {
  constructor(private readonly sink: Sink) {}

  async events(target: RenderTarget, events: readonly unknown[]): Promise<void> {
    if (events.length) await this.sink.write(eventLines(events, target.origin, new Date().toISOString()));
  }

  async notice(target: RenderTarget, kind: NoticeKind, fields?: Record<string, unknown>): Promise<void> {
    await this.sink.write(noticeLine(kind, target.origin, fields));
  }

  flush(): Promise<void> {
    return this.sink.flush();
  }
}

export interface HumanRendererOptions {
  chalk: ChalkInstance;
  width: () => number | undefined;
  /** Several subscriptions: prefix lines with the subscription. */
  prefixed: boolean;
}

export class HumanRenderer implements Renderer {
  constructor(private readonly sink: Sink, private readonly options: HumanRendererOptions, private readonly progress: Progress) {}

  async events(target: RenderTarget, events: readonly unknown[]): Promise<void> {
    if (!events.length) return;
    const style = {
      chalk: this.options.chalk,
      width: this.options.width(),
      prefix: this.options.prefixed ? `[${target.ref.label}]` : undefined,
      now: new Date(),
    };
    let text = '';
    for (const event of events) text += `${formatAsanaEvent(event, style)}\n`;
    await this.progress.aroundOutput(() => this.sink.write(text));
  }

  // Notices reach a person as warnings on stderr (the loop prints them); stdout keeps events only.
  async notice(): Promise<void> {}

  flush(): Promise<void> {
    return this.sink.flush();
  }
}
