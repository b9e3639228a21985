// One readable line per event. Server text is sanitised, colours are stable per action, and on a
// terminal the line is cut to its width (the name and summary give way first).
import type { ChalkInstance } from 'chalk';
import { sanitizeText } from './sanitize.js';

export interface HumanStyle {
  chalk: ChalkInstance;
  /** Terminal width; undefined when not a terminal (no cutting). */
  width?: number;
  /** Prefix each line with the subscription, when several are tailed at once. */
  prefix?: string;
  now?: Date;
}

/** A piece of a line: text, how to colour it, and whether it may be shortened to fit. */
export interface Segment {
  text: string;
  paint?: (s: string) => string;
  shrinkable?: boolean;
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

/** Joins segments with single spaces, shortening shrinkable ones (from the last) to fit. */
export function fitLine(segments: Segment[], width: number | undefined): string {
  const parts = segments.filter((s) => s.text !== '');
  if (width !== undefined && width > 0) {
    let over = parts.reduce((n, s) => n + s.text.length, 0) + parts.length - 1 - width;
    for (let i = parts.length - 1; i >= 0 && over > 0; i--) {
      const part = parts[i]!;
      if (!part.shrinkable || part.text.length <= 4) continue;
      const keep = Math.max(3, part.text.length - over - 1);
      over -= part.text.length - (keep + 1);
      parts[i] = { ...part, text: `${part.text.slice(0, keep)}…` };
    }
    if (over > 0) {
      // Still too wide: cut the plain text at the width (colour codes are added afterwards).
      let room = width;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!;
        const len = part.text.length + (i > 0 ? 1 : 0);
        if (room <= 0) parts[i] = { ...part, text: '' };
        else if (len > room) parts[i] = { ...part, text: `${part.text.slice(0, Math.max(0, room - (i > 0 ? 2 : 1)))}…` };
        room -= len;
      }
    }
  }
  return parts
    .filter((s) => s.text !== '')
    .map((s) => (s.paint ? s.paint(s.text) : s.text))
    .join(' ');
}
