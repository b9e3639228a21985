// Human lines keep the actor and the change when the terminal is narrow (the
// least useful parts give way first), ASCII stand-ins under a locale that is not UTF-8, and the
// sanitiser's invisible characters.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { ASCII_GLYPHS, UNICODE_GLYPHS, glyphsFor, localeIsUtf8 } from '../../src/output/glyphs.js';
import { formatAsanaEvent } from '../../src/output/human-asana.js';
import { formatBoxEvent } from '../../src/output/human-box.js';
import { cutToWidth, textWidth } from '../../src/output/width.js';
import { sanitizeText } from '../../src/lib/sanitize.js';

const plain = new Chalk({ level: 0 });
const now = new Date('2026-11-24T15:00:00');
const at = new Date('2026-11-24T14:03:22').toISOString();
const asana = {
  user: { gid: '9', name: 'Ada Lovelace' },
  created_at: at,
  action: 'changed',
  resource: {
    gid: '1204567890123456',
    resource_type: 'task',
    name: 'A very long task name that goes on and on and on',
  },
  change: { field: 'assignee', action: 'changed', new_value: { name: 'Grace Hopper' } },
};
const box = {
  event_type: 'ITEM_UPLOAD',
  created_at: at,
  created_by: { login: 'ada@example.com' },
  source: {
    type: 'file',
    id: '123456789012',
    name: 'Quarterly report for the board, final version.pdf',
    parent: { name: 'Finance and accounting' },
  },
};

