// Asana's REST surface under /api/1.0: the two events endpoints with the sync-token protocol and
// the read endpoints a re-crawl needs, with opt_fields, offset pagination and Asana's errors.
// Parameters outside the official spec are answered as Asana would and also noted in
// `violations`, so tests can assert that the client stays inside the spec.
import { SPEC_OPT_FIELDS } from './asana-opt-fields.js';
import type { AsanaObject, AsanaWorld, EventLog } from './asana-world.js';
import type { AsanaWebhooks } from './asana-webhooks.js';
import { AsanaListing } from './asana-listing.js';
import { ACCOUNT_FIELD_ENUMS } from './asana-user-fields.js';
import { projectFields } from './project-fields.js';
import { asanaError, json, type Incoming, type Reply } from './reply.js';

const EVENT_FIELDS = [
  'action',
  'change',
  'change.action',
  'change.added_value',
  'change.field',
  'change.new_value',
  'change.removed_value',
  'created_at',
  'parent',
  'parent.name',
  'resource',
  'resource.name',
  'type',
  'user',
  'user.name',
];
const STALE =
  'Sync token invalid or too old. If you are attempting to keep resources in sync, you must fetch the full dataset for this query now and use the new sync token for the next sync.';

export interface AsanaApiOptions {
  accessTokens?: string[];
  workspaceEventsTokens?: string[];
  violations: string[];
  /** POST/GET /webhooks, GET/DELETE /webhooks/{gid}. */
  webhooks?: AsanaWebhooks;
}

export class AsanaApi {
  readonly #listing: AsanaListing;

  constructor(
    private readonly world: AsanaWorld,
    private readonly options: AsanaApiOptions,
  ) {
    this.#listing = new AsanaListing(world, options.violations);
  }

