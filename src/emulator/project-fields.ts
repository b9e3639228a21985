// Asana's opt_fields projection: `assignee.name` keeps the assignee's gid and name, `completed`
// keeps one field, and every object keeps its gid (events have none and get none).
type Json = unknown;

export function projectFields(
  value: Record<string, unknown>,
  fields: string[],
  keepGid: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (keepGid && 'gid' in value) out['gid'] = value['gid'];
  for (const field of fields) merge(out, value, field.split('.'));
  return out;
}

function merge(out: Record<string, unknown>, source: Record<string, unknown>, path: string[]): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (!(head in source)) return;
  const value = source[head];
  if (rest.length === 0) {
    out[head] = shallow(value);
    return;
  }
  if (value === null || typeof value !== 'object') {
    out[head] = value ?? null;
    return;
  }
  if (Array.isArray(value)) {
    const existing = Array.isArray(out[head]) ? (out[head] as Array<Record<string, unknown>>) : value.map(() => ({}));
    value.forEach((item, i) => {
      if (item && typeof item === 'object')
        merge(withGid(existing[i]!, item as Record<string, unknown>), item as Record<string, unknown>, rest);
    });
    out[head] = existing;
    return;
  }
  const target = out[head] && typeof out[head] === 'object' ? (out[head] as Record<string, unknown>) : {};
  merge(withGid(target, value as Record<string, unknown>), value as Record<string, unknown>, rest);
  out[head] = target;
}

function withGid(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  if ('gid' in source) target['gid'] = source['gid'];
  return target;
}

/** A field asked for by itself: objects shrink to their compact form, as Asana does. */
function shallow(value: Json): Json {
  if (Array.isArray(value)) return value.map(shallow);
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if ('gid' in v) return { gid: v['gid'], resource_type: v['resource_type'] };
    return v;
  }
  return value;
}
