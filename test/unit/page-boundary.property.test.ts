// Whatever text a server sends as a page (empty, huge, wrong
// types, control characters, cut short, keys repeated, not an object at all), the page readers
// either give a page whose cursor passes cursorProblem() and whose events are the answer's array,
// or throw a BadPageError; the JSON scanner they use either agrees with JSON.parse or declines.
// Nothing else is ever thrown, and no other cursor is ever accepted, received or loaded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { cursorProblem, MAX_CURSOR_CHARS } from '../../src/core/cursor-rules.js';
import { BadPageError, EventsError, StateError } from '../../src/core/errors.js';
import { scanPage, TooDeepError } from '../../src/lib/json-scan.js';
import { readEventsPage, readFreshSync } from '../../src/providers/asana/events-page.js';
import { readBoxPage } from '../../src/providers/box/events-page.js';
import { scanGarbled } from '../../src/providers/page-scan.js';
import { CursorStore } from '../../src/state/cursors.js';

const RUNS = { numRuns: 400 };

/** The oracle: the rule as the brief states it, written apart from the code under test. */
function isGoodCursor(value: unknown): boolean {
  return typeof value === 'string' && value.length >= 1 && value.length <= 2048 && /^[A-Za-z0-9._~+/=:-]+$/.test(value);
}

const cursorChar = fc.constantFrom(...'abcdefABCXYZ0123456789._~+/=:-');
const goodCursor = fc.oneof(
  fc.string({ unit: cursorChar, minLength: 1, maxLength: 40 }),
  fc.constantFrom('5a888cbba4065641bffe1b44dced2fcf:0', '1152922976252290886', 'now', 'f'.repeat(MAX_CURSOR_CHARS)),
);
/** Strings that break the rule, and strings that only look like cursors. */
const hostileString = fc.oneof(
  fc.constant(''),
  fc.constantFrom('f'.repeat(MAX_CURSOR_CHARS + 1), 'f'.repeat(1024 * 1024), '9'.repeat(100_000)),
  fc.string({
    unit: fc.constantFrom('a', '1', ':', '\u0000', '\n', '\t', '\u007f', '\u0085', ' ', '"', '\\', 'é', '😀', '\ud800'),
  }),
  fc.string({ unit: 'binary' }),
  goodCursor.map((c) => `${c}\u0000`),
  goodCursor.map((c) => ` ${c}`),
);
const cursorValue = fc.oneof(goodCursor, hostileString);

