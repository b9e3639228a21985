// Turns what a user types or pastes (a gid, a browser URL, workspace:<gid>, box:<stream>) into a
// subscription reference. Pure: no network, so a typo fails before any request.
import { UsageError } from './errors.js';
import { closest } from '../lib/suggest.js';

export type AsanaResourceType = 'project' | 'task' | 'goal';
export const BOX_STREAM_TYPES = ['all', 'changes', 'sync', 'admin_logs', 'admin_logs_streaming'] as const;
export type BoxStreamType = (typeof BOX_STREAM_TYPES)[number];

export type Reference =
  | { provider: 'asana'; kind: 'resource'; gid: string; resourceType?: AsanaResourceType; id: string; label: string }
  | { provider: 'asana'; kind: 'workspace'; gid: string; id: string; label: string }
  /** An expander: no cursor of its own; every project it lists becomes a resource subscription. */
  | { provider: 'asana'; kind: 'projects' | 'team'; gid: string; id: string; label: string }
  | { provider: 'box'; kind: 'stream'; streamType: BoxStreamType; id: string; label: string };

export const ACCEPTED_FORMS = [
  '<gid> (a task, project or goal)',
  'https://app.asana.com/0/<project>/list | /board | /<task> | /<task>/f',
  'https://app.asana.com/1/<workspace>/project/<project>[/list] | /project/<project>/task/<task> | /task/<task>',
  'workspace:<gid>',
  'projects:<workspace gid> (every non-archived project)',
  'team:<team gid> (every non-archived project of the team)',
  'box | box:all | box:changes | box:sync | box:admin_logs | box:admin_logs_streaming',
];

const GID = /^\d{1,30}$/;
// Views of a project in the /0/ URL form: the last segment names a view, not a task.
const PROJECT_VIEWS = new Set([
  'list',
  'board',
  'timeline',
  'calendar',
  'overview',
  'progress',
  'files',
  'messages',
  'dashboard',
  'workflow',
]);

export type Expander = Extract<Reference, { kind: 'projects' | 'team' }>;

/** projects:<gid> and team:<gid> stand for a list of projects, read through the API. */
export function isExpander(ref: Reference): ref is Expander {
  return ref.kind === 'projects' || ref.kind === 'team';
}

/** The subscription of one listed project: the same id (and cursor) as `events tail <gid>`. */
export function projectReference(gid: string): Reference {
  return resource(gid, 'project');
}

function resource(gid: string, resourceType?: AsanaResourceType): Reference {
  // The id is the gid alone: a bare gid and a URL of the same project share one cursor.
  return {
    provider: 'asana',
    kind: 'resource',
    gid,
    resourceType,
    id: gid,
    label: `${resourceType ?? 'resource'} ${gid}`,
  };
}

function fromAsanaUrl(url: URL): Reference | undefined {
  if (url.hostname !== 'app.asana.com') return undefined;
  const parts = url.pathname.split('/').filter(Boolean);
  const isGid = (s: string | undefined): s is string => s !== undefined && GID.test(s);
  if (parts[0] === '0') {
    // /0/<project>/<task>[/f]  |  /0/<project>/<view>  |  /0/goal/<gid>
    const [, a, b] = parts;
    if (a === 'goal' && isGid(b)) return resource(b, 'goal');
    if (!isGid(a)) return undefined;
    if (isGid(b) && b !== '0') return resource(b, 'task');
    if (b === undefined || PROJECT_VIEWS.has(b)) return a === '0' ? undefined : resource(a, 'project');
    return undefined;
  }
  if (parts[0] === '1' && isGid(parts[1])) {
    // /1/<workspace>/project/<p>[/view][/task/<t>] | /1/<workspace>/task/<t> | /1/<workspace>/goal/<g>
    const rest = parts.slice(2);
    const taskAt = rest.indexOf('task');
    if (taskAt >= 0 && isGid(rest[taskAt + 1])) return resource(rest[taskAt + 1]!, 'task');
    if (rest[0] === 'project' && isGid(rest[1])) return resource(rest[1], 'project');
    if (rest[0] === 'goal' && isGid(rest[1])) return resource(rest[1], 'goal');
  }
  return undefined;
}

export function parseReference(input: string): Reference {
  const text = input.trim();
  if (GID.test(text)) return resource(text);
  const workspace = /^workspace:(\d{1,30})$/.exec(text);
  if (workspace) {
    const gid = workspace[1]!;
    return { provider: 'asana', kind: 'workspace', gid, id: `workspace:${gid}`, label: `workspace ${gid}` };
  }
  const expander = /^(projects|team):(\d{1,30})$/.exec(text);
  if (expander) {
    const kind = expander[1] as 'projects' | 'team';
    const gid = expander[2]!;
    return {
      provider: 'asana',
      kind,
      gid,
      id: `${kind}:${gid}`,
      label: kind === 'projects' ? `projects of workspace ${gid}` : `projects of team ${gid}`,
    };
  }
  const box = /^box(?::([a-z_]+))?$/.exec(text);
  if (box) {
    const streamType = (box[1] ?? 'all') as BoxStreamType;
    if (BOX_STREAM_TYPES.includes(streamType))
      return { provider: 'box', kind: 'stream', streamType, id: `box:${streamType}`, label: `box:${streamType}` };
  }
  if (/^https?:\/\//.test(text)) {
    try {
      const ref = fromAsanaUrl(new URL(text));
      if (ref) return ref;
    } catch {
      // fall through to the usage error
    }
  }
  const guess = typoOf(text);
  throw new UsageError(
    `"${text}" is not a resource reference`,
    `${guess ? `did you mean ${guess}? or ` : ''}use one of: ${ACCEPTED_FORMS.join('; ')}`,
  );
}

/** The words before a colon that a reference may start with, and what may follow each. */
const PREFIXES = ['workspace', 'projects', 'team', 'box'];

/**
 * `box:chnages` -> box:changes, `workspce:123` -> workspace:123: a misspelt prefix or Box stream,
 * suggested as an unknown flag or command is.
 */
function typoOf(text: string): string | undefined {
  const colon = text.indexOf(':');
  if (colon === -1) return closest(text, ['box']);
  if (colon < 1 || /^https?:/.test(text)) return undefined;
  const [prefix, rest] = [text.slice(0, colon), text.slice(colon + 1)];
  if (prefix === 'box') {
    const stream = closest(rest, BOX_STREAM_TYPES);
    return stream && `box:${stream}`;
  }
  const known = closest(prefix, PREFIXES);
  if (!known) return undefined;
  if (known === 'box') return typoOf(`box:${rest}`) ?? 'box';
  return /^\d{1,30}$/.test(rest) ? `${known}:${rest}` : undefined;
}
