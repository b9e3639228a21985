// The one rule for a cursor, received or stored: Asana's `sync` (32 hex digits, a colon and a
// number), Box's `next_stream_position` (decimal digits, `now`). Both are short strings of a few
// safe characters. Anything else is not a cursor: an empty one is sent as `sync=` and answered
// 412 (events lost), a huge one makes every later request line too long for the server (431).
// So the rule is checked before a page is written and when a stored cursor is read.

import { groupDigits } from '../lib/digits.js';

/** More than any API sends (Asana: about 40, Box: about 20); far less than a request line holds. */
export const MAX_CURSOR_CHARS = 2048;

/** The characters a cursor may hold: those of both APIs' tokens and URL-safe base64. */
const CURSOR_CHARS = /^[A-Za-z0-9._~+/=:-]*$/;
const FIRST_BAD_CHAR = /[^A-Za-z0-9._~+/=:-]/u;

/**
 * What is wrong with a cursor, as a predicate ("is empty", "holds a control character (U+0000)"),
 * or undefined when it is a good one. Takes any value, as found in an answer or a state file.
 */
export function cursorProblem(value: unknown): string | undefined {
  if (value === undefined) return 'is missing';
  if (typeof value !== 'string') return `is ${kindOf(value)}, not a string`;
  if (value === '') return 'is empty';
  if (value.length > MAX_CURSOR_CHARS)
    return `is ${groupDigits(value.length)} characters long (at most ${groupDigits(MAX_CURSOR_CHARS)})`;
  if (CURSOR_CHARS.test(value)) return undefined;
  const bad = FIRST_BAD_CHAR.exec(value)![0];
  const code = bad.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `holds a control character (${hex})`;
  if (/\s/.test(bad)) return `holds white space (${hex})`;
  // Only a printable ASCII character is shown as itself: the value came from outside.
  const shown = code < 0x7f ? `"${bad}" (${hex})` : hex;
  return `holds the character ${shown}, which no cursor has (A-Z a-z 0-9 . _ ~ + / = : -)`;
}

/** What kind of JSON value this is, in words: "null", "an array", "a number", "an object". */
export function kindOf(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return `${type === 'object' ? 'an' : 'a'} ${type}`;
}