const event = fc.oneof(
  fc.record({ action: fc.constantFrom('changed', 'added'), gid: fc.string({ unit: cursorChar, maxLength: 16 }) }),
  fc.record({ type: fc.constant('event'), event_id: fc.uuid(), n: fc.integer() }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);
/** Any value in place of a field: the right type or a wrong one. */
const anyValue = fc.oneof(
  fc.array(event, { maxLength: 4 }),
  cursorValue,
  fc.boolean(),
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: 0n, max: 2n ** 70n }),
  fc.dictionary(fc.string({ maxLength: 4 }), event, { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A value's JSON text; a bigint as a bare number, as Box sends positions above 2^53. */
const toText = (value: unknown): string => (typeof value === 'bigint' ? value.toString() : JSON.stringify(value));

interface PageKeys {
  array: string;
  cursor: string;
  /** has_more (Asana) or chunk_size (Box), with the values it should hold. */
  extra: string;
  extraValue: fc.Arbitrary<unknown>;
  goodCursor: fc.Arbitrary<unknown>;
}

/** A page written field by field, so keys can repeat, go missing or come in any order. */
function pageText(keys: PageKeys): fc.Arbitrary<string> {
  const field = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constant(keys.array), fc.oneof(fc.array(event, { maxLength: 4 }), anyValue)) },
    { weight: 4, arbitrary: fc.tuple(fc.constant(keys.cursor), cursorValue) },
    { weight: 2, arbitrary: fc.tuple(fc.constant(keys.cursor), anyValue) },
    { weight: 3, arbitrary: fc.tuple(fc.constant(keys.extra), fc.oneof(keys.extraValue, anyValue)) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })) },
  );
  const missing = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
    fc.option(value, { nil: undefined, freq: 12 });
  /** A good page with each field, now and then, wrong, missing or repeated: the boundary itself. */
  const nearlyGood = fc
    .record({
      array: missing(
        fc.oneof({ weight: 6, arbitrary: fc.array(event, { maxLength: 4 }) }, { weight: 1, arbitrary: anyValue }),
      ),
      cursor: missing(
        fc.oneof(
          { weight: 5, arbitrary: keys.goodCursor },
          { weight: 2, arbitrary: cursorValue },
          { weight: 1, arbitrary: anyValue },
        ),
      ),
      extra: missing(fc.oneof({ weight: 6, arbitrary: keys.extraValue }, { weight: 1, arbitrary: anyValue })),
      repeated: fc.option(field, { freq: 6 }),
    })
    .chain(({ array, cursor, extra, repeated }) => {
      const fields: Array<[string, unknown]> = [];
      if (array !== undefined) fields.push([keys.array, array]);
      if (cursor !== undefined) fields.push([keys.cursor, cursor]);
      if (extra !== undefined) fields.push([keys.extra, extra]);
      if (repeated) fields.push(repeated);
      return fc.shuffledSubarray(fields, { minLength: fields.length });
    });
  const fields = fc.oneof(nearlyGood, fc.array(field, { maxLength: 5 }));
  const page = fc
    .tuple(fields, fc.constantFrom('', '', ' ', '\n', ' \t'))
    .map(
      ([fields, space]) => `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${space}${toText(v)}`).join(`,${space}`)}}`,
    );
  return fc.oneof(
    { weight: 8, arbitrary: page },
    // Cut short anywhere, or with a byte changed: what a proxy or a dropped connection leaves.
    { weight: 2, arbitrary: fc.tuple(page, fc.nat()).map(([t, n]) => t.slice(0, n % (t.length + 1))) },
    {
      weight: 1,
      arbitrary: fc.tuple(page, fc.nat(), fc.string({ maxLength: 2 })).map(([t, n, s]) => {
        const at = n % (t.length + 1);
        return t.slice(0, at) + s + t.slice(at + 1);
      }),
    },
    // Not a page at all: empty, null, arrays, numbers, any JSON, any text.
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '[]', '0', '"sync"', '{}', '<html>502</html>') },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  );
}

const asanaPage = pageText({
  array: 'data',
  cursor: 'sync',
  extra: 'has_more',
  extraValue: fc.boolean(),
  goodCursor,
});
const boxPage = pageText({
  array: 'entries',
  cursor: 'next_stream_position',
  extra: 'chunk_size',
  extraValue: fc.nat(500),
  // Box sends a position as a string or as a bare number, above 2^53 too.
  goodCursor: fc.oneof(fc.stringMatching(/^[0-9]{1,25}$/), fc.bigInt({ min: 0n, max: 2n ** 70n })),
});

/** What JSON.parse makes of the text (the last of repeated keys), or undefined. */
function parsed(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a reader: its result, or the error it threw, which must be a BadPageError. */
function read<T>(reader: () => T): T | undefined {
  try {
    return reader();
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(BadPageError);
    expect(error).toBeInstanceOf(EventsError);
    // One line, and none of the answer's text in it.
    expect((error as Error).message).not.toMatch(/[\n\u0000]/);
    expect((error as Error).message.length).toBeLessThan(200);
    return undefined;
  }
}

/** The generators must reach good pages too, or "every accepted page is good" says nothing. */
function expectSome(accepted: number): void {
  expect(accepted).toBeGreaterThan(RUNS.numRuns / 50);
  expect(accepted).toBeLessThan(RUNS.numRuns);
}

describe('cursorProblem', () => {
  it('accepts exactly the cursors the rule allows, and says what is wrong with every other value', () => {
    fc.assert(
      fc.property(fc.oneof(cursorValue, anyValue, fc.constant(undefined)), (value) => {
        const problem = cursorProblem(value);
        expect(problem === undefined).toBe(isGoodCursor(value));
        if (problem !== undefined) {
          expect(problem).toMatch(/^(is|holds) /);
          expect(problem).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
          expect(problem.length).toBeLessThan(120);
        }
      }),
      RUNS,
    );
  });
});

describe('the Asana page reader', () => {
  it('gives a page with a good sync, a boolean has_more and the answer’s own events, or a BadPageError', () => {
    let accepted = 0;
    fc.assert(
      fc.property(asanaPage, (text) => {
        const page = read(() => readEventsPage(text));
        if (!page) return;
        accepted++;
        const body = parsed(text)!;
        expect(body).toBeDefined();
        expect(cursorProblem(page.next['sync'])).toBeUndefined();
        expect(page.next).toEqual({ sync: body['sync'] });
        expect(page.more).toBe(body['has_more']);
        expect(isDeepStrictEqual(page.events.values(), body['data'])).toBe(true);
      }),
      RUNS,
    );
    expectSome(accepted);
  });

  it('takes the fresh sync of a 412 only when it is a good cursor', () => {
    const answer = fc.oneof(
      asanaPage,
      fc
        .tuple(cursorValue, fc.constantFrom('', ',"errors":[{"message":"Sync token invalid"}]'))
        .map(([sync, errors]) => `{"sync":${JSON.stringify(sync)}${errors}}`),
    );
    let accepted = 0;
    fc.assert(
      fc.property(answer, (text) => {
        const fresh = read(() => readFreshSync(text));
        if (!fresh) return;
        accepted++;
        expect(cursorProblem(fresh['sync'])).toBeUndefined();
        expect(fresh['sync']).toBe(parsed(text)!['sync']);
      }),
      RUNS,
    );
    expectSome(accepted);
  });
});

describe('the Box page reader', () => {
  it('gives a page with a good, exact position and the answer’s own entries, or a BadPageError', () => {
    let accepted = 0;
    fc.assert(
      fc.property(boxPage, (text) => {
        const page = read(() => readBoxPage(text));
        if (!page) return;
        accepted++;
        const body = parsed(text)!;
        expect(cursorProblem(page.position)).toBeUndefined();
        const sent = body['next_stream_position'];
        if (typeof sent === 'string') expect(page.position).toBe(sent);
        else {
          // A number: a whole one, taken from the text exactly (no rounding above 2^53).
          expect(typeof sent).toBe('number');
          expect(page.position).toMatch(/^\d+$/);
          expect(Number(page.position)).toBe(sent);
        }
        expect(isDeepStrictEqual(page.entries.values(), body['entries'])).toBe(true);
      }),
      RUNS,
    );
    expectSome(accepted);
  });
});

describe('the JSON scanner the readers use', () => {
  it('agrees with JSON.parse or declines; it throws nothing but a BadPageError (a page nested too deep)', () => {
    const deep = fc.nat({ max: 400 }).map((n) => `{"data":[{"a":${'['.repeat(n)}${']'.repeat(n)}}],"sync":"s"}`);
    fc.assert(
      fc.property(fc.oneof(asanaPage, boxPage, deep), fc.constantFrom('data', 'entries'), (text, key) => {
        let scanned: ReturnType<typeof scanPage>;
        try {
          scanned = scanPage(text, key);
        } catch (error) {
          expect(error).toBeInstanceOf(TooDeepError);
          expect(() => scanGarbled(text, key, 'Asana')).toThrow(BadPageError);
          return;
        }
        read(() => scanGarbled(text, key, 'Box'));
        if (!scanned) return;
        const body = parsed(text)!;
        expect(
          isDeepStrictEqual(
            scanned.items.map((item) => JSON.parse(item) as unknown),
            body[key],
          ),
        ).toBe(true);
        for (const [field, value] of scanned.fields) expect(JSON.parse(value)).toEqual(body[field]);
        expect(scanned.fields.size + 1).toBe(Object.keys(body).length);
      }),
      RUNS,
    );
  });
});

describe('a stored cursor', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-page-boundary-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const store = new CursorStore(dir);

  it('is loaded only when it passes the rule; any other is a StateError that gives the reset line', () => {
    fc.assert(
      fc.property(fc.constantFrom('asana', 'box'), fc.oneof(cursorValue, anyValue), (provider, value) => {
        const token = provider === 'asana' ? 'sync' : 'position';
        const file = store.file({ provider, host: 'h', subscription: 's', group: 'default' });
        const record = { version: 1, provider, host: 'h', subscription: 's', group: 'default', label: 's' };
        const text = JSON.stringify({ ...record, cursor: { [token]: 0 }, savedAt: 'x' });
        fs.writeFileSync(file.path, text.replace(`"${token}":0`, `"${token}":${toText(value)}`));
        let loaded: ReturnType<typeof file.load>;
        try {
          loaded = file.load();
        } catch (error) {
          expect(error).toBeInstanceOf(StateError);
          expect((error as StateError).hint).toContain('events state reset s');
          return;
        }
        const held = loaded!.cursor[token];
        // Box positions of older versions may be stored as numbers; their digits follow the rule.
        expect(cursorProblem(typeof held === 'number' ? String(held) : held)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
