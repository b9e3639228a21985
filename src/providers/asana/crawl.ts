// The re-crawl Asana asks for when a sync token has expired: "fetch the full dataset for this
// query now". What that is depends on the subscribed resource: a project and its tasks, a task
// with its subtasks and stories, a goal, a workspace and its projects. Lists are read with offset
// pagination to the end, a page at a time (never the whole list in memory).
import { badValue } from '../../core/bounds.js';
import { NotFoundError } from '../../core/errors.js';
import { closest } from '../../lib/suggest.js';
import type { AsanaResourceType, Reference } from '../../core/refs.js';
import { CRAWL_FIELD_ENUMS } from './crawl-fields.js';
import type { SnapshotItem } from '../../core/provider.js';

/** Fields asked for by default, per operation; all are in the spec's enums (a unit test checks). */
export const DEFAULT_CRAWL_FIELDS: Record<string, readonly string[]> = {
  getProject: [
    'name',
    'archived',
    'color',
    'completed',
    'due_on',
    'modified_at',
    'owner',
    'permalink_url',
    'team.name',
    'current_status_update.title',
  ],
  getTasksForProject: [
    'name',
    'resource_subtype',
    'assignee.name',
    'completed',
    'completed_at',
    'due_on',
    'modified_at',
    'memberships.section.name',
    'num_subtasks',
    'permalink_url',
    'parent.name',
    'created_at',
  ],
  getTask: [
    'name',
    'resource_subtype',
    'assignee.name',
    'completed',
    'completed_at',
    'due_on',
    'modified_at',
    'memberships.section.name',
    'num_subtasks',
    'permalink_url',
    'parent.name',
    'created_at',
  ],
  getSubtasksForTask: [
    'name',
    'resource_subtype',
    'assignee.name',
    'completed',
    'completed_at',
    'due_on',
    'modified_at',
    'num_subtasks',
    'permalink_url',
    'parent.name',
    'created_at',
  ],
  getStoriesForTask: ['created_at', 'created_by.name', 'resource_subtype', 'text', 'type'],
  getGoal: [
    'name',
    'status',
    'due_on',
    'owner.name',
    'time_period.display_name',
    'metric.current_number_value',
    'metric.target_number_value',
  ],
  getWorkspace: ['name', 'is_organization'],
  getProjectsForWorkspace: ['name', 'archived', 'color', 'modified_at', 'permalink_url', 'owner'],
};

/** GET a path with query parameters; answers the parsed JSON body, or undefined on 400/404. */
export type JsonGetter = (path: string, query: Record<string, string>) => Promise<Record<string, unknown> | undefined>;

export function validateCrawlFields(fields: string[]): string[] {
  const known = new Set(Object.values(CRAWL_FIELD_ENUMS).flat());
  const unknown = fields.filter((f) => !known.has(f));
  if (unknown.length) {
    const guess = closest(unknown[0]!, [...known]);
    throw badValue(
      '--crawl-fields',
      'fields of projects, tasks, stories, goals or workspaces as Asana names them',
      unknown.join(','),
      'name,assignee.name,completed',
      guess ? `did you mean ${guess}?` : undefined,
    );
  }
  return fields;
}

export class AsanaCrawler {
  constructor(
    private readonly get: JsonGetter,
    private readonly fields?: string[],
  ) {}

  async *crawl(ref: Extract<Reference, { provider: 'asana' }>): AsyncGenerator<SnapshotItem[]> {
    if (ref.kind === 'workspace') {
      yield* this.#one('workspace', `/workspaces/${ref.gid}`, 'getWorkspace');
      yield* this.#list('project', `/workspaces/${ref.gid}/projects`, 'getProjectsForWorkspace');
      return;
    }
    if (ref.kind !== 'resource') throw new TypeError(`${ref.label} is a list of projects, not one resource to crawl`);
    const type = ref.resourceType ?? (await this.resourceType(ref.gid));
    if (type === 'project') {
      yield* this.#one('project', `/projects/${ref.gid}`, 'getProject');
      yield* this.#list('task', `/projects/${ref.gid}/tasks`, 'getTasksForProject');
    } else if (type === 'task') {
      yield* this.#one('task', `/tasks/${ref.gid}`, 'getTask');
      yield* this.#list('task', `/tasks/${ref.gid}/subtasks`, 'getSubtasksForTask');
      yield* this.#list('story', `/tasks/${ref.gid}/stories`, 'getStoriesForTask');
    } else {
      yield* this.#one('goal', `/goals/${ref.gid}`, 'getGoal');
    }
  }

  /** A bare gid does not say what it is: ask the endpoints in order of how often people tail them. */
  async resourceType(gid: string): Promise<AsanaResourceType> {
    for (const [type, path] of [
      ['project', `/projects/${gid}`],
      ['task', `/tasks/${gid}`],
      ['goal', `/goals/${gid}`],
    ] as const) {
      if (await this.get(path, { opt_fields: 'name' })) return type;
    }
    // Not found (exit 4), as a 404 on the events of an unknown gid is for tail.
    throw new NotFoundError(`${gid} is neither a project, a task nor a goal that this token can read`, 'check the gid');
  }

  #optFields(operation: string): string {
    const allowed = CRAWL_FIELD_ENUMS[operation] ?? [];
    const fields = this.fields
      ? this.fields.filter((f) => allowed.includes(f))
      : (DEFAULT_CRAWL_FIELDS[operation] ?? []);
    return fields.join(',');
  }

  async *#one(resourceType: string, path: string, operation: string): AsyncGenerator<SnapshotItem[]> {
    const query: Record<string, string> = {};
    const fields = this.#optFields(operation);
    if (fields) query['opt_fields'] = fields;
    const body = await this.get(path, query);
    if (body && body['data']) yield [{ resourceType, data: body['data'] }];
  }

  async *#list(resourceType: string, path: string, operation: string): AsyncGenerator<SnapshotItem[]> {
    let offset: string | undefined;
    do {
      const query: Record<string, string> = { limit: '100' };
      const fields = this.#optFields(operation);
      if (fields) query['opt_fields'] = fields;
      if (offset) query['offset'] = offset;
      const body = await this.get(path, query);
      if (!body) return;
      const data = Array.isArray(body['data']) ? body['data'] : [];
      if (data.length) yield data.map((item) => ({ resourceType, data: item }));
      const next = body['next_page'] as { offset?: unknown } | null | undefined;
      offset = typeof next?.offset === 'string' && next.offset ? next.offset : undefined;
    } while (offset);
  }
}