  handle(req: Incoming, path: string): Reply | Promise<Reply> {
    if (!req.token || (this.options.accessTokens && !this.options.accessTokens.includes(req.token)))
      return asanaError(401, 'Not Authorized');
    const webhooks = this.options.webhooks?.handle(req, path);
    if (webhooks) return webhooks;
    if (req.method !== 'GET') return asanaError(404, 'No matching route for request');
    let m: RegExpExecArray | null;
    if (path === '/events') return this.#events(req, 'getEvents');
    const listed = this.#listing.handle(req, path);
    if (listed) return listed;
    if ((m = /^\/workspaces\/(\d+)\/events$/.exec(path))) return this.#workspaceEvents(req, m[1]!);
    if (path === '/workspaces') return this.#workspaces(req);
    if ((m = /^\/users\/(me|\d+)$/.exec(path))) return this.#user(req, m[1]!);
    if ((m = /^\/workspaces\/(\d+)$/.exec(path))) return this.#one(req, 'getWorkspace', m[1]!, 'workspace');
    if ((m = /^\/projects\/(\d+)\/tasks$/.exec(path)))
      return this.#list(req, 'getTasksForProject', m[1]!, 'project', (gid) => this.world.taskGids(gid));
    if ((m = /^\/projects\/(\d+)$/.exec(path))) return this.#one(req, 'getProject', m[1]!, 'project');
    if (path === '/tasks' && req.query.has('project'))
      return this.#list(req, 'getTasks', req.query.get('project')!, 'project', (gid) => this.world.taskGids(gid), [
        'project',
      ]);
    if ((m = /^\/tasks\/(\d+)\/subtasks$/.exec(path)))
      return this.#list(req, 'getSubtasksForTask', m[1]!, 'task', (gid) => this.world.subtasks.get(gid) ?? []);
    if ((m = /^\/tasks\/(\d+)\/stories$/.exec(path)))
      return this.#list(req, 'getStoriesForTask', m[1]!, 'task', (gid) => this.world.stories.get(gid) ?? []);
    if ((m = /^\/tasks\/(\d+)$/.exec(path))) return this.#one(req, 'getTask', m[1]!, 'task');
    if ((m = /^\/goals\/(\d+)$/.exec(path))) return this.#one(req, 'getGoal', m[1]!, 'goal');
    return asanaError(404, 'No matching route for request');
  }

  #events(req: Incoming, operation: string): Reply {
    const bad = this.#unknownParams(req, operation, ['resource', 'sync', 'opt_fields', 'opt_pretty']);
    if (bad) return bad;
    const resource = req.query.get('resource');
    if (!resource) return asanaError(400, 'resource: Missing input');
    if (!/^\d+$/.test(resource)) return asanaError(400, `resource: Not a Long: ${resource}`);
    const log = this.world.logs.get(resource);
    const type = this.world.objects.get(resource)?.resource_type;
    if (!log || type === 'workspace') return asanaError(404, `Unknown object: ${resource}`);
    const fields = optFields(req.query);
    let projection: string[] | undefined;
    if (fields !== undefined) {
      projection = fields;
      const unknown = projection.find((f) => !EVENT_FIELDS.includes(f));
      if (unknown) return asanaError(400, `opt_fields: Unknown field: ${unknown}`);
    }
    return this.#page(log, req.query.get('sync'), 100, projection);
  }

  #workspaceEvents(req: Incoming, gid: string): Reply {
    const bad = this.#unknownParams(req, 'getWorkspaceEvents', ['sync', 'opt_pretty']);
    if (bad) return bad;
    if (gid !== this.world.workspace.gid) return asanaError(404, `Unknown object: ${gid}`);
    const allowed = this.options.workspaceEventsTokens;
    if (allowed && !allowed.includes(req.token!))
      return asanaError(403, 'Workspace events are only available to service accounts of Enterprise+ domains.');
    return this.#page(this.world.logs.get(gid)!, req.query.get('sync'), 1000, undefined);
  }

  /** One step of the sync protocol: 412 with a fresh token, or up to `limit` events. */
  #page(log: EventLog, sync: string | null, limit: number, projection: string[] | undefined): Reply {
    const start = sync === null ? undefined : this.world.position(log, sync);
    if (start === undefined) {
      const fresh = this.world.token(log, log.events.length);
      const message =
        sync === null
          ? 'Sync token invalid or too old. If you are attempting to keep resources in sync, you must fetch the full dataset for this query now and use the new sync token for the next sync.'
          : STALE;
      return asanaError(412, message, { sync: fresh });
    }
    const slice = log.events.slice(start, start + limit);
    const next = this.world.token(log, start + slice.length);
    const hasMore = start + slice.length < log.events.length;
    const data = projection
      ? slice.map((e) => JSON.stringify(projectFields(e.event, projection, false)))
      : slice.map((e) => e.json);
    return json(200, `{"data":[${data.join(',')}],"sync":${JSON.stringify(next)},"has_more":${hasMore}}`);
  }

  #one(req: Incoming, operation: string, gid: string, type: string): Reply {
    const bad = this.#unknownParams(req, operation, ['opt_fields', 'opt_pretty']);
    if (bad) return bad;
    const object = this.world.objects.get(gid);
    if (!object || object.resource_type !== type) return asanaError(404, `Unknown object: ${gid}`);
    const fields = this.#fields(req, operation);
    if (typeof fields === 'object' && !Array.isArray(fields)) return fields;
    return json(200, { data: fields ? projectFields(object, fields, true) : full(object) });
  }

  /** GET /users/me (or a user's gid): the user behind the token, with the workspaces it sees. */
  #user(req: Incoming, gid: string): Reply {
    const bad = this.#unknownParams(req, 'getUser', ['opt_fields', 'opt_pretty', 'workspace']);
    if (bad) return bad;
    const me = this.world.me;
    const user = gid === 'me' || gid === me.gid ? me : this.world.users.find((u) => u.gid === gid);
    if (!user) return asanaError(404, `Unknown object: ${gid}`);
    const fields = this.#fields(req, 'getUser');
    if (typeof fields === 'object' && !Array.isArray(fields)) return fields;
    const object: AsanaObject =
      user === me ? me : { ...user, email: null, photo: null, workspaces: this.world.compactWorkspaces };
    return json(200, { data: fields ? projectFields(object, fields, true) : object });
  }

  /** GET /workspaces: every workspace the token sees, offset-paginated with limit. */
  #workspaces(req: Incoming): Reply {
    const bad = this.#unknownParams(req, 'getWorkspaces', ['opt_fields', 'opt_pretty', 'limit', 'offset']);
    if (bad) return bad;
    return this.#paged(
      req,
      'getWorkspaces',
      this.world.compactWorkspaces.map((w) => w.gid),
    );
  }

  #list(
    req: Incoming,
    operation: string,
    gid: string,
    type: string,
    items: (gid: string) => string[],
    extra: string[] = [],
  ): Reply {
    const bad = this.#unknownParams(req, operation, ['opt_fields', 'opt_pretty', 'limit', 'offset', ...extra]);
    if (bad) return bad;
    const owner = this.world.objects.get(gid);
    if (!owner || owner.resource_type !== type) return asanaError(404, `Unknown object: ${gid}`);
    return this.#paged(req, operation === 'getTasks' ? 'getTasksForProject' : operation, items(gid));
  }

  /** A page of a list endpoint: opt_fields, `limit` (1-100) and the opaque `offset`. */
  #paged(req: Incoming, operation: string, all: string[]): Reply {
    const fields = this.#fields(req, operation);
    if (typeof fields === 'object' && !Array.isArray(fields)) return fields;
    const limitText = req.query.get('limit');
    const limit = limitText === null ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 100))
      return asanaError(400, 'limit: Must be between 1 and 100');
    let start = 0;
    const offset = req.query.get('offset');
    if (offset !== null) {
      const decoded = decodeOffset(offset);
      if (decoded === undefined) return asanaError(400, 'offset: Your pagination token is invalid.');
      start = decoded;
    }
    const end = limit === undefined ? all.length : Math.min(all.length, start + limit);
    const data = all.slice(start, end).map((g) => {
      const object = this.world.objects.get(g)!;
      return fields ? projectFields(object, fields, true) : compact(object);
    });
    const body: Record<string, unknown> = { data };
    // Without limit Asana answers everything at once and sends no next_page.
    if (limit !== undefined) {
      const nextOffset = end < all.length ? encodeOffset(end) : undefined;
      body['next_page'] = nextOffset
        ? {
            offset: nextOffset,
            path: `${req.path}?limit=${limit}&offset=${nextOffset}`,
            uri: `https://app.asana.com/api/1.0${req.path}?limit=${limit}&offset=${nextOffset}`,
          }
        : null;
    }
    return json(200, body);
  }

  /** The opt_fields of a request checked against the operation's enum: fields, none, or a 400. */
  #fields(req: Incoming, operation: string): string[] | undefined | Reply {
    const fields = optFields(req.query);
    if (fields === undefined) return undefined;
    const allowed = SPEC_OPT_FIELDS[operation] ?? ACCOUNT_FIELD_ENUMS[operation] ?? [];
    const unknown = fields.find((f) => !allowed.includes(f));
    if (unknown) {
      this.options.violations.push(`${operation}: opt_fields value ${unknown} is not in the spec's enum`);
      return asanaError(400, `opt_fields: Unknown field: ${unknown}`);
    }
    return fields;
  }

  #unknownParams(req: Incoming, operation: string, allowed: string[]): Reply | undefined {
    for (const key of req.query.keys()) {
      if (!allowed.includes(key)) {
        this.options.violations.push(`${operation}: query parameter ${key} is not in the spec`);
        return asanaError(400, `${key}: Unknown parameter`);
      }
    }
    return undefined;
  }
}