describe('human lines give way from the least useful part', () => {
  it('Asana at 100 columns: the whole change and the actor, the long name shortened', () => {
    const line = formatAsanaEvent(asana, { chalk: plain, now, width: 100 });
    expect(textWidth(line)).toBeLessThanOrEqual(100);
    expect(line).toMatch(/Ada Lovelace changed .*· assignee → Grace Hopper$/);
    expect(line).toContain(' 1204567890123456 ');
  });

  it('Asana at 40 columns: the actor, the action and the change', () => {
    const line = formatAsanaEvent(asana, { chalk: plain, now, width: 40 });
    expect(line).toMatch(/^Ada Lovelace changed · assignee → Grace/);
    expect(textWidth(line)).toBeLessThanOrEqual(40);
  });

  it('Box at 50 columns: the actor, the event type and the name', () => {
    const line = formatBoxEvent(box, { chalk: plain, now, width: 50 });
    expect(line).toMatch(/^ada@example\.com ITEM_UPLOAD "Quarterly/);
    expect(textWidth(line)).toBeLessThanOrEqual(50);
  });

  it.each([
    ['Unicode', UNICODE_GLYPHS],
    ['ASCII', ASCII_GLYPHS],
  ])(
    '%s: at every width from 1 to 120 the line fits; from 40 on it keeps the actor and the change',
    (_name, glyphs) => {
      let previous = '';
      for (let width = 1; width <= 120; width++) {
        const line = formatAsanaEvent(asana, { chalk: plain, now, width, glyphs });
        expect([width, textWidth(line) <= width]).toEqual([width, true]);
        if (width >= 40) {
          expect(line, `${width}`).toMatch(/^(\d\d:\d\d:\d\d )?Ada Lovelace changed /);
          expect(line, `${width}`).toContain(`${glyphs.dot} assignee ${glyphs.arrow} Gr`);
        }
        // Wider never shows less of the change.
        const change = (l: string): number => l.slice(l.indexOf(`${glyphs.dot} assignee`)).length;
        if (previous.includes(`${glyphs.dot} assignee`))
          expect(change(line), `${width}`).toBeGreaterThanOrEqual(change(previous));
        previous = line;
        const boxLine = formatBoxEvent(box, { chalk: plain, now, width, glyphs });
        expect([width, textWidth(boxLine) <= width]).toEqual([width, true]);
        if (width >= 40)
          expect(boxLine, `${width}`).toMatch(/^(\d\d:\d\d:\d\d )?ada@example\.com ITEM_UPLOAD (file )?"Qu/);
        if (glyphs === ASCII_GLYPHS) {
          expect(line, `${width}`).toMatch(/^[\x20-\x7e]*$/);
          expect(boxLine, `${width}`).toMatch(/^[\x20-\x7e]*$/);
        }
      }
    },
  );
});

describe('the columns of a line depend on the width, not on its text', () => {
  const variants = [
    asana,
    { ...asana, user: { gid: '1', name: 'Al' }, resource: { ...asana.resource, name: 'Fix' } },
    { ...asana, user: null, change: { field: 'notes', action: 'changed', new_value: 'Update 58' } },
    {
      ...asana,
      action: 'added',
      change: null,
      resource: { gid: '2204567890123456', resource_type: 'story', name: '' },
      parent: { gid: '3', resource_type: 'task', name: 'Design the billing export for the quarter' },
    },
  ];
  const boxVariants = [
    box,
    { ...box, created_by: { login: 'al@x.io' }, source: { ...box.source, name: 'a.txt', parent: { name: 'F' } } },
    { ...box, event_type: 'ITEM_PREVIEW', source: { ...box.source, name: 'Minutes of the long meeting.docx' } },
  ];
  it.each([40, 55, 59, 60, 61, 65, 66, 70, 79, 80, 90, 99, 100, 110, 120])('%i columns', (width) => {
    const columns = (line: string, id: string, type: string): string =>
      [
        /^\d\d:\d\d:\d\d /.test(line) ? 'time' : '',
        line.includes(` ${id}`) ? 'id' : '',
        line.includes(type) ? 'type' : '',
      ]
        .filter(Boolean)
        .join(',');
    const asanaColumns = variants.map((event) =>
      columns(
        formatAsanaEvent(event, { chalk: plain, now, width }),
        event.resource.gid,
        ` ${event.action} ${event.resource.resource_type} `,
      ),
    );
    expect(new Set(asanaColumns), asanaColumns.join(' | ')).toHaveLength(1);
    const boxColumns = boxVariants.map((event) =>
      columns(formatBoxEvent(event, { chalk: plain, now, width }), event.source.id, `${event.event_type} file `),
    );
    expect(new Set(boxColumns), boxColumns.join(' | ')).toHaveLength(1);
  });
});

describe('ASCII under a locale that is not UTF-8', () => {
  it.each([
    [{}, false],
    [{ LANG: 'C' }, false],
    [{ LANG: 'POSIX' }, false],
    [{ LANG: 'en_US.UTF-8' }, true],
    [{ LANG: 'de_DE.utf8' }, true],
    [{ LANG: 'C.UTF-8', LC_ALL: 'C' }, false],
    [{ LANG: 'C', LC_CTYPE: 'en_US.UTF-8' }, true],
    [{ LC_ALL: 'en_GB.UTF-8', LC_CTYPE: 'C' }, true],
    [{ LC_ALL: '', LANG: 'en_US.UTF-8' }, true],
    [{ LANG: 'en_US.ISO-8859-1' }, false],
  ])('%j: UTF-8 %s', (env, utf8) => {
    expect(localeIsUtf8(env)).toBe(utf8);
    expect(glyphsFor(env)).toBe(utf8 ? UNICODE_GLYPHS : ASCII_GLYPHS);
  });

  it('lines use -, -> and ... instead of ·, → and …', () => {
    const line = formatAsanaEvent(asana, { chalk: plain, now, width: 70, glyphs: ASCII_GLYPHS });
    expect(line).toMatch(/^[\x20-\x7e]+$/);
    expect(line).toContain('- assignee -> Grace Hopper');
    expect(line).toMatch(/"A very[^"]*\.\.\."/);
    expect(
      formatAsanaEvent(
        { ...asana, change: { field: 'tags', action: 'removed', removed_value: { name: 'urgent' } } },
        { chalk: plain, now, glyphs: ASCII_GLYPHS },
      ),
    ).toContain(' - tags - urgent');
    expect(cutToWidth('abcdef', 5, '...')).toBe('ab...');
    expect(cutToWidth('abcdef', 2, '...')).toBe('..');
  });
});

describe('the sanitiser removes what hides or breaks text', () => {
  it.each([
    ['line\u2028separator', 'line separator'],
    ['para\u2029graph', 'para graph'],
    ['zero\u200bwidth', 'zerowidth'],
    ['word\u2060joiner', 'wordjoiner'],
    ['\ufeffbom', 'bom'],
    ['arabic\u061cmark', 'arabic mark'],
    ['\u200dlead and trail\u200c', 'lead and trail'],
    ['a \u200d b', 'a  b'],
    // Joiners that carry meaning stay: inside an emoji sequence, between two letters.
    ['👩\u200d💻', '👩\u200d💻'],
    ['می\u200cخواهم', 'می\u200cخواهم'],
  ])('%j -> %j', (input, output) => {
    expect(sanitizeText(input)).toBe(output);
  });
});
