// --action, --resource-type, --field, --user (Asana) and --event-type (Box): which events are
// printed. Values of one flag are alternatives; different flags must all match. Filtering
// happens after reading, so the cursor still moves past events that were not printed.

export interface FilterSpec {
  actions?: string[];
  resourceTypes?: string[];
  fields?: string[];
  users?: string[];
  eventTypes?: string[];
}

export type EventFilter = (event: unknown) => boolean;

type Obj = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const lower = (list: string[] | undefined): string[] | undefined => (list?.length ? list.map((s) => s.toLowerCase()) : undefined);

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
    if (types) tests.push((e) => types.includes((str(obj(obj(e)?.['resource'])?.['resource_type']) ?? str(obj(e)?.['type']) ?? '').toLowerCase()));
    if (users) tests.push((e) => matchesUser(obj(obj(e)?.['user']), users));
  } else {
    if (eventTypes) tests.push((e) => eventTypes.includes(str(obj(e)?.['event_type'])?.toLowerCase() ?? ''));
    if (types) tests.push((e) => types.includes((str(obj(obj(e)?.['source'])?.['type']) ?? str(obj(obj(e)?.['source'])?.['item_type']) ?? '').toLowerCase()));
    if (users) tests.push((e) => matchesUser(obj(obj(e)?.['created_by']), users));
  }
  if (!tests.length) return undefined;
  return (event) => tests.every((test) => test(event));
}

/** A user given as gid/id, name or login (e-mail), compared without case. */
function matchesUser(user: Obj | undefined, wanted: string[]): boolean {
  if (!user) return false;
  const names = [user['gid'], user['id'], user['name'], user['login'], user['email']].map(str).filter((s): s is string => s !== undefined).map((s) => s.toLowerCase());
  return names.some((n) => wanted.includes(n));
}
