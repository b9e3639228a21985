// The human line for a Box event:
//   14:03:22 ada@example.com ITEM_UPLOAD file "Q3 report.pdf" 1234 in "Finance"
import type { ChalkInstance } from 'chalk';
import { UNICODE_GLYPHS } from './glyphs.js';
import { clean, fitLine, localTime, type HumanStyle, type Segment } from './human.js';

interface BoxEvent {
  event_type?: unknown;
  created_at?: unknown;
  created_by?: { login?: unknown; name?: unknown; id?: unknown } | null;
  source?: {
    type?: unknown;
    id?: unknown;
    name?: unknown;
    login?: unknown;
    item_type?: unknown;
    item_id?: unknown;
    item_name?: unknown;
    parent?: { name?: unknown } | null;
  } | null;
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

/**
 * Which columns a line has depends on the terminal width alone, so the lines line up: the parent
 * folder from 110 columns, the id from 100, the source type from 80, the time from 60. Still too
 * wide, it gives way in this order: the parent shrinks to 8 columns, the name to 12, the prefix to
 * 8, the name to 6, the actor to 10, then the actor and the name to "…". The actor, the event
 * type and the name stay longest.
 */
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
    { text: style.prefix ?? '', paint: chalk.dim, giveWay: [[60, 8]] },
    { text: localTime(event.created_at, style.now), paint: chalk.dim, showFrom: 60 },
    {
      text: actor,
      paint: chalk.bold,
      giveWay: [
        [70, 10],
        [90, 1],
      ],
    },
    { text: type, paint: boxColour(type, chalk) },
    // Enterprise events describe files as item_type/item_id/item_name.
    { text: clean(source.type ?? source.item_type), showFrom: 80 },
    {
      text: name,
      before: '"',
      after: '"',
      paint: chalk.cyan,
      giveWay: [
        [50, 12],
        [65, 6],
        [95, 1],
      ],
    },
    { text: clean(source.id ?? source.item_id), paint: chalk.dim, showFrom: 100 },
    {
      text: parent,
      before: 'in "',
      after: '"',
      showFrom: 110,
      giveWay: [[10, 8]],
    },
  ];
  return fitLine(segments, style.width, style.glyphs ?? UNICODE_GLYPHS);
}