/** opt_fields given once comma-separated (`a,b`) or repeated (`opt_fields=a&opt_fields=b`), as
 * the spec's `style: form, explode: false` and the official clients' repeated form both do. */
function optFields(query: URLSearchParams): string[] | undefined {
  const values = query.getAll('opt_fields');
  return values.length === 0 ? undefined : values.flatMap((v) => v.split(',')).filter(Boolean);
}

function full(object: AsanaObject): Record<string, unknown> {
  const { target: _target, ...rest } = object as Record<string, unknown>;
  return rest;
}

function compact(object: AsanaObject): Record<string, unknown> {
  if (object.resource_type === 'story') {
    const { gid, resource_type, created_at, created_by, resource_subtype, text, type } = object as Record<
      string,
      unknown
    >;
    return { gid, resource_type, created_at, created_by, resource_subtype, text, type };
  }
  const out: Record<string, unknown> = { gid: object.gid, resource_type: object.resource_type, name: object['name'] };
  if (object.resource_type === 'task') out['resource_subtype'] = object['resource_subtype'];
  return out;
}

function encodeOffset(index: number): string {
  return Buffer.from(JSON.stringify({ typ: 'offset', i: index })).toString('base64url');
}

function decodeOffset(offset: string): number | undefined {
  try {
    const value = JSON.parse(Buffer.from(offset, 'base64url').toString('utf8')) as { typ?: unknown; i?: unknown };
    return value.typ === 'offset' && Number.isInteger(value.i) && (value.i as number) >= 0
      ? (value.i as number)
      : undefined;
  } catch {
    return undefined;
  }
}
