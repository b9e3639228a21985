// Both providers read a page here before any of it is handed on: the events found with
// lib/json-scan.ts (or, when the scanner declines, by JSON.parse), and the page checked. A page
// whose cursor breaks the rules (core/cursor-rules.ts), whose events are not an array, whose
// has_more is not a boolean, that is not JSON or is nested deeper than any API nests an event
// (printing it again would exhaust the stack) is a BadPageError: retried like a 5xx, and nothing
// of it is written, no cursor moves.
import { cursorProblem, kindOf } from '../core/cursor-rules.js';
import { BadPageError } from '../core/errors.js';
import { nestedDeeperThan, scanPage, TooDeepError, type ScannedPage } from '../lib/json-scan.js';

export type VendorName = 'Asana' | 'Box';

/** scanPage, with a page nested too deep taken as a garbled answer (a BadPageError). */
export function scanGarbled(text: string, arrayKey: string, vendor: VendorName): ScannedPage | undefined {
  let scanned: ScannedPage | undefined;
  try {
    scanned = scanPage(text, arrayKey);
  } catch (error) {
    if (error instanceof TooDeepError) throw garbled(vendor, error.message);
    throw error;
  }
  // Declined (the caller parses it instead): JSON.parse takes any depth, so check it here.
  if (!scanned && nestedDeeperThan(text)) throw garbled(vendor, new TooDeepError().message);
  return scanned;
}

function garbled(vendor: VendorName, what: string): BadPageError {
  return new BadPageError(`${vendor} sent a 200 answer holding ${what} (garbled body)`);
}

/** "Asana sent a bad page: the answer's sync is empty". */
export function badPage(vendor: VendorName, problem: string, answer = 'page'): BadPageError {
  return new BadPageError(`${vendor} sent a bad ${answer}: ${problem}`);
}

/** The value of a top-level field the scanner kept as text; undefined when the page has none. */
export function fieldValue(scanned: ScannedPage, key: string): unknown {
  const text = scanned.fields.get(key);
  // The scanner passed the whole page, so each field's text is valid JSON.
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

/** The answer as a JSON object, or a BadPageError saying what it is instead. */
export function parsedObject(vendor: VendorName, text: string, answer = 'page'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const what = text.trim() === '' ? 'the answer is empty' : 'the answer is not JSON (truncated or garbled body)';
    throw badPage(vendor, what, answer);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw badPage(vendor, `the answer is ${kindOf(value)}, not an object`, answer);
  return value as Record<string, unknown>;
}

/** A cursor the page carries, checked by the one rule for cursors. */
export function checkedCursor(vendor: VendorName, key: string, value: unknown, answer = 'page'): string {
  const problem = cursorProblem(value);
  if (problem !== undefined) throw badPage(vendor, `the answer's ${key} ${problem}`, answer);
  return value as string;
}

/** The page's events, which must be an array. */
export function checkedArray(vendor: VendorName, key: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw badPage(vendor, `the answer's ${key} ${notA(value, 'an array')}`);
  return value;
}

export function checkedBoolean(vendor: VendorName, key: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw badPage(vendor, `the answer's ${key} ${notA(value, 'a boolean')}`);
  return value;
}

function notA(value: unknown, wanted: string): string {
  return value === undefined ? 'is missing' : `is ${kindOf(value)}, not ${wanted}`;
}
