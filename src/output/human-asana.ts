// The human line for an Asana event:
//   14:03:22 Ada Lovelace changed task "Write the spec" 1204 · assignee → Grace Hopper
// (with ASCII stand-ins for ·, → and − when the locale is not UTF-8: see glyphs.ts)
import type { ChalkInstance } from 'chalk';
import { UNICODE_GLYPHS, type Glyphs } from './glyphs.js';
import { clean, fitLine, localTime, type HumanStyle, type Segment } from './human.js';

interface Compact {
  gid?: unknown;
  name?: unknown;
  resource_type?: unknown;
}

interface AsanaEvent {
  user?: Compact | null;
  resource?: Compact | null;
  parent?: Compact | null;
  type?: unknown;
  action?: unknown;
  created_at?: unknown;
  change?: {
    field?: unknown;
    action?: unknown;
    new_value?: unknown;
    added_value?: unknown;
    removed_value?: unknown;
  } | null;
}

const ACTION_COLOURS: Record<string, (c: ChalkInstance) => ChalkInstance> = {
  added: (c) => c.green,
  removed: (c) => c.magenta,
  changed: (c) => c.yellow,
  deleted: (c) => c.red,
  undeleted: (c) => c.cyan,
};

function named(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return clean(value);
  const v = value as Compact;
  if (typeof v.name === 'string' && v.name !== '') return clean(v.name);
  return clean(v.gid ?? '');
}

export function changeSummary(event: AsanaEvent, glyphs: Glyphs = UNICODE_GLYPHS): string {
  const action = clean(event.action);
  const change = event.change;
  if (action === 'changed' && change) {
    const field = clean(change.field) || 'field';
    if (change.new_value !== undefined && change.new_value !== null)
      return `${field} ${glyphs.arrow} ${named(change.new_value)}`;
    if (change.added_value !== undefined && change.added_value !== null)
      return `${field} + ${named(change.added_value)}`;
    if (change.removed_value !== undefined && change.removed_value !== null)
      return `${field} ${glyphs.minus} ${named(change.removed_value)}`;
    return change.action && change.action !== 'changed' ? `${field} ${clean(change.action)}` : field;
  }
  const parent = event.parent;
  if (parent && (action === 'added' || action === 'removed')) {
    const where = `${clean(parent.resource_type) || 'parent'} ${quote(named(parent))}`;
    return action === 'added' ? `to ${where}` : `from ${where}`;
  }
  return '';
}

function quote(text: string): string {
  return text ? `"${text}"` : '';
}

/**
 * Which columns a line has depends on the terminal width alone, so the lines line up: the gid from
 * 100 columns, the resource type from 80, the time from 66, the name from 56. Still too wide, it
 * gives way in this order: the name shrinks to 12 columns, then 6, the prefix to 8, the change to
 * 16, the actor to 10, the change to 10, then both to "…". The actor, the action and the change
 * stay longest: at 40 columns `Ada Lovelace changed · assignee → Grac…`.
 */
export function formatAsanaEvent(raw: unknown, style: HumanStyle): string {
  const event = (raw ?? {}) as AsanaEvent;
  const { chalk } = style;
  const glyphs = style.glyphs ?? UNICODE_GLYPHS;
  const action = clean(event.action) || 'event';
  const paintAction = (ACTION_COLOURS[action] ?? ((c: ChalkInstance) => c.white))(chalk);
  const resource = event.resource ?? {};
  const summary = changeSummary(event, glyphs);
  const segments: Segment[] = [
    { text: style.prefix ?? '', paint: chalk.dim, giveWay: [[60, 8]] },
    { text: localTime(event.created_at, style.now), paint: chalk.dim, showFrom: 66 },
    {
      text: event.user ? named(event.user) : 'system',
      paint: chalk.bold,
      giveWay: [
        [80, 10],
        [90, 1],
      ],
    },
    { text: action, paint: paintAction },
    { text: clean(resource.resource_type ?? event.type), showFrom: 80 },
    {
      text: clean(resource.name),
      before: '"',
      after: '"',
      paint: chalk.cyan,
      showFrom: 56,
      giveWay: [
        [10, 12],
        [45, 6],
      ],
    },
    { text: clean(resource.gid), paint: chalk.dim, showFrom: 100 },
    {
      text: summary,
      before: `${glyphs.dot} `,
      giveWay: [
        [70, 16],
        [85, 10],
        [95, 1],
      ],
    },
  ];
  return fitLine(segments, style.width, glyphs);
}
