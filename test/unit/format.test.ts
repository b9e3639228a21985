import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { changeSummary, formatAsanaEvent } from '../../src/output/human-asana.js';
import { fitLine } from '../../src/output/human.js';
import { eventLines, META_KEY, noticeLine } from '../../src/output/json.js';
import { sanitizeText } from '../../src/lib/sanitize.js';
import { colorLevel } from '../../src/output/color.js';

const plain = new Chalk({ level: 0 });
const now = new Date('2026-11-24T15:00:00');
const at = new Date('2026-11-24T14:03:22').toISOString();
const user = { gid: '9', resource_type: 'user', name: 'Ada Lovelace' };
const task = { gid: '1302', resource_type: 'task', name: 'Write the spec' };

describe('human Asana line', () => {
  it('shows time, actor, action, type, name, gid and the change', () => {
    const event = {
      user,
      created_at: at,
      action: 'changed',
      resource: task,
      parent: null,
      change: {
        field: 'assignee',
        action: 'changed',
        new_value: { gid: '10', resource_type: 'user', name: 'Grace Hopper' },
      },
    };
    expect(formatAsanaEvent(event, { chalk: plain, now })).toBe(
      '14:03:22 Ada Lovelace changed task "Write the spec" 1302 · assignee → Grace Hopper',
    );
  });

  it.each([
    [{ action: 'added', parent: { gid: '5', resource_type: 'section', name: 'Doing' } }, 'to section "Doing"'],
    [{ action: 'removed', parent: { gid: '5', resource_type: 'project', name: 'Launch' } }, 'from project "Launch"'],
    [{ action: 'changed', change: { field: 'completed', action: 'changed' } }, 'completed'],
    [
      { action: 'changed', change: { field: 'followers', action: 'added', added_value: { gid: '1', name: 'Bo' } } },
      'followers + Bo',
    ],
    [
      { action: 'changed', change: { field: 'tags', action: 'removed', removed_value: { gid: '2', name: 'urgent' } } },
      'tags − urgent',
    ],
    [{ action: 'deleted' }, ''],
  ])('summary of %j is %j', (event, summary) => {
    expect(changeSummary(event)).toBe(summary);
  });

  it('says system when the user is null and shows dates that are not today', () => {
    const line = formatAsanaEvent(
      { user: null, created_at: '2026-11-20T10:00:00.000Z', action: 'deleted', resource: task },
      { chalk: plain, now },
    );
    expect(line).toMatch(/^2026-11-20 \d\d:00:00 system deleted task "Write the spec" 1302$/);
  });

  it('strips ANSI and control characters from server text', () => {
    const evil = { ...task, name: 'x\u001b]0;pwned\u0007y\u001b[31mred\nz' };
    const line = formatAsanaEvent(
      { user, created_at: at, action: 'changed', resource: evil, change: { field: 'name' } },
      { chalk: plain, now },
    );
    expect(line).not.toMatch(/[\u0000-\u001f]/);
    expect(line).toContain('"xyred z"');
  });

  it('colours the action, the same colour for the same action every time', () => {
    const colour = new Chalk({ level: 1 });
    const a = formatAsanaEvent({ user, created_at: at, action: 'added', resource: task }, { chalk: colour, now });
    const b = formatAsanaEvent(
      { user, created_at: at, action: 'added', resource: { ...task, name: 'other' } },
      { chalk: colour, now },
    );
    expect(a).toContain('\u001b[32madded');
    expect(b).toContain('\u001b[32madded');
    expect(
      formatAsanaEvent({ user, created_at: at, action: 'deleted', resource: task }, { chalk: colour, now }),
    ).toContain('\u001b[31mdeleted');
  });

  it('fits the terminal width, shortening the name first and keeping the change', () => {
    const long = { ...task, name: 'A very long task name that goes on and on and on' };
    const event = {
      user,
      created_at: at,
      action: 'changed',
      resource: long,
      change: { field: 'assignee', action: 'changed', new_value: { name: 'Grace Hopper' } },
    };
    for (const width of [60, 70, 80, 100]) {
      const line = formatAsanaEvent(event, { chalk: plain, now, width });
      expect(line.length).toBeLessThanOrEqual(width);
      expect(line).toMatch(/Ada Lovelace changed .*· assignee → Grace Hopper$/);
    }
    expect(
      formatAsanaEvent(event, { chalk: plain, now, width: 80 }).startsWith(
        '14:03:22 Ada Lovelace changed task "A very',
      ),
    ).toBe(true);
    expect(fitLine([{ text: 'abcdef' }, { text: 'ghijkl' }], 8).length).toBeLessThanOrEqual(8);
  });
});

describe('JSON lines', () => {
  const origin = { provider: 'asana', subscription: '1201', group: 'default' };

  it('keeps the event unchanged at top level and adds the reserved key', () => {
    const event = {
      user,
      created_at: at,
      action: 'changed',
      resource: task,
      parent: null,
      change: { field: 'name', action: 'changed' },
    };
    const lines = eventLines([event, { action: 'added' }], origin, '2026-11-24T15:00:00.000Z').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    const first = JSON.parse(lines[0]!);
    const { [META_KEY]: meta, ...rest } = first;
    expect(rest).toEqual(event);
    expect(meta).toEqual({ kind: 'event', ...origin, received_at: '2026-11-24T15:00:00.000Z' });
    expect(JSON.parse(lines[1]!).action).toBe('added');
  });

  it('handles an empty object and keeps control characters escaped', () => {
    const lines = eventLines([{}, { name: 'a\u001b[31mb' }], origin, 't');
    expect(JSON.parse(lines.split('\n')[0]!)).toEqual({ [META_KEY]: { kind: 'event', ...origin, received_at: 't' } });
    expect(lines).not.toContain('\u001b');
  });

  it('notices carry only the reserved key', () => {
    const record = JSON.parse(noticeLine('resync', origin, { reason: 'cursor expired' }));
    expect(Object.keys(record)).toEqual([META_KEY]);
    expect(record[META_KEY]).toMatchObject({ kind: 'resync', ...origin, reason: 'cursor expired' });
  });
});

describe('colour choice', () => {
  it.each([
    ['auto', {}, true, 1],
    ['auto', {}, false, 0],
    ['auto', { NO_COLOR: '1' }, true, 0],
    ['auto', { NO_COLOR: '' }, true, 1],
    ['auto', { TERM: 'dumb' }, true, 0],
    ['auto', { FORCE_COLOR: '1' }, false, 1],
    ['auto', { FORCE_COLOR: '0' }, true, 0],
    ['auto', { FORCE_COLOR: '3', NO_COLOR: '1' }, false, 3],
    ['always', {}, false, 1],
    ['always', { NO_COLOR: '1' }, false, 1],
    ['never', { FORCE_COLOR: '3' }, true, 0],
    ['auto', { TERM: 'xterm-256color' }, true, 2],
  ] as const)('%s with %j on tty=%s gives level %i', (choice, env, tty, level) => {
    expect(colorLevel(choice, env, tty)).toBe(level);
  });
});

describe('sanitizeText', () => {
  it.each([
    ['plain', 'plain'],
    ['\u001b[1;31mbold red\u001b[0m', 'bold red'],
    ['title\u001b]0;evil\u0007end', 'titleend'],
    ['line\nbreak\ttab', 'line break tab'],
    ['bidi\u202eevil', 'bidi evil'],
  ])('%j -> %j', (input, output) => {
    expect(sanitizeText(input)).toBe(output);
  });
});
