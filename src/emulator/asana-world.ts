// The emulated Asana domain: one workspace with projects, tasks, subtasks, stories and goals, and
// an event log per subscribable object. A change is applied to the object and then recorded as an
// event in the log of the object itself, every ancestor (subtask → task → project) and the
// workspace, which is how events bubble up in the real API.
import { createHash } from 'node:crypto';
import { nextEventTime } from './event-time.js';
import { Random } from './random.js';

export interface Compact {
  gid: string;
  resource_type: string;
  name?: string;
  resource_subtype?: string;
}

export type AsanaObject = Record<string, unknown> & { gid: string; resource_type: string };

export interface StoredEvent {
  event: Record<string, unknown>;
  /** The event serialized once: pages are joined from these without re-encoding. */
  json: string;
}

export interface EventLog {
  events: StoredEvent[];
  /** Changes when the log's tokens are expired; part of every token, so old ones stop working. */
  epoch: string;
  issued: Map<string, number>;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'Niklaus'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Allen', 'Wirth'];
const VERBS = ['Write', 'Review', 'Ship', 'Plan', 'Fix', 'Draft', 'Test', 'Migrate', 'Design', 'Publish'];
const NOUNS = [
  'the spec',
  'release notes',
  'billing export',
  'onboarding flow',
  'status page',
  'search index',
  'Q3 roadmap',
  'audit log',
  'API docs',
  'cron jobs',
];
const PROJECTS = ['Launch', 'Platform', 'Marketing site', 'Mobile app', 'Infrastructure', 'Customer success'];
const COLORS = ['dark-pink', 'dark-green', 'dark-blue', 'dark-red', 'dark-teal', 'light-orange'];
const SECTIONS = ['To do', 'Doing', 'Done'];
/** Fixed gids, so adding teams draws nothing from the seeded generator (worlds stay as they were). */
const TEAMS = [
  { gid: '1200000000000001', name: 'Everyone' },
  { gid: '1200000000000002', name: 'Engineering' },
];
const COMMENTS = [
  'Looks good to me',
  'Can we ship this Friday?',
  'Blocked on review',
  'Done, see the PR',
  'Moved to next sprint',
];

export interface AsanaWorldOptions {
  seed: number;
  now: () => number;
  tokenTtlMs: number;
  projects?: number;
  tasksPerProject?: number;
}

export class AsanaWorld {
  readonly workspace: AsanaObject;
  /** Every account also has a personal workspace ("Personal Projects"), with nothing in it here. */
  readonly personalWorkspace: AsanaObject;
  readonly users: Compact[] = [];
  readonly objects = new Map<string, AsanaObject>();
  readonly projectTasks = new Map<string, string[]>();
  readonly subtasks = new Map<string, string[]>();
  readonly stories = new Map<string, string[]>();
  readonly goals: string[] = [];
  readonly teams: string[] = [];
  readonly logs = new Map<string, EventLog>();
  readonly #random: Random;
  /** Hear each new event with the logs it reached (webhooks deliver from here). */
  readonly #listeners: Array<(reached: ReadonlySet<string>, event: Record<string, unknown>) => void> = [];
  readonly #options: AsanaWorldOptions;
  #clock = 0;
  /** Events stamped so far in the millisecond of #clock, after its first. */
  #sameMs = 0;
  #counter = 0;

