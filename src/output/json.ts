// JSON Lines: one object per line. An event line is the API's event object unchanged at top
// level plus one reserved key, "_events", that neither API uses. Records that are not events
// (resync notices, snapshots) carry only that key's object, with a different `kind`.
import { EventBatch } from '../core/event-batch.js';
import type { RecordNoticeKind, RecordOrigin } from '../core/record-sink.js';

export const META_KEY = '_events';

/**
 * Serialises a page in one pass; the metadata is the same for every event of a page. An event
 * whose exact text is known (a compact object, see json-scan.ts) is passed through as sent, the
 * key spliced in before its closing brace; others are serialised.
 */
export function eventLines(events: EventBatch | readonly unknown[], origin: RecordOrigin, receivedAt: string): string {
  const batch = events instanceof EventBatch ? events : EventBatch.fromValues(events);
  const meta = `,"${META_KEY}":${JSON.stringify({ kind: 'event', ...origin, received_at: receivedAt })}}`;
  let out = '';
  for (let i = 0; i < batch.length; i++) {
    const raw = batch.text(i);
    if (raw !== undefined) {
      out += raw.length === 2 ? `{${meta.slice(1)}\n` : `${raw.slice(0, -1)}${meta}\n`;
      continue;
    }
    const event = batch.value(i);
    if (event === null || typeof event !== 'object' || Array.isArray(event)) {
      out += `${JSON.stringify({ value: event })}`.slice(0, -1) + `${meta}\n`;
      continue;
    }
    const text = JSON.stringify(event);
    // Splice the key in before the closing brace instead of copying every event object.
    out += text === '{}' ? `{${meta.slice(1)}\n` : `${text.slice(0, -1)}${meta}\n`;
  }
  return out;
}

/** Snapshot records: the resource object unchanged at top level, like events. */
export function snapshotLines(
  items: readonly { resourceType: string; data: unknown }[],
  origin: RecordOrigin,
  receivedAt: string,
): string {
  let out = '';
  for (const item of items) {
    const meta = JSON.stringify({
      kind: 'snapshot',
      ...origin,
      received_at: receivedAt,
      resource_type: item.resourceType,
    });
    const text = JSON.stringify(item.data ?? {});
    out +=
      text.startsWith('{') && text !== '{}'
        ? `${text.slice(0, -1)},"${META_KEY}":${meta}}\n`
        : `{"value":${text},"${META_KEY}":${meta}}\n`;
  }
  return out;
}

export function noticeLine(kind: RecordNoticeKind, origin: RecordOrigin, fields: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ [META_KEY]: { kind, ...origin, received_at: new Date().toISOString(), ...fields } })}\n`;
}
