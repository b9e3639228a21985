// Asana's project lists: GET /projects?workspace=|team= (getProjects), GET /teams/{gid}/projects
// (getProjectsForTeam) and GET /workspaces/{gid}/projects (getProjectsForWorkspace), with the
// `archived` filter, opt_fields and offset pagination as the real API pages: `limit` 1..100, an
// opaque `offset` token, `next_page: {offset, path, uri}` or null on the last page, no next_page
// at all without `limit`. Tokens point after the last gid sent, so projects created or archived
// between two pages shift nothing. Parameters outside the spec are refused and noted.
import { SPEC_OPT_FIELDS } from './asana-opt-fields.js';
import type { AsanaObject, AsanaWorld } from './asana-world.js';
import { projectFields } from './project-fields.js';
import { asanaError, json, type Incoming, type Reply } from './reply.js';

// The spec gives the three operations the same opt_fields enum (129 project fields).
const PROJECT_FIELDS = SPEC_OPT_FIELDS['getProjectsForWorkspace']!;
const PAGING = ['limit', 'offset', 'archived', 'opt_fields', 'opt_pretty'];

export class AsanaListing {
  constructor(
    private readonly world: AsanaWorld,
    private readonly violations: string[],
  ) {}

  /** The reply for a project-list path, or undefined when the path is not one. */
  handle(req: Incoming, path: string): Reply | undefined {
    let m: RegExpExecArray | null;
    if (path === '/projects') return this.#getProjects(req);
    if ((m = /^\/teams\/(\d+)\/projects$/.exec(path))) {
      const team = this.world.objects.get(m[1]!);
      if (team?.resource_type !== 'team')
        return this.#checked(req, 'getProjectsForTeam', PAGING) ?? asanaError(404, `Unknown object: ${m[1]}`);
      return this.#list(req, 'getProjectsForTeam', PAGING, { team: team.gid });
    }
    if ((m = /^\/workspaces\/(\d+)\/projects$/.exec(path))) {
      if (m[1] !== this.world.workspace.gid)
        return this.#checked(req, 'getProjectsForWorkspace', PAGING) ?? asanaError(404, `Unknown object: ${m[1]}`);
      return this.#list(req, 'getProjectsForWorkspace', PAGING, { workspace: m[1] });
    }
    return undefined;
  }

  #getProjects(req: Incoming): Reply {
    const allowed = [...PAGING, 'workspace', 'team'];
    const bad = this.#checked(req, 'getProjects', allowed);
    if (bad) return bad;
    const workspace = req.query.get('workspace') ?? undefined;
    const team = req.query.get('team') ?? undefined;
    if (workspace === undefined && team === undefined)
      return asanaError(400, 'workspace: Missing input. Must specify a workspace or a team.');
    if (workspace !== undefined && this.world.objects.get(workspace)?.resource_type !== 'workspace')
      return asanaError(404, `workspace: Unknown object: ${workspace}`);
    if (team !== undefined && this.world.objects.get(team)?.resource_type !== 'team')
      return asanaError(404, `team: Unknown object: ${team}`);
    return this.#list(req, 'getProjects', allowed, { workspace, team });
  }

  #list(req: Incoming, operation: string, allowed: string[], owner: { workspace?: string; team?: string }): Reply {
    const bad = this.#checked(req, operation, allowed);
    if (bad) return bad;
    const archivedText = req.query.get('archived');
    if (archivedText !== null && archivedText !== 'true' && archivedText !== 'false')
      return asanaError(400, `archived: Not a boolean: ${archivedText}`);
    const limitText = req.query.get('limit');
    const limit = limitText === null ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 100))
      return asanaError(400, 'limit: Must be between 1 and 100');
    const offset = req.query.get('offset');
    const after = offset === null ? undefined : decodeOffset(offset);
    if (after === null) return asanaError(400, 'offset: Your pagination token is invalid.');

    let all = this.world.projectsOf(owner);
    if (archivedText !== null) all = all.filter((p) => p['archived'] === (archivedText === 'true'));
    const start = after === undefined ? 0 : all.findIndex((p) => compareGids(p.gid, after) > 0);
    const rest = start < 0 ? [] : all.slice(start);
    const page = limit === undefined ? rest : rest.slice(0, limit);
    const fields = optFields(req.query);
    const body: Record<string, unknown> = {
      data: page.map((p) => (fields ? projectFields(p, fields, true) : compact(p))),
    };
    if (limit !== undefined) {
      const token = page.length < rest.length ? encodeOffset(page.at(-1)!.gid) : undefined;
      body['next_page'] = token ? nextPage(req, token) : null;
    }
    return json(200, body);
  }

  /** Unknown parameters and opt_fields outside the enum: a 400, and a violation on record. */
  #checked(req: Incoming, operation: string, allowed: string[]): Reply | undefined {
    for (const key of req.query.keys()) {
      if (!allowed.includes(key)) {
        this.violations.push(`${operation}: query parameter ${key} is not in the spec`);
        return asanaError(400, `${key}: Unknown parameter`);
      }
    }
    const unknown = optFields(req.query)?.find((f) => !PROJECT_FIELDS.includes(f));
    if (unknown !== undefined) {
      this.violations.push(`${operation}: opt_fields value ${unknown} is not in the spec's enum`);
      return asanaError(400, `opt_fields: Unknown field: ${unknown}`);
    }
    return undefined;
  }
}

/** opt_fields comma-separated or repeated (the spec's form style, and what official clients send). */
function optFields(query: URLSearchParams): string[] | undefined {
  const values = query.getAll('opt_fields');
  return values.length === 0 ? undefined : values.flatMap((v) => v.split(',')).filter(Boolean);
}

function compact(project: AsanaObject): Record<string, unknown> {
  return { gid: project.gid, resource_type: project.resource_type, name: project['name'] };
}

/** next_page as Asana writes it: the same query with the new offset, as a path and a full URI. */
function nextPage(req: Incoming, token: string): { offset: string; path: string; uri: string } {
  const query = new URLSearchParams(req.query);
  query.set('offset', token);
  const path = `${req.path.replace(/^\/api\/1\.0/, '')}?${query}`;
  return { offset: token, path, uri: `https://app.asana.com/api/1.0${path}` };
}

function compareGids(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function encodeOffset(afterGid: string): string {
  return Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'none', after: afterGid })).toString('base64url');
}

/** The gid a token points after, or null for a token this server never sent. */
function decodeOffset(offset: string): string | null {
  try {
    const value = JSON.parse(Buffer.from(offset, 'base64url').toString('utf8')) as { after?: unknown };
    return typeof value.after === 'string' && /^\d+$/.test(value.after) ? value.after : null;
  } catch {
    return null;
  }
}
