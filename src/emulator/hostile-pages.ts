// Hostile answers (issue 23): a 200 (or 412) that arrives whole, with the right status and
// Content-Length, yet is not a page of the API. Each one is the real answer with one field
// broken, so the events the client must not write are the very events it reads again once the
// fault has passed. Every hostile page that still holds an array of events carries one more,
// HOSTILE_MARKER, so a test sees at a glance whether anything of it was written.
import { scanPage } from '../lib/json-scan.js';
import type { Reply } from './reply.js';

export const HOSTILE_KINDS = [
  'sync-empty',
  'sync-null',
  'sync-missing',
  'sync-huge',
  'data-not-array',
  'has-more-string',
  'truncated-json',
  'position-empty',
  'position-huge',
  'entries-not-array',
] as const;

export type HostileKind = (typeof HOSTILE_KINDS)[number];

export function isHostileKind(kind: string): kind is HostileKind {
  return (HOSTILE_KINDS as readonly string[]).includes(kind);
}

/** The event a hostile page adds (Asana's `action`, Box's `event_type`): it must never be written. */
export const HOSTILE_MARKER = 'hostile-page';

/** A cursor of 1 MiB: stored, every later request line would be refused (431). */
const HUGE = 1024 * 1024;

const ARRAY_KEY = { asana: 'data', box: 'entries' } as const;

/** The real answer with the field this fault breaks; an answer without that field goes out as it is. */
export function hostileReply(kind: HostileKind, vendor: 'asana' | 'box', real: Reply): Reply {
  if (kind === 'truncated-json') return { ...real, body: real.body.slice(0, Math.floor(real.body.length / 2)) };
  // A 412 has no events, only the fresh sync: break that one.
  if (real.status === 412) return vendor === 'asana' ? { ...real, body: broken412(kind, real.body) } : real;
  if (real.status !== 200) return real;
  const key = ARRAY_KEY[vendor];
  const page = scanPage(real.body, key);
  if (!page) return real;
  const marker =
    vendor === 'asana'
      ? `{"action":"${HOSTILE_MARKER}","created_at":"2000-01-01T00:00:00.000Z","resource":{"gid":"1","resource_type":"task"},"type":"task","user":null,"parent":null}`
      : `{"type":"event","event_id":"${HOSTILE_MARKER}","event_type":"${HOSTILE_MARKER}","created_at":"2000-01-01T00:00:00+00:00"}`;
  const items = [marker, ...page.items];
  const fields = new Map(page.fields);
  fields.set(key, `[${items.join(',')}]`);
  switch (kind) {
    case 'sync-empty':
      fields.set('sync', '""');
      break;
    case 'sync-null':
      fields.set('sync', 'null');
      break;
    case 'sync-missing':
      fields.delete('sync');
      break;
    case 'sync-huge':
      fields.set('sync', `"${'f'.repeat(HUGE)}"`);
      break;
    case 'has-more-string':
      fields.set('has_more', JSON.stringify(String(fields.get('has_more'))));
      break;
    case 'position-empty':
      fields.set('next_stream_position', '""');
      break;
    case 'position-huge':
      fields.set('next_stream_position', `"${'9'.repeat(HUGE)}"`);
      break;
    case 'data-not-array':
    case 'entries-not-array':
      // The events keyed by their place, as a careless proxy's XML-to-JSON step writes a list.
      fields.set(key, `{${items.map((item, i) => `"${i}":${item}`).join(',')}}`);
      break;
  }
  return { ...real, body: `{${[...fields].map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}` };
}

function broken412(kind: HostileKind, text: string): string {
  const body = JSON.parse(text) as Record<string, unknown>;
  if (kind === 'sync-empty') body['sync'] = '';
  else if (kind === 'sync-null') body['sync'] = null;
  else if (kind === 'sync-missing') delete body['sync'];
  else if (kind === 'sync-huge') body['sync'] = 'f'.repeat(HUGE);
  return JSON.stringify(body);
}
