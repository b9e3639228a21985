// One readable line per event. Server text is sanitised, colours are stable per action, and on a
// terminal the line is fitted to its width: the least useful parts give way first, the actor and
// the change last.
import type { ChalkInstance } from 'chalk';
import { sanitizeText } from '../lib/sanitize.js';
import { UNICODE_GLYPHS, type Glyphs } from './glyphs.js';
import { cutToWidth, textWidth } from './width.js';

export interface HumanStyle {
  chalk: ChalkInstance;
  /** Terminal width; undefined when not a terminal (no cutting). */
  width?: number;
  /** Prefix each line with the subscription, when several are tailed at once. */
  prefix?: string;
  now?: Date;
  /** ASCII stand-ins when the locale is not UTF-8; default Unicode. */
  glyphs?: Glyphs;
}

/** A piece of a line: text, how to colour it, and whether it may be shortened to fit. `before` and
 * `after` decorate the text (quotes, "in ") and are never cut apart from it. */
export interface Segment {
  text: string;
  paint?: (s: string) => string;
  shrinkable?: boolean;
  before?: string;
  after?: string;
  /**
   * How the segment gives way when the line is too wide: steps of [rank, columns], taken over all
   * segments in rank order (lower first) while the line is too wide; columns 0 drops the segment,
   * more shrinks it to that many columns at most. Without steps, a shrinkable segment shrinks to 3
   * columns and then to "…" (rank 100 and 101), from the last segment to the first.
   */
  giveWay?: Array<[rank: number, columns: number]>;
  /**
   * A column shown only on terminals at least this wide, on every line alike: what a line shows
   * depends on the width, never on how long its own text is, so the lines of one terminal line
   * up (at 60 columns every line has the time, or none has).
   */
  showFrom?: number;
}

export function clean(value: unknown): string {
  return typeof value === 'string'
    ? sanitizeText(value)
    : value === undefined || value === null
      ? ''
      : sanitizeText(String(value));
}

export function localTime(iso: unknown, now = new Date()): string {
  const date = typeof iso === 'string' ? new Date(iso) : undefined;
  if (!date || Number.isNaN(date.getTime())) return '--:--:--';
  const pad = (n: number): string => String(n).padStart(2, '0');
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const sameDay = date.toDateString() === now.toDateString();
  return sameDay ? time : `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

/** Right-to-left scripts: server text in them is wrapped in a first-strong isolate (U+2068 …
 * U+2069), so it cannot reorder the rest of the line (the gid after a Hebrew name stays after it).
 * sanitizeText removes isolates from server text, so it cannot close ours early. */
const RTL =
  /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}]/u;

function isolate(text: string): string {
  return RTL.test(text) ? `\u2068${text}\u2069` : text;
}

function segmentWidth(segment: Segment): number {
  return textWidth(segment.before ?? '') + textWidth(segment.text) + textWidth(segment.after ?? '');
}

/**
 * Joins segments with single spaces and, given a terminal width, fits them in it, measured in
 * terminal columns (wide CJK and emoji count 2): the segments give way step by step, in the order
 * their `giveWay` ranks say (each shrinks only as far as needed, a name ends in "…"); only if that
 * is not enough is the line cut at the width, so what the ranks keep stays whole longest.
 */
export function fitLine(segments: Segment[], width: number | undefined, glyphs: Glyphs = UNICODE_GLYPHS): string {
  const shown = (s: Segment): boolean => width === undefined || s.showFrom === undefined || width >= s.showFrom;
  const parts = segments.filter((s) => s.text !== '' && shown(s)).map((s) => ({ ...s }));
  const ellipsis = glyphs.ellipsis;
  if (width !== undefined && width > 0) {
    const over = (): number => parts.filter((s) => s.text !== '').reduce((n, s) => n + segmentWidth(s) + 1, -1) - width;
    const steps = parts
      .flatMap((part, index) =>
        (
          part.giveWay ??
          (part.shrinkable
            ? ([
                [100, 3],
                [101, 1],
              ] as Array<[number, number]>)
            : [])
        ).map(([rank, columns]) => ({ rank, columns, index })),
      )
      .sort((a, b) => a.rank - b.rank || b.index - a.index);
    for (const { columns, index } of steps) {
      if (over() <= 0) break;
      const part = parts[index]!;
      const current = textWidth(part.text);
      if (part.text === '') continue;
      if (columns === 0) part.text = '';
      else if (current > columns) part.text = cutToWidth(part.text, Math.max(columns, current - over()), ellipsis);
    }
    if (over() > 0) {
      // Still too wide: cut the line at the width; what comes last goes first.
      let room = width;
      let first = true;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!;
        if (part.text === '') continue;
        const space = first ? 0 : 1;
        first = false;
        const needed = segmentWidth(part) + space;
        if (room - space <= 0) part.text = '';
        else if (needed > room)
          parts[i] = {
            ...part,
            before: '',
            after: '',
            text: cutToWidth(`${part.before ?? ''}${part.text}${part.after ?? ''}`, room - space, ellipsis),
          };
        room -= needed;
      }
    }
  }
  return parts
    .filter((s) => s.text !== '')
    .map((s) => {
      const text = `${s.before ?? ''}${isolate(s.text)}${s.after ?? ''}`;
      return s.paint ? s.paint(text) : text;
    })
    .join(' ');
}