  constructor(options: AsanaWorldOptions) {
    this.#options = options;
    this.#random = new Random(options.seed);
    const r = this.#random;
    for (let i = 0; i < 8; i++)
      this.users.push({
        gid: r.gid(),
        resource_type: 'user',
        name: `${FIRST[(i + options.seed) % FIRST.length]} ${LAST[(i * 3 + options.seed) % LAST.length]}`,
      });
    this.workspace = this.#add({
      gid: r.gid(),
      resource_type: 'workspace',
      name: 'Emulated Inc.',
      is_organization: true,
      email_domains: ['example.com'],
    });
    this.#log(this.workspace.gid);
    for (const team of TEAMS) {
      this.#add({ gid: team.gid, resource_type: 'team', name: team.name, organization: this.#compact(this.workspace) });
      this.teams.push(team.gid);
    }
    for (let p = 0; p < (options.projects ?? 3); p++)
      this.createProject(PROJECTS[p % PROJECTS.length]!, options.tasksPerProject ?? 12, false);
    // Its own random stream, so the gids and events drawn after it are those of a world without it.
    const personalGid = new Random(options.seed ^ 0x9e3779b9).gid();
    this.personalWorkspace = this.#add({
      gid: personalGid,
      resource_type: 'workspace',
      name: 'Personal Projects',
      is_organization: false,
      email_domains: [],
    });
    for (let g = 0; g < 2; g++) {
      const goal = this.#add({
        gid: r.gid(),
        resource_type: 'goal',
        name: g === 0 ? 'Grow weekly active teams 20%' : 'Cut p95 latency in half',
        owner: r.pick(this.users),
        status: 'on_track',
        due_on: '2026-12-31',
        notes: '',
        workspace: this.#compact(this.workspace),
        current_status_update: null,
      });
      this.goals.push(goal.gid);
      this.#log(goal.gid);
    }
  }

  /** The user the access token belongs to (GET /users/me), in the spec's UserResponse form. */
  get me(): AsanaObject {
    const user = this.users[0]!;
    const email = `${(user.name ?? 'user').toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`;
    return {
      gid: user.gid,
      resource_type: 'user',
      name: user.name,
      email,
      photo: null,
      workspaces: this.compactWorkspaces,
    };
  }

  /** The workspaces the token sees, as GET /workspaces and /users/me list them. */
  get compactWorkspaces(): Compact[] {
    return [this.#compact(this.workspace), this.#compact(this.personalWorkspace)];
  }

  get projectGids(): string[] {
    return [...this.projectTasks.keys()];
  }

  /** Creates a project with tasks, silently (setup) or as events (a user creating it now). */
  createProject(name: string, taskCount: number, asEvents = true, teamGid = TEAMS[0]!.gid): AsanaObject {
    const r = this.#random;
    const team = this.objects.get(teamGid);
    if (team?.resource_type !== 'team') throw new Error(`no such team: ${teamGid}`);
    const created = this.#timestamp();
    const project = this.#add({
      gid: r.gid(),
      resource_type: 'project',
      name,
      archived: false,
      color: r.pick(COLORS),
      completed: false,
      completed_at: null,
      created_at: created,
      modified_at: created,
      due_on: null,
      notes: '',
      owner: r.pick(this.users),
      public: true,
      permalink_url: '',
      team: this.#compact(team),
      current_status_update: null,
      workspace: this.#compact(this.workspace),
    });
    project['permalink_url'] = `https://app.asana.com/0/${project.gid}/${project.gid}`;
    this.projectTasks.set(project.gid, []);
    this.#log(project.gid);
    if (asEvents) this.#record(project, 'added', null, null, [this.workspace.gid]);
    for (let t = 0; t < taskCount; t++) {
      const task = this.#newTask(project.gid, null);
      if (t % 4 === 0) this.#newTask(project.gid, task.gid);
    }
    return project;
  }

  /** Archives a project as a user does: it leaves archived=false lists; its events stay readable. */
  archiveProject(gid: string): void {
    const project = this.#project(gid);
    if (project['archived'] === true) return;
    this.#change(project, 'archived', true, [project.gid]);
  }

  /** Deletes a project: it leaves every list and its events endpoint answers 404 from now on. */
  deleteProject(gid: string): void {
    const project = this.#project(gid);
    this.#record(project, 'deleted', null, null, [this.workspace.gid]);
    this.projectTasks.delete(gid);
    this.objects.delete(gid);
    this.logs.delete(gid);
  }

  /** Projects of the workspace, or of one team, in gid order (the order lists page through). */
  projectsOf(owner: { workspace?: string; team?: string }): AsanaObject[] {
    const out: AsanaObject[] = [];
    for (const gid of this.projectTasks.keys()) {
      const project = this.objects.get(gid)!;
      if (owner.workspace !== undefined && (project['workspace'] as Compact).gid !== owner.workspace) continue;
      if (owner.team !== undefined && (project['team'] as Compact).gid !== owner.team) continue;
      out.push(project);
    }
    return out.sort((a, b) => a.gid.length - b.gid.length || (a.gid < b.gid ? -1 : a.gid > b.gid ? 1 : 0));
  }

  #project(gid: string): AsanaObject {
    const project = this.objects.get(gid);
    if (project?.resource_type !== 'project') throw new Error(`no such project: ${gid}`);
    return project;
  }

  /** Calls `listener` with every event recorded from now on and the gids of the logs it reached. */
  onEvent(listener: (reached: ReadonlySet<string>, event: Record<string, unknown>) => void): void {
    this.#listeners.push(listener);
  }

  taskGids(projectGid: string): string[] {
    return [...(this.projectTasks.get(projectGid) ?? [])];
  }

  /** n events on or under one object (project, task, goal or workspace), applied and logged. */
  append(gid: string, n: number): Array<Record<string, unknown>> {
    const target = this.objects.get(gid);
    if (!target || !this.logs.has(gid)) throw new Error(`no such subscribable object: ${gid}`);
    const out: Array<Record<string, unknown>> = [];
    for (let i = 0; i < n; i++) {
      if (target.resource_type === 'workspace') out.push(this.#randomEvent(this.#random.pick(this.projectGids)));
      else if (target.resource_type === 'project') out.push(this.#randomEvent(gid));
      else if (target.resource_type === 'task') out.push(this.#taskEvent(gid));
      else out.push(this.#goalEvent(gid));
    }
    return out;
  }

  /** Random activity across the workspace, as a busy team makes it. */
  simulate(n: number): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (let i = 0; i < n; i++) {
      out.push(
        this.#random.chance(0.05)
          ? this.#goalEvent(this.#random.pick(this.goals))
          : this.#randomEvent(this.#random.pick(this.projectGids)),
      );
    }
    return out;
  }

  /**
   * A workspace changes shape now and then, as real ones do: a new project (with a few tasks, as
   * events), or an old one archived. At least three projects stay active.
   */
  churnProjects(): void {
    const r = this.#random;
    if (r.chance(0.5)) {
      this.createProject(`${r.pick(PROJECTS)} ${this.projectTasks.size + 1}`, 3);
      return;
    }
    const active = this.projectGids.filter((gid) => this.objects.get(gid)?.['archived'] !== true);
    if (active.length > 3) this.archiveProject(r.pick(active));
  }

  /** Invalidates the sync tokens of one log, or of all: the next request with them gets 412. */
  expire(gid?: string): void {
    for (const [key, log] of this.logs) {
      if (gid !== undefined && key !== gid) continue;
      log.epoch = this.#epoch(key);
      log.issued.clear();
    }
  }

  /** The token for position `index` of a log, remembered with its issue time for expiry. */
  token(log: EventLog, index: number): string {
    const token = `${log.epoch}:${index}`;
    if (!log.issued.has(token)) log.issued.set(token, this.#options.now());
    return token;
  }

  /** The log position a token stands for, or undefined when it is unknown, foreign or too old. */
  position(log: EventLog, token: string): number | undefined {
    const match = /^([0-9a-f]{32}):(\d+)$/.exec(token);
    if (!match || match[1] !== log.epoch) return undefined;
    const issued = log.issued.get(token);
    if (issued === undefined || this.#options.now() - issued > this.#options.tokenTtlMs) return undefined;
    const index = Number(match[2]);
    return index <= log.events.length ? index : undefined;
  }

  // --- generating changes ---------------------------------------------------------------

  #randomEvent(projectGid: string): Record<string, unknown> {
    const r = this.#random;
    const tasks = this.projectTasks.get(projectGid)!;
    const roll = r.next();
    if (roll < 0.08 || tasks.length === 0) {
      const task = this.#newTask(projectGid, null, false);
      return this.#record(task, 'added', this.objects.get(projectGid)!, null, this.#ancestors(task));
    }
    if (roll < 0.11) {
      const project = this.objects.get(projectGid)!;
      return this.#change(project, 'name', `${String(project['name']).replace(/ \(\d+\)$/, '')} (${++this.#counter})`, [
        project.gid,
      ]);
    }
    return this.#taskEvent(r.pick(tasks));
  }

  #taskEvent(taskGid: string): Record<string, unknown> {
    const r = this.#random;
    const task = this.objects.get(taskGid)!;
    const subs = this.subtasks.get(taskGid) ?? [];
    const roll = r.next();
    if (roll < 0.2) {
      const story = this.#newStory(task);
      return this.#record(story, 'added', task, null, [task.gid, ...this.#ancestors(task)]);
    }
    if (roll < 0.26 && task['parent'] === null) {
      const sub = this.#newTask(this.#projectOf(task), task.gid, false);
      return this.#record(sub, 'added', task, null, this.#ancestors(sub));
    }
    const membership = (task['memberships'] as Array<{ project: Compact; section: Compact }>)[0];
    if (roll < 0.33 && membership) {
      // Moved to another column of the board: the task is added to that section.
      const section = this.#section(
        membership.project.gid,
        r.pick(SECTIONS.filter((name) => name !== membership.section.name)),
      );
      membership.section = this.#compact(section);
      task['modified_at'] = this.#timestamp();
      return this.#record(task, 'added', section, null, [task.gid, ...this.#ancestors(task)]);
    }
    const subject = roll < 0.45 && subs.length ? this.objects.get(r.pick(subs))! : task;
    const field = r.pick(['name', 'completed', 'due_on', 'assignee', 'notes', 'completed']);
    const ancestors = [subject.gid, ...this.#ancestors(subject)];
    switch (field) {
      case 'completed':
        subject['completed_at'] = subject['completed'] ? null : this.#timestamp();
        return this.#change(subject, 'completed', !subject['completed'], ancestors);
      case 'due_on':
        return this.#change(subject, 'due_on', `2026-12-${String(r.int(1, 28)).padStart(2, '0')}`, ancestors);
      case 'assignee':
        return this.#change(subject, 'assignee', r.pick(this.users), ancestors);
      case 'notes':
        return this.#change(subject, 'notes', `Update ${++this.#counter}`, ancestors);
      default:
        return this.#change(subject, 'name', `${r.pick(VERBS)} ${r.pick(NOUNS)} #${++this.#counter}`, ancestors);
    }
  }

  #goalEvent(goalGid: string): Record<string, unknown> {
    const goal = this.objects.get(goalGid)!;
    const r = this.#random;
    if (r.chance(0.5))
      return this.#change(goal, 'status', r.pick(['on_track', 'at_risk', 'off_track', 'achieved']), [
        goal.gid,
        this.workspace.gid,
      ]);
    return this.#change(goal, 'due_on', `2027-0${r.int(1, 9)}-${String(r.int(10, 28))}`, [
      goal.gid,
      this.workspace.gid,
    ]);
  }

  #change(subject: AsanaObject, field: string, value: unknown, logs: string[]): Record<string, unknown> {
    subject[field] = value;
    subject['modified_at'] = this.#timestamp();
    return this.#record(subject, 'changed', null, { field, action: 'changed', new_value: value }, logs);
  }

  /** Applies nothing; builds the event, serializes it once and appends it to each log. */
  #record(
    resource: AsanaObject,
    action: string,
    parent: AsanaObject | null,
    change: Record<string, unknown> | null,
    logs: string[],
  ): Record<string, unknown> {
    const r = this.#random;
    // About one event in fifty is a system change with no user, as rules and integrations make.
    const user = r.chance(0.02) ? null : r.pick(this.users);
    const event: Record<string, unknown> = {
      user,
      created_at: this.#timestamp(),
      action,
      resource: this.#compact(resource),
      parent: parent ? this.#compact(parent) : null,
      type: resource.resource_type,
    };
    if (change) event['change'] = change;
    const stored = { event, json: JSON.stringify(event) };
    const reached = new Set([...logs, this.workspace.gid]);
    for (const gid of reached) this.logs.get(gid)?.events.push(stored);
    for (const listener of this.#listeners) listener(reached, event);
    return event;
  }

  #newTask(projectGid: string, parentGid: string | null, silent = true): AsanaObject {
    const r = this.#random;
    const project = this.objects.get(projectGid)!;
    const created = this.#timestamp();
    const task = this.#add({
      gid: r.gid(),
      resource_type: 'task',
      resource_subtype: 'default_task',
      name: `${r.pick(VERBS)} ${r.pick(NOUNS)}`,
      assignee: r.chance(0.7) ? r.pick(this.users) : null,
      completed: false,
      completed_at: null,
      created_at: created,
      modified_at: created,
      due_on: r.chance(0.5) ? `2026-12-${String(r.int(1, 28)).padStart(2, '0')}` : null,
      notes: '',
      num_subtasks: 0,
      permalink_url: '',
      memberships: parentGid
        ? []
        : [{ project: this.#compact(project), section: this.#compact(this.#section(projectGid, 'To do')) }],
      parent: parentGid ? this.#compact(this.objects.get(parentGid)!) : null,
      workspace: this.#compact(this.workspace),
    });
    task['permalink_url'] = `https://app.asana.com/0/${projectGid}/${task.gid}`;
    this.#log(task.gid);
    this.stories.set(task.gid, []);
    if (parentGid) {
      this.subtasks.set(parentGid, [...(this.subtasks.get(parentGid) ?? []), task.gid]);
      const parent = this.objects.get(parentGid)!;
      parent['num_subtasks'] = (parent['num_subtasks'] as number) + 1;
    } else {
      this.projectTasks.get(projectGid)!.push(task.gid);
    }
    if (silent) this.#newStory(task);
    return task;
  }

  /** A board column of a project, made on first use. */
  #section(projectGid: string, name: string): AsanaObject {
    const gid = `${projectGid.slice(0, 12)}${String(SECTIONS.indexOf(name) + 1).padStart(4, '0')}`;
    return (
      this.objects.get(gid) ??
      this.#add({ gid, resource_type: 'section', name, project: { gid: projectGid, resource_type: 'project' } })
    );
  }

  #newStory(task: AsanaObject): AsanaObject {
    const story = this.#add({
      gid: this.#random.gid(),
      resource_type: 'story',
      resource_subtype: 'comment_added',
      type: 'comment',
      created_at: this.#timestamp(),
      created_by: this.#random.pick(this.users),
      text: this.#random.pick(COMMENTS),
      target: this.#compact(task),
    });
    this.stories.get(task.gid)!.push(story.gid);
    return story;
  }

  /** The logs an event on this object reaches besides its own: parent task, project. */
  #ancestors(object: AsanaObject): string[] {
    const out = [object.gid];
    let parent = object['parent'] as Compact | null;
    while (parent) {
      out.push(parent.gid);
      parent = this.objects.get(parent.gid)?.['parent'] as Compact | null;
    }
    const top = this.objects.get(out.at(-1)!)!;
    const project = (top['memberships'] as Array<{ project: Compact }> | undefined)?.[0]?.project.gid;
    if (project) out.push(project);
    return out;
  }

  #projectOf(task: AsanaObject): string {
    return this.#ancestors(task).at(-1)!;
  }

  #compact(object: AsanaObject): Compact {
    const compact: Compact = { gid: object.gid, resource_type: object.resource_type };
    if (typeof object['name'] === 'string') compact.name = object['name'];
    if (object.resource_type === 'story') compact.resource_subtype = object['resource_subtype'] as string;
    return compact;
  }

  #add(object: AsanaObject): AsanaObject {
    this.objects.set(object.gid, object);
    return object;
  }

  #log(gid: string): void {
    this.logs.set(gid, { events: [], epoch: this.#epoch(gid), issued: new Map() });
  }

  #epoch(gid: string): string {
    return createHash('md5')
      .update(`${gid}:${this.#options.seed}:${++this.#counter}:${this.#options.now()}`)
      .digest('hex');
  }

  /**
   * Increasing timestamps, never in the future, and no two alike (an event has no id: tests and
   * the README's de-duplicate recipe tell events apart by content). Asana's own are milliseconds;
   * the events after the first in one millisecond of a burst get six more digits of fraction
   * (RFC 3339 allows any number): 09:01:30.142Z, 09:01:30.142000001Z, …
   */
  #timestamp(): string {
    const at = nextEventTime(this.#clock, this.#options.now());
    this.#sameMs = at === this.#clock ? this.#sameMs + 1 : 0;
    this.#clock = at;
    const iso = new Date(at).toISOString();
    return this.#sameMs === 0 ? iso : iso.replace('Z', `${String(this.#sameMs).padStart(6, '0')}Z`);
  }
}
