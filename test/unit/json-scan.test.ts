// The page scanner against JSON.parse: on random valid pages it finds exactly the events
// JSON.parse finds, and on every truncation and single-character mutation of a page it either
// agrees with JSON.parse or declines. It never produces different events.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, nestedDeeperThan, scanPage, TooDeepError } from '../../src/lib/json-scan.js';
import { scanGarbled } from '../../src/providers/page-scan.js';
import { BadPageError } from '../../src/core/errors.js';
import { eventLines, META_KEY } from '../../src/output/json.js';
import { EventBatch } from '../../src/core/event-batch.js';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'a',
  'Z',
  ' ',
  'é',
  '€',
  '😀',
  '\ud800',
  '"',
  '\\',
  '/',
  '\n',
  '\t',
  '\u0001',
  '\u2028',
  '_events',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
];
const NUMBERS = [
  '0',
  '-0',
  '1',
  '-12',
  '3.25',
  '1e5',
  '1E-7',
  '-0.5e+3',
  '12345678901234567890',
  '9007199254740993',
  '1.7976931348623157e308',
];

/** Random JSON text, sometimes with whitespace and escapes that a serialiser would not write. */
function randomJson(rand: () => number, depth: number, spaced: boolean): string {
  const ws = (): string => (spaced && rand() < 0.3 ? [' ', '\n', '\t', '\r', '  '][Math.floor(rand() * 5)]! : '');
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const str = (): string => {
    let s = '';
    const n = Math.floor(rand() * 6);
    for (let i = 0; i < n; i++) s += pick(PIECES);
    const text = JSON.stringify(s);
    // Escape some characters the long way (\u00e9), as some servers do.
    return rand() < 0.2 ? text.replace(/[a-zé]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : text;
  };
  const r = rand();
  if (depth <= 0 || r < 0.35) {
    const kind = Math.floor(rand() * 4);
    return kind === 0 ? str() : kind === 1 ? pick(NUMBERS) : kind === 2 ? pick(['true', 'false', 'null']) : str();
  }
  if (r < 0.65) {
    const n = Math.floor(rand() * 4);
    const items = Array.from({ length: n }, () => `${ws()}${randomJson(rand, depth - 1, spaced)}${ws()}`);
    return `[${items.join(',')}${n ? '' : ws()}]`;
  }
  return randomObject(rand, depth - 1, spaced, ws, str);
}

function randomObject(rand: () => number, depth: number, spaced: boolean, ws: () => string, str: () => string): string {
  const n = Math.floor(rand() * 5);
  const members = Array.from(
    { length: n },
    () => `${ws()}${str()}${ws()}:${ws()}${randomJson(rand, depth, spaced)}${ws()}`,
  );
  return `{${members.join(',')}${n ? '' : ws()}}`;
}

function randomPage(rand: () => number, spaced: boolean): string {
  const noSpace = (): string => '';
  const str = (): string => JSON.stringify('s' + Math.floor(rand() * 1000));
  const events = Array.from({ length: Math.floor(rand() * 6) }, () =>
    randomObject(rand, 3, spaced && rand() < 0.3, noSpace, () =>
      JSON.stringify(['gid', 'name', 'created_at', 'x\u00e9', 'a"b', '_events'][Math.floor(rand() * 6)]!),
    ),
  );
  const members = [`"data":[${events.join(',')}]`, `"sync":${str()}`, `"has_more":${rand() < 0.5}`];
  if (rand() < 0.3) members.push(`"extra":${randomJson(rand, 2, false)}`);
  members.sort(() => rand() - 0.5);
  const sep = spaced ? ' \n' : '';
  return `${sep}{${sep}${members.join(`,${sep}`)}${sep}}${sep}`;
}

/** The property: the scanner declines, or it agrees with JSON.parse on every event and field. */
function agrees(text: string): 'declined' | 'agreed' {
  const scanned = scanPage(text, 'data');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    expect(scanned, `accepted what JSON.parse refuses: ${JSON.stringify(text)}`).toBeUndefined();
    return 'declined';
  }
  if (!scanned) return 'declined';
  const body = parsed as Record<string, unknown>;
  expect(Array.isArray(body['data'])).toBe(true);
  const data = body['data'] as unknown[];
  expect(scanned.items.length).toBe(data.length);
  scanned.items.forEach((item, i) => {
    expect(isDeepStrictEqual(JSON.parse(item), data[i]), `event ${i} differs: ${item}`).toBe(true);
    expect(item).not.toMatch(/[\n\r]/);
  });
  const keys = Object.keys(body).filter((k) => k !== 'data');
  expect([...scanned.fields.keys()].sort()).toEqual(keys.sort());
  for (const key of keys) expect(isDeepStrictEqual(JSON.parse(scanned.fields.get(key)!), body[key])).toBe(true);
  return 'agreed';
}

