// One readable line per event. Server text is sanitised, colours are stable per action, and on a
// terminal the line is cut to its width (the name and summary give way first).
import type { ChalkInstance } from 'chalk';
import { sanitizeText } from '../lib/sanitize.js';
import { cutToWidth, textWidth } from './width.js';

export interface HumanStyle {
  chalk: ChalkInstance;
  /** Terminal width; undefined when not a terminal (no cutting). */
  width?: number;
  /** Prefix each line with the subscription, when several are tailed at once. */
  prefix?: string;
  now?: Date;
}

/** A piece of a line: text, how to colour it, and whether it may be shortened to fit. `before` and
 * `after` decorate the text (quotes, "in ") and are never cut apart from it. */
export interface Segment {
  text: string;
  paint?: (s: string) => string;
  shrinkable?: boolean;
  before?: string;
  after?: string;
}

export function clean(value: unknown): string {
  return typeof value === 'string' ? sanitizeText(value) : value === undefined || value === null ? '' : sanitizeText(String(value));
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
const RTL = /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}]/u;

function isolate(text: string): string {
  return RTL.test(text) ? `\u2068${text}\u2069` : text;
}

function segmentWidth(segment: Segment): number {
  return textWidth(segment.before ?? '') + textWidth(segment.text) + textWidth(segment.after ?? '');
}

/**
 * Joins segments with single spaces and, given a terminal width, fits them in it, measured in
 * terminal columns (wide CJK and emoji count 2): shrinkable segments (names, summaries) give way
 * first, from the last, to 3 columns and then to "…"; only then is the line cut at the width, so
 * the time, action and gid stay whole while a name can still shrink.
 */
export function fitLine(segments: Segment[], width: number | undefined): string {
  const parts = segments.filter((s) => s.text !== '').map((s) => ({ ...s }));
  if (width !== undefined && width > 0) {
    const over = (): number => parts.reduce((n, s) => n + segmentWidth(s), 0) + parts.length - 1 - width;
    for (const floor of [3, 1]) {
      for (let i = parts.length - 1; i >= 0 && over() > 0; i--) {
        const part = parts[i]!;
        const current = textWidth(part.text);
        if (!part.shrinkable || current <= floor) continue;
        part.text = cutToWidth(part.text, Math.max(floor, current - over()));
      }
    }
    if (over() > 0) {
      // Still too wide: cut the line at the width; what comes last goes first.
      let room = width;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!;
        const space = i > 0 ? 1 : 0;
        const needed = segmentWidth(part) + space;
        if (room - space <= 0) part.text = '';
        else if (needed > room) parts[i] = { ...part, before: '', after: '', text: cutToWidth(`${part.before ?? ''}${part.text}${part.after ?? ''}`, room - space) };
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
