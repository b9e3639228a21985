// Terminal columns per grapheme (string-width underneath), checked against a fixed table, and our
// grapheme cutting.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { formatAsanaEvent } from '../../src/output/human-asana.js';
import { formatBoxEvent } from '../../src/output/human-box.js';
import { fitLine } from '../../src/output/human.js';
import { cutToWidth, graphemes, textWidth } from '../../src/output/width.js';

const FAMILY = '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}'; // 👩‍👩‍👧
const FLAG = '\u{1F1EB}\u{1F1F7}'; // 🇫🇷
const CASES: Array<[string, string, number]> = [
  ['ASCII', 'Write the spec', 14],
  ['CJK ideographs', '仕様を書く', 10],
  ['Hangul syllables', '한국어', 6],
  ['Hangul jamo L+V+T', '\u1100\u1161\u11A8', 2],
  ['fullwidth forms', 'ＡＢＣ', 6],
  ['halfwidth katakana', 'ｶﾀｶﾅ', 4],
  ['emoji', '\u{1F680}', 2],
  ['emoji with skin tone', '\u{1F44D}\u{1F3FD}', 2],
  ['ZWJ family', FAMILY, 2],
  ['flag', FLAG, 2],
  ['England flag (tag sequence)', '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}', 2],
  ['keycap', '1\uFE0F\u20E3', 2],
  ['text pictograph with VS16', '\u263A\uFE0F', 2],
  ['text pictograph alone', '\u263A', 1],
  ['combining accents', 'e\u0301a\u0300\u0323', 2],
  ['Hebrew', 'שלום עולם', 9],
  ['Arabic', 'مرحبا', 5],
  ['Arabic with harakat', 'مَرْحَبًا', 5],
  ['ZWJ alone', '\u200D', 0],
  ['variation selector alone', '\uFE0F', 0],
  ['bidi isolates', '\u2068x\u2069', 1],
  ['control characters', 'a\u0007b\u0000', 2],
  ['ellipsis (ambiguous: narrow)', '…', 1],
  ['Devanagari with a spacing vowel sign', 'कि', 2],
  ['mixed', `Ada 仕様 ${FAMILY} ok`, 14],
];

describe('textWidth', () => {
  it.each(CASES)('%s: %j is %i columns', (_what, text, columns) => {
    expect(textWidth(text)).toBe(columns);
  });

  it('a ZWJ sequence and a flag are one grapheme each', () => {
    expect(graphemes(`a${FAMILY}${FLAG}b`)).toEqual(['a', FAMILY, FLAG, 'b']);
  });
});

const SAMPLES = [
  '仕様を書く 한국어 テスト',
  `${FAMILY}${FLAG}\u{1F680}x\u{1F44D}\u{1F3FD}`,
  'e\u0301e\u0301e\u0301 café',
  'שלום עולם مرحبا',
  'Write the spec',
];

describe('cutToWidth', () => {
  it('never exceeds the width, never splits a grapheme, ends in "…" when cut', () => {
    for (const text of SAMPLES) {
      const whole = graphemes(text);
      for (let columns = 0; columns <= textWidth(text) + 1; columns++) {
        const cut = cutToWidth(text, columns);
        expect(textWidth(cut)).toBeLessThanOrEqual(columns);
        expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        expect(cut).not.toMatch(/\u200D(…|$)/);
        if (cut === text) continue;
        if (columns > 0) expect(cut.endsWith('…')).toBe(true);
        // What is kept is whole graphemes of the original, in order.
        const kept = graphemes(cut.slice(0, -1));
        expect(kept).toEqual(whole.slice(0, kept.length));
      }
    }
  });
});

