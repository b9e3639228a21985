import { describe, expect, it } from 'vitest';
import { buildFilter, checkFilters as checkWith, fieldsNeededBy, type FilterSpec } from '../../src/core/filter.js';
import { FILTER_VALUES } from '../../src/providers/filter-values.js';
import { selectEvents } from '../../src/follow/select.js';

/** The check as `events tail` runs it: with the providers' own tables of values. */
const checkFilters = (spec: FilterSpec, warn: (line: string) => void, providers?: Array<'asana' | 'box'>): void =>
  checkWith(spec, FILTER_VALUES, warn, providers);

const changed = {
  action: 'changed',
  resource: { resource_type: 'task' },
  change: { field: 'completed' },
  user: { gid: '1', name: 'Ada Lovelace' },
};
const added = { action: 'added', resource: { resource_type: 'story' }, change: null, user: null };
const upload = {
  event_type: 'ITEM_UPLOAD',
  source: { type: 'file' },
  created_by: { id: '7', login: 'ada@example.com' },
};

describe('buildFilter', () => {
  it.each([
    [{ actions: ['changed'] }, changed, true],
    [{ actions: ['changed'] }, added, false],
    [{ actions: ['ADDED'] }, added, true],
    [{ fields: ['completed'] }, changed, true],
    [{ fields: ['completed'] }, added, false],
    [{ resourceTypes: ['story', 'task'] }, added, true],
    [{ users: ['ada lovelace'] }, changed, true],
    [{ users: ['1'] }, changed, true],
    [{ users: ['1'] }, added, false],
    [{ actions: ['changed'], users: ['2'] }, changed, false],
  ])('asana %j on %j: %s', (spec, event, expected) => {
    expect(buildFilter(spec, 'asana')!(event)).toBe(expected);
  });

  it.each([
    [{ eventTypes: ['item_upload'] }, true],
    [{ eventTypes: ['ITEM_TRASH'] }, false],
    [{ users: ['ada@example.com'] }, true],
    [{ resourceTypes: ['folder'] }, false],
    // Asana-only flags do not hide Box events.
    [{ actions: ['changed'] }, undefined],
  ])('box %j: %s', (spec, expected) => {
    const filter = buildFilter(spec, 'box');
    expect(filter ? filter(upload) : undefined).toBe(expected);
  });
});

describe('selectEvents', () => {
  it('cuts exactly at the budget and counts what it consumed', () => {
    const budget = { remaining: 2 };
    const result = selectEvents([1, 2, 3, 4, 5], { filter: (e) => e % 2 === 1, budget });
    expect(result).toMatchObject({ events: [1, 3], consumed: 3, dropped: 0, indexes: [0, 2] });
    expect(budget.remaining).toBe(0);
  });

  it('drops repeats before filtering', () => {
    const seen = new Set<unknown>();
    const admit = (e: unknown): boolean => (seen.has(e) ? false : (seen.add(e), true));
    expect(selectEvents([1, 1, 2, 2, 3], { admit })).toEqual({
      events: [1, 2, 3],
      consumed: 5,
      dropped: 2,
      indexes: [0, 2, 4],
      admitted: [0, 2, 4],
    });
  });
});

describe('checkFilters and fieldsNeededBy', () => {
  it('an --action outside the API set is refused with a suggestion; any case is fine', () => {
    const warnings: string[] = [];
    expect(() => checkFilters({ actions: ['chaned'] }, (l) => warnings.push(l))).toThrow(/not "chaned"/);
    expect(() => checkFilters({ actions: ['Changed', 'ADDED'] }, (l) => warnings.push(l))).not.toThrow();
    expect(warnings).toEqual([]);
  });

  it('an unknown Box event type warns once per value; known ones in any case do not', () => {
    const warnings: string[] = [];
    checkFilters({ eventTypes: ['item_upload', 'LOGIN', 'ITEM_UPLAOD', 'SOMETHING_NEW'] }, (l) => warnings.push(l));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/ITEM_UPLAOD .*did you mean ITEM_UPLOAD\?/);
    expect(warnings[1]).toMatch(/SOMETHING_NEW/);
  });

  it("--resource-type and --field outside the spec's values are refused with a suggestion", () => {
    const warnings: string[] = [];
    expect(() => checkFilters({ resourceTypes: ['tsk'] }, (l) => warnings.push(l))).toThrow(
      /--resource-type must be an Asana resource type .*not "tsk"/,
    );
    expect(() => checkFilters({ resourceTypes: ['tsk'] }, (l) => warnings.push(l))).toThrow(
      expect.objectContaining({ hint: 'did you mean task?' }),
    );
    expect(() => checkFilters({ fields: ['complted'] }, (l) => warnings.push(l))).toThrow(
      expect.objectContaining({ hint: 'did you mean completed?' }),
    );
    expect(() =>
      checkFilters(
        { resourceTypes: ['Task', 'story', 'section'], fields: ['Completed', 'due_on', 'custom_fields', 'assignee'] },
        (l) => warnings.push(l),
      ),
    ).not.toThrow();
    expect(warnings).toEqual([]);
  });

  it("with Box followed too, an unknown --resource-type is a warning; Box's own types pass", () => {
    const warnings: string[] = [];
    checkFilters({ resourceTypes: ['file', 'FOLDER', 'task', 'fiel'] }, (l) => warnings.push(l), ['asana', 'box']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/--resource-type fiel .*did you mean file\?/);
    expect(() => checkFilters({ resourceTypes: ['file'] }, () => undefined, ['asana'])).toThrow(/not "file"/);
  });

  it.each([
    [{ actions: ['added'] }, ['action']],
    [{ fields: ['completed'] }, ['change.field']],
    [{ resourceTypes: ['task'] }, ['resource', 'type']],
    [{ users: ['ada'] }, ['user', 'user.name']],
    [{ eventTypes: ['LOGIN'] }, []],
  ])('%j needs %j', (spec, fields) => {
    expect(fieldsNeededBy(spec)).toEqual(fields);
  });
});