describe('json-scan', () => {
  it('agrees with JSON.parse on random valid pages, and passes compact ones through', () => {
    const rand = prng(11);
    let agreed = 0;
    for (let i = 0; i < 3000; i++) {
      const spaced = rand() < 0.3;
      const page = randomPage(rand, spaced);
      const result = agrees(page);
      // A page whose events hold no whitespace must not be declined: that is the fast path.
      if (!/\s/.test(page.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) expect(result, page).toBe('agreed');
      if (result === 'agreed') agreed++;
    }
    expect(agreed).toBeGreaterThan(2000);
  });

  it('declines or agrees on every truncation of a page', () => {
    const rand = prng(5);
    for (let n = 0; n < 20; n++) {
      const page = randomPage(rand, n % 4 === 0);
      for (let cut = 0; cut < page.length; cut++) agrees(page.slice(0, cut));
    }
  });

  it('declines or agrees on single-character mutations', () => {
    const rand = prng(99);
    const swaps = [
      '"',
      '\\',
      '{',
      '}',
      '[',
      ']',
      ':',
      ',',
      '0',
      '1',
      '-',
      '+',
      '.',
      'e',
      'E',
      'u',
      'a',
      't',
      'n',
      ' ',
      '\n',
      '\u0000',
      '\u001f',
      '\u00a0',
      '\ufeff',
      'x',
    ];
    for (let n = 0; n < 40; n++) {
      const page = randomPage(rand, n % 5 === 0);
      for (let at = 0; at < page.length; at++) {
        const swap = swaps[Math.floor(rand() * swaps.length)]!;
        agrees(page.slice(0, at) + swap + page.slice(at + 1));
        if (rand() < 0.2) agrees(page.slice(0, at) + page.slice(at + 1)); // a deletion
        if (rand() < 0.2) agrees(page.slice(0, at) + swap + page.slice(at)); // an insertion
      }
    }
  });

  it('declines what it would have to interpret: repeated or escaped keys, non-object events, whitespace inside an event', () => {
    for (const page of [
      '{"data":[],"data":[{"a":1}],"sync":"s","has_more":false}',
      '{"d\\u0061ta":[{"a":1}],"sync":"s","has_more":false}',
      '{"data":[1,{"a":1}],"sync":"s","has_more":false}',
      '{"data":[{"a": 1}],"sync":"s","has_more":false}',
      '{"data":[{"a":\n1}],"sync":"s","has_more":false}',
      '[{"data":[]}]',
      '{"sync":"s"}',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    ]) {
      expect(scanPage(page, 'data'), page).toBeUndefined();
    }
    expect(scanPage(' {"data" : [ {"a":1} , {} ] , "sync" : "s" }\n', 'data')).toEqual({
      items: ['{"a":1}', '{}'],
      fields: new Map([['sync', '"s"']]),
    });
  });

  it('passes event text through byte for byte, big numbers and escapes included', () => {
    const event = '{"gid":"1","n":12345678901234567890,"f":1.50,"e":1E3,"s":"caf\\u00e9 \\/ \\ud83d\\ude00"}';
    const scanned = scanPage(`{"data":[${event},{}],"sync":"s","has_more":false}`, 'data')!;
    const lines = eventLines(
      EventBatch.fromTexts(scanned.items),
      { provider: 'asana', subscription: '1', group: 'g' },
      't',
    ).split('\n');
    expect(lines[0]).toBe(
      `${event.slice(0, -1)},"${META_KEY}":{"kind":"event","provider":"asana","subscription":"1","group":"g","received_at":"t"}}`,
    );
    expect(JSON.parse(lines[1]!)).toEqual({
      [META_KEY]: { kind: 'event', provider: 'asana', subscription: '1', group: 'g', received_at: 't' },
    });
  });

  it('refuses nesting deeper than MAX_DEPTH: JSON.parse takes it, printing it again would not', () => {
    const nested = (depth: number): string => `{"data":[{"a":${'['.repeat(depth)}${']'.repeat(depth)}}],"sync":"s"}`;
    expect(scanPage(nested(MAX_DEPTH - 1), 'data')?.items).toHaveLength(1);
    expect(() => scanPage(nested(MAX_DEPTH), 'data')).toThrow(TooDeepError);
    expect(() => scanPage(nested(5000), 'data')).toThrow(TooDeepError);
    expect(() => scanPage(`{"sync":${'['.repeat(5000)}${']'.repeat(5000)},"data":[]}`, 'data')).toThrow(TooDeepError);
  });

  it('a deep page the scanner declines for another reason is garbled too (its JSON.parse would take it)', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    // A repeated top-level key: declined before the events are reached.
    const page = `{"sync":"a","sync":"b","data":[{"a":${deep}}],"has_more":false}`;
    expect(scanPage(page, 'data')).toBeUndefined();
    expect(nestedDeeperThan(page)).toBe(true);
    expect(() => scanGarbled(page, 'data', 'Asana')).toThrow(BadPageError);
    expect(() => scanGarbled(page, 'data', 'Asana')).toThrow(
      /Asana sent a 200 answer holding a value nested deeper than 256 levels \(garbled body\)/,
    );
    const shallow = `{"sync":"a","sync":"b","data":[{"a":[[["[[[[[[[["]]]}],"has_more":false}`;
    expect(nestedDeeperThan(shallow)).toBe(false);
    expect(scanGarbled(shallow, 'data', 'Asana')).toBeUndefined();
    expect(nestedDeeperThan(`{"data":[{"a":${'['.repeat(MAX_DEPTH - 1)}${']'.repeat(MAX_DEPTH - 1)}}]}`)).toBe(false);
    expect(nestedDeeperThan(`{"data":[{"a":${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}}]}`)).toBe(true);
  });
});
