// --action, --resource-type, --field, --user (Asana) and --event-type (Box): which events are
// printed. Values of one flag are alternatives; different flags must all match. Filtering
// happens after reading, so the cursor still moves past events that were not printed: a value
// that can never match would silently eat events, so values are checked against the APIs' sets
// first, and the fields a filter reads are always requested.
import { badValue } from './bounds.js';
import { closest, orList } from '../lib/suggest.js';

export interface FilterSpec {
  actions?: string[];
  resourceTypes?: string[];
  fields?: string[];
  users?: string[];
  eventTypes?: string[];
}

/**
 * The values the services' events can carry in the fields the filters read. These are vendor
 * tables from the official specs: the providers own them and pass them in
 * (providers/filter-values.ts), so the core knows no vendor's list.
 */
export interface FilterValues {
  asana: {
    /** Event.action: a closed set. */
    actions: readonly string[];
    /** Event.resource.resource_type: a closed set. */
    resourceTypes: readonly string[];
    /** Event.change.field: a closed set. */
    changeFields: readonly string[];
  };
  box: {
    /** Event.event_type: open (Box adds types over time). */
    eventTypes: readonly string[];
    /** Event.source.type: open (a source can be of a generic type). */
    sourceTypes: readonly string[];
  };
}

/**
 * Refuses filter values that can never match where the API has a closed set (--action, and
 * --resource-type and --field on Asana: the spec's values in `values`), and warns where the set
 * is open (Box adds event types over time; a Box source can be of a generic type).
 * `providers`: which services the command follows (a resource type of either is fine).
 */
export function checkFilters(
  spec: FilterSpec,
  values: FilterValues,
  warn: (line: string) => void,
  providers: ReadonlyArray<'asana' | 'box'> = ['asana'],
): void {
  const { actions, resourceTypes, changeFields } = values.asana;
  const { eventTypes, sourceTypes } = values.box;
  for (const action of spec.actions ?? []) {
    if (actions.includes(action.toLowerCase())) continue;
    const guess = closest(action, actions);
    throw badValue('--action', orList(actions), action, 'changed', guess ? `did you mean ${guess}?` : undefined);
  }
  for (const type of spec.eventTypes ?? []) {
    if (eventTypes.includes(type.toUpperCase())) continue;
    const guess = closest(type, eventTypes);
    warn(
      `warning: --event-type ${type} is not a Box event type this version knows${guess ? ` (did you mean ${guess}?)` : ''}; events of other types are not printed`,
    );
  }
  const asana = providers.includes('asana');
  const box = providers.includes('box');
  const types = [...(asana ? resourceTypes : []), ...(box ? sourceTypes : [])];
  for (const type of spec.resourceTypes ?? []) {
    if (types.includes(type.toLowerCase())) continue;
    const guess = closest(type, types);
    if (box) {
      warn(
        `warning: --resource-type ${type} is not a resource type this version knows${guess ? ` (did you mean ${guess}?)` : ''}; events on other types are not printed`,
      );
      continue;
    }
    throw badValue(
      '--resource-type',
      'an Asana resource type (task, story, project, section, ...)',
      type,
      'task',
      guess ? `did you mean ${guess}?` : "see resource_type in Asana's API reference",
    );
  }
  for (const field of asana ? (spec.fields ?? []) : []) {
    if (changeFields.includes(field.toLowerCase())) continue;
    const guess = closest(field, changeFields);
    throw badValue(
      '--field',
      'a field of an Asana resource (completed, assignee, due_on, name, custom_fields, ...)',
      field,
      'completed',
      guess ? `did you mean ${guess}?` : "a custom field's change is --field custom_fields",
    );
  }
}

/** The Asana opt_fields each filter reads: with --fields, they are requested as well. */
export function fieldsNeededBy(spec: FilterSpec): string[] {
  const needed: string[] = [];
  if (spec.actions?.length) needed.push('action');
  if (spec.fields?.length) needed.push('change.field');
  if (spec.resourceTypes?.length) needed.push('resource', 'type');
  if (spec.users?.length) needed.push('user', 'user.name');
  return needed;
}

export type EventFilter = (event: unknown) => boolean;

type Obj = Record<string, unknown>;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const lower = (list: string[] | undefined): string[] | undefined =>
  list?.length ? list.map((s) => s.toLowerCase()) : undefined;

/** The filter flags as a person typed them, e.g. "--resource-type tsk --user ada". */
export function describeFilters(spec: FilterSpec): string {
  const flags: Array<[keyof FilterSpec, string]> = [
    ['actions', '--action'],
    ['resourceTypes', '--resource-type'],
    ['fields', '--field'],
    ['users', '--user'],
    ['eventTypes', '--event-type'],
  ];
  return flags.flatMap(([key, flag]) => (spec[key]?.length ? [`${flag} ${spec[key].join(',')}`] : [])).join(' ');
}

export function isEmptyFilter(spec: FilterSpec): boolean {
  return !Object.values(spec).some((list) => Array.isArray(list) && list.length > 0);
}

/** The filter for one provider's events; undefined when nothing is filtered. */
export function buildFilter(spec: FilterSpec, provider: 'asana' | 'box'): EventFilter | undefined {
  const actions = lower(spec.actions);
  const types = lower(spec.resourceTypes);
  const fields = lower(spec.fields);
  const users = lower(spec.users);
  const eventTypes = lower(spec.eventTypes);
  const tests: EventFilter[] = [];
  if (provider === 'asana') {
    if (actions) tests.push((e) => actions.includes(str(obj(e)?.['action'])?.toLowerCase() ?? ''));
    if (fields) tests.push((e) => fields.includes(str(obj(obj(e)?.['change'])?.['field'])?.toLowerCase() ?? ''));
    if (types)
      tests.push((e) =>
        types.includes(
          (str(obj(obj(e)?.['resource'])?.['resource_type']) ?? str(obj(e)?.['type']) ?? '').toLowerCase(),
        ),
      );
    if (users) tests.push((e) => matchesUser(obj(obj(e)?.['user']), users));
  } else {
    if (eventTypes) tests.push((e) => eventTypes.includes(str(obj(e)?.['event_type'])?.toLowerCase() ?? ''));
    if (types)
      tests.push((e) =>
        types.includes(
          (str(obj(obj(e)?.['source'])?.['type']) ?? str(obj(obj(e)?.['source'])?.['item_type']) ?? '').toLowerCase(),
        ),
      );
    if (users) tests.push((e) => matchesUser(obj(obj(e)?.['created_by']), users));
  }
  if (!tests.length) return undefined;
  return (event) => tests.every((test) => test(event));
}

/** A user given as gid/id, name or login (e-mail), compared without case. */
function matchesUser(user: Obj | undefined, wanted: string[]): boolean {
  if (!user) return false;
  const names = [user['gid'], user['id'], user['name'], user['login'], user['email']]
    .map(str)
    .filter((s): s is string => s !== undefined)
    .map((s) => s.toLowerCase());
  return names.some((n) => wanted.includes(n));
}