describe('human lines at every width', () => {
  const plain = new Chalk({ level: 0 });
  const now = new Date('2026-11-24T15:00:00');
  const at = new Date('2026-11-24T14:03:22').toISOString();
  const names = [
    '仕様書を書いて来週までにレビューに出す',
    `Party ${FAMILY}${FLAG} planning 🎉🎉🎉`,
    'Ре́зюме café naïve e\u0301',
    'לכתוב את המפרט של הפרויקט',
    'كتابة المواصفات للمشروع',
  ];

  it('Asana: display width ≤ terminal width at every width from 1 to 120, the actor and the change kept from 40 on', () => {
    for (const name of names) {
      const event = {
        user: { gid: '9', name: '山田 太郎' },
        created_at: at,
        action: 'changed',
        resource: { gid: '1302', resource_type: 'task', name },
        change: { field: 'assignee', new_value: { name: 'グレース・ホッパー' } },
      };
      for (let width = 1; width <= 120; width++) {
        const line = formatAsanaEvent(event, { chalk: plain, now, width });
        expect([name, width, textWidth(line) <= width]).toEqual([name, width, true]);
        expect(line).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|\u200D(…|$|\s)/);
        // The actor, the action and the change fit from 40 columns on; the
        // gid, when there is room for it.
        if (width >= 40) expect(line).toMatch(/^(\d\d:\d\d:\d\d )?山田 太郎 changed .*· assignee → グ/);
        if (width >= 100) expect(line).toMatch(/ 1302 /);
      }
    }
  });

  it('Box: display width ≤ terminal width at every width from 1 to 120', () => {
    for (const name of names) {
      const event = {
        event_type: 'ITEM_UPLOAD',
        created_at: at,
        created_by: { login: '太郎@example.com' },
        source: { type: 'file', id: '1234', name, parent: { name: '財務' } },
      };
      for (let width = 1; width <= 120; width++) {
        const line = formatBoxEvent(event, { chalk: plain, now, width });
        expect([name, width, textWidth(line) <= width]).toEqual([name, width, true]);
        if (width >= 40) expect(line).toMatch(/^(\d\d:\d\d:\d\d )?太郎@example\.com ITEM_UPLOAD (file )?"/);
        if (width >= 100) expect(line).toMatch(/ 1234( |$)/);
      }
    }
  });

  it('shortens a wide name (whole graphemes) before the id goes', () => {
    const event = {
      user: { gid: '9', name: 'Ada Lovelace' },
      created_at: at,
      action: 'changed',
      resource: { gid: '1204567890123456', resource_type: 'task', name: '仕様書を書いて来週までにレビューに出す' },
      change: { field: 'assignee', new_value: { name: 'Grace Hopper' } },
    };
    // The gid is a column of terminals from 100 wide (docs/output.md): there, the name gives way first.
    const line = formatAsanaEvent(event, { chalk: plain, now, width: 100 });
    expect(line).toContain(' 1204567890123456');
    expect(line).toMatch(/"仕[^"]*…"/);
    expect(line).toContain('· assignee → Grace Hopper');
    expect(textWidth(line)).toBeLessThanOrEqual(100);
  });

  it('RTL server text keeps its characters and width, isolated so the line keeps its order', () => {
    const name = 'לכתוב את המפרט';
    const line = formatAsanaEvent(
      {
        user: { gid: '9', name: 'Ada' },
        created_at: at,
        action: 'added',
        resource: { gid: '1302', resource_type: 'task', name },
      },
      { chalk: plain, now, width: 100 },
    );
    expect(line).toBe(`14:03:22 Ada added task "\u2068${name}\u2069" 1302`);
    expect(textWidth(line)).toBe(textWidth(`14:03:22 Ada added task "${name}" 1302`));
    // Cut RTL text stays inside its isolate.
    const cut = fitLine(
      [{ text: 'a' }, { text: name, before: '"', after: '"', shrinkable: true }, { text: '1302' }],
      14,
    );
    expect(cut).toMatch(/^a "\u2068[^\u2069]+…\u2069" 1302$/);
    expect(textWidth(cut)).toBeLessThanOrEqual(14);
    // Left-to-right text is not wrapped.
    expect(
      formatAsanaEvent(
        {
          user: { gid: '9', name: 'Ada' },
          created_at: at,
          action: 'added',
          resource: { gid: '1302', resource_type: 'task', name: 'Spec' },
        },
        { chalk: plain, now },
      ),
    ).not.toMatch(/[\u2066-\u2069]/);
  });
});
