// The human line for a Box event:
//   14:03:22 ada@example.com ITEM_UPLOAD file "Q3 report.pdf" 1234 in "Finance"
import type { ChalkInstance } from 'chalk';
import { clean, fitLine, localTime, type HumanStyle, type Segment } from './human.js';

interface BoxEvent {
  event_type?: unknown;
  created_at?: unknown;
  created_by?: { login?: unknown; name?: unknown; id?: unknown } | null;
  source?: { type?: unknown; id?: unknown; name?: unknown; login?: unknown; item_type?: unknown; item_id?: unknown; item_name?: unknown; parent?: { name?: unknown } | null } | null;
}

/** Colour by family, so a wall of events reads at a glance; stable for a given type. */
export function boxColour(eventType: string, chalk: ChalkInstance): (s: string) => string {
  if (/(TRASH|DELETE|FAILED|LOCKED|REMOVE|DENIED|VIOLATION)/.test(eventType)) return chalk.red;
  if (/(CREATE|UPLOAD|ADD|ACCEPT|RESTORE|UNDELETE)/.test(eventType)) return chalk.green;
  if (/(MOVE|RENAME|UPDATE|EDIT|CHANGE|COPY)/.test(eventType)) return chalk.yellow;
  if (/^(COLLAB|GROUP|SHARE|SHARED)/.test(eventType)) return chalk.magenta;
  if (/(LOGIN|LOGOUT|ADMIN|USER|DEVICE|APPLICATION)/.test(eventType)) return chalk.cyan;
  if (/(PREVIEW|DOWNLOAD|VIEW)/.test(eventType)) return chalk.blue;
  return chalk.white;
}

export function formatBoxEvent(raw: unknown, style: HumanStyle): string {
  const event = (raw ?? {}) as BoxEvent;
  const { chalk } = style;
  const type = clean(event.event_type) || 'EVENT';
  const source = event.source ?? {};
  const by = event.created_by;
  const actor = by ? clean(by.login) || clean(by.name) || clean(by.id) : 'system';
  const name = clean(source.name ?? source.item_name ?? source.login);
  const parent = clean(source.parent?.name);
  const segments: Segment[] = [
    { text: style.prefix ?? '', paint: chalk.dim },
    { text: localTime(event.created_at, style.now), paint: chalk.dim },
    { text: actor, paint: chalk.bold, shrinkable: true },
    { text: type, paint: boxColour(type, chalk) },
    // Enterprise events describe files as item_type/item_id/item_name.
    { text: clean(source.type ?? source.item_type) },
    { text: name, before: '"', after: '"', paint: chalk.cyan, shrinkable: true },
    { text: clean(source.id ?? source.item_id), paint: chalk.dim },
    { text: parent, before: 'in "', after: '"', shrinkable: true },
  ];
  return fitLine(segments, style.width);
}
