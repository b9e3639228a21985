// The webhook lifecycle end to end on 127.0.0.1, nothing mocked: the real lifecycle (webhooks/
// lifecycle.ts) with its real receiver and store, the real Asana webhooks client and the
// emulator's webhooks (handshake while POST /webhooks is in flight, signed deliveries, faults).
// What the follow core hears is recorded (setLive, onWake) and what is reported is notices.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaticTokenSource } from '../../src/auth/token-source.js';
import type { Notice, NoticeKind, Reporter } from '../../src/core/notice.js';
import type { ProviderContext } from '../../src/core/provider.js';
import { webhookWatcher } from '../../src/app/webhooks.js';
import type { RecordSink } from '../../src/core/record-sink.js';
import { parseReference, type Expander, type Reference } from '../../src/core/refs.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { WebhookTimings } from '../../src/emulator/asana-webhooks.js';
import { Expansion } from '../../src/follow/expansion.js';
import { DIRECT, SubscriptionSet } from '../../src/follow/subscription-set.js';
import { WakeBoard } from '../../src/follow/wakes.js';
import { HttpClient } from '../../src/net/http.js';
import { AsanaProvider } from '../../src/providers/asana/provider.js';
import { AsanaWebhooksClient } from '../../src/providers/asana/webhooks.js';
import { CursorStore } from '../../src/state/cursors.js';
import { WebhookStore } from '../../src/state/webhooks.js';
import { WebhookLifecycle, type LifecycleOptions, type WebhookSubscription } from '../../src/webhooks/lifecycle.js';
import { tempDir } from '../helpers/env.js';

const key = (subscription: string) => ({ provider: 'asana', host: 'emulator', subscription, group: 'default' });

interface Heard extends Reporter {
  notices: Notice[];
  kinds(kind?: NoticeKind): NoticeKind[];
  live: Map<string, boolean>;
  liveChanges: Array<[string, boolean]>;
  wakes: string[];
}

let emulator: Emulator;
let http: HttpClient;
let dir: string;
let store: WebhookStore;
let stop: AbortController;
let lifecycles: WebhookLifecycle[] = [];
let sets: SubscriptionSet[] = [];
const bugs: unknown[] = [];

async function startBed(timings: WebhookTimings = {}): Promise<void> {
  emulator = await startEmulator({
    seed: 7,
    activity: false,
    webhooks: { batchMs: 20, retryBaseMs: 50, retryCapMs: 200, deleteAfterMs: 60_000, heartbeatMs: 60_000, ...timings },
  });
}

beforeEach(async () => {
  dir = tempDir('events-lifecycle-');
  http = new HttpClient({ userAgent: 'test', timeoutMs: 5_000 });
  store = new WebhookStore(path.join(dir, 'state'));
  stop = new AbortController();
  await startBed();
});
afterEach(async () => {
  stop.abort(0);
  for (const set of sets.splice(0)) {
    await set.settled();
    set.close();
  }
  expect(bugs.splice(0)).toEqual([]);
  for (const lifecycle of lifecycles.splice(0)) await lifecycle.close();
  expect(emulator.violations).toEqual([]);
  await emulator.close();
  await http.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function heard(): Heard {
  const notices: Notice[] = [];
  const live = new Map<string, boolean>();
  const liveChanges: Array<[string, boolean]> = [];
  const wakes: string[] = [];
  return {
    notices,
    kinds: (kind) => notices.map((n) => n.kind).filter((k) => kind === undefined || k === kind),
    live,
    liveChanges,
    wakes,
    notice: (notice) => void notices.push(notice),
  };
}

function client(): AsanaWebhooksClient {
  return new AsanaWebhooksClient({
    baseUrl: `${emulator.url}/api/1.0`,
    auth: new StaticTokenSource('asana', 'test-token', 'ASANA_ACCESS_TOKEN'),
    http,
    retry: { baseMs: 10, capMs: 10, giveUpAfterMs: 2_000 },
  });
}

async function lifecycle(
  ear: Heard,
  options: Partial<LifecycleOptions> & { port?: number } = {},
): Promise<WebhookLifecycle> {
  const ctx: ProviderContext = {
    signal: stop.signal,
    report: { retrying: () => undefined, recovered: () => undefined },
    subscription: 'webhooks',
  };
  const started = await WebhookLifecycle.start({
    api: client(),
    store,
    storeKey: key,
    listen: { host: '127.0.0.1', port: options.port ?? 0 },
    wakes: {
      onWake: (k) => ear.wakes.push(k),
      setLive: (k, live) => {
        ear.live.set(k, live);
        ear.liveChanges.push([k, live]);
      },
    },
    reporter: ear,
    ctx,
    ...options,
  });
  lifecycles.push(started);
  return started;
}

const project = (i = 0): WebhookSubscription => {
  const gid = emulator.asana.projectGids[i]!;
  return { key: gid, resource: gid, label: `project ${gid}`, workspace: emulator.asana.workspaceGid };
};
const posts = () => emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/webhooks')).length;
const hooks = () => emulator.asana.webhooks.list();

async function until(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the webhook lifecycle', () => {
  it('creates a webhook per subscription on start: live, stored with its secret, and its deliveries wake it', async () => {
    const ear = heard();
    const hooksOf = await lifecycle(ear);
    await Promise.all([hooksOf.ensure(project(0)), hooksOf.ensure(project(1))]);
    expect(
      hooks()
        .map((w) => w.resource)
        .sort(),
    ).toEqual([project(0).key, project(1).key].sort());
    for (const sub of [project(0), project(1)]) {
      const record = store.load(key(sub.key))!;
      expect(record.webhookGid).toBe(hooks().find((w) => w.resource === sub.key)!.gid);
      expect(record.secret).toMatch(/^[0-9a-f]{64}$/);
      expect(hooks().find((w) => w.resource === sub.key)!.target).toBe(record.target);
      expect(ear.live.get(sub.key)).toBe(true);
    }
    expect(hooksOf.counts).toEqual({ live: 2, total: 2 });
    expect(ear.notices.filter((n) => n.kind === 'webhooks-live').at(-1)).toEqual({
      kind: 'webhooks-live',
      live: 2,
      total: 2,
    });
    expect(ear.kinds('webhook-ready')).toHaveLength(2);
    emulator.asana.appendEvents(project(1).key, 2);
    await until('the wake-up', () => ear.wakes.length > 0);
    expect(ear.wakes).toEqual([project(1).key]);
  });

  it('reuses the stored webhook after a restart: none created twice, and the stored secret still verifies', async () => {
    const first = await lifecycle(heard());
    await first.ensure(project());
    const port = Number(new URL(first.receiver.url).port);
    await first.close();
    expect(posts()).toBe(1);

    const ear = heard();
    const second = await lifecycle(ear, { port });
    await second.ensure(project());
    expect(posts()).toBe(1);
    expect(hooks()).toHaveLength(1);
    expect(ear.notices).toContainEqual({ kind: 'webhook-ready', subject: project().label, reused: true });
    expect(ear.live.get(project().key)).toBe(true);
    emulator.asana.appendEvents(project().key, 1);
    await until('the wake-up', () => ear.wakes.length > 0);
  });

  it('creates it again when the stored one is inactive, or targets another --webhook-url, deleting the old one', async () => {
    const first = await lifecycle(heard());
    await first.ensure(project());
    const port = Number(new URL(first.receiver.url).port);
    await first.close();
    emulator.asana.webhooks.deactivate(hooks()[0]!.gid);

    const second = await lifecycle(heard(), { port });
    await second.ensure(project());
    expect(posts()).toBe(2);
    expect(hooks().map((w) => w.active)).toEqual([true]);
    await second.close();

    // A proxy in front of the same receiver now: --webhook-url gained a path prefix.
    const moved = await lifecycle(heard(), { port, webhookUrl: `http://127.0.0.1:${port}/events/` });
    await moved.ensure(project());
    expect(posts()).toBe(3);
    expect(hooks().map((w) => w.target)).toEqual([expect.stringContaining(`:${port}/events/hooks/`)]);
  });

  it('confirm() finds a webhook Asana deleted: lost (a warning), polling at --interval, then created again and live', async () => {
    const ear = heard();
    const hooksOf = await lifecycle(ear);
    await hooksOf.ensure(project());
    emulator.asana.webhooks.remove(hooks()[0]!.gid);
    await hooksOf.confirm();
    expect(ear.notices).toContainEqual({ kind: 'webhook-lost', subject: project().label, reason: 'deleted' });
    expect(ear.liveChanges).toEqual([
      [project().key, true],
      [project().key, false],
      [project().key, true],
    ]);
    expect(hooks()).toHaveLength(1);
    expect(store.load(key(project().key))!.webhookGid).toBe(hooks()[0]!.gid);
    emulator.asana.appendEvents(project().key, 1);
    await until('the wake-up', () => ear.wakes.length > 0);
  });

  it('keepConfirming() runs the check every --webhook-poll until the stop', async () => {
    const ear = heard();
    const hooksOf = await lifecycle(ear);
    await hooksOf.ensure(project());
    const checking = hooksOf.keepConfirming(100);
    emulator.asana.webhooks.remove(hooks()[0]!.gid);
    await until('created again', () => hooks().length === 1 && ear.kinds('webhook-lost').length === 1);
    stop.abort(0);
    await checking;
  });

  it('a creation cut short after its handshake (a secret, no gid) is made again, and the webhook left behind deleted', async () => {
    const first = await lifecycle(heard());
    await first.ensure(project());
    const port = Number(new URL(first.receiver.url).port);
    await first.close();
    const orphan = hooks()[0]!.gid;
    await store.update(key(project().key), { webhookGid: undefined });

    const ear = heard();
    const second = await lifecycle(ear, { port });
    await second.ensure(project());
    expect(posts()).toBe(2);
    expect(hooks().map((w) => w.gid)).toEqual([store.load(key(project().key))!.webhookGid]);
    expect(hooks()[0]!.gid).not.toBe(orphan);
    expect(ear.notices).toContainEqual({ kind: 'webhook-deleted', subject: project().label, count: 1 });
  });

  it('confirm() lists a workspace once for all its webhooks, and leaves live ones alone', async () => {
    const ear = heard();
    const hooksOf = await lifecycle(ear);
    await Promise.all([0, 1, 2].map((i) => hooksOf.ensure(project(i))));
    const before = emulator.requests.length;
    await hooksOf.confirm();
    const checks = emulator.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    expect(checks).toEqual(['GET /api/1.0/webhooks']);
    expect(hooksOf.counts).toEqual({ live: 3, total: 3 });
    expect(ear.kinds('webhook-lost')).toEqual([]);
  });

  it('a webhook silent for longer than the heartbeat period is lost and created again; heartbeats keep it live', async () => {
    await emulator.close();
    await startBed({ heartbeatMs: 50 });
    const ear = heard();
    const hooksOf = await lifecycle(ear, { silentAfterMs: 300 });
    await Promise.all([hooksOf.ensure(project(0)), hooksOf.ensure(project(1))]);
    const [quiet, beating] = [hooks().find((w) => w.resource === project(0).key)!, project(1)];
    // The first one stops sending heartbeats (deliveries go nowhere), the second goes on.
    emulator.asana.webhooks.addFault({ kind: 'drop', webhook: quiet.gid, times: 1_000 });
    await new Promise((resolve) => setTimeout(resolve, 450));
    await hooksOf.confirm();
    expect(ear.notices.filter((n) => n.kind === 'webhook-lost')).toEqual([
      { kind: 'webhook-lost', subject: project(0).label, reason: 'silent' },
    ]);
    expect(hooks().map((w) => w.gid)).not.toContain(quiet.gid);
    expect(hooks().find((w) => w.resource === beating.key)).toBeDefined();
    expect(hooksOf.counts).toEqual({ live: 2, total: 2 });
  });

  it('deletes the webhook of a subscription removed for good (an archived project), its state and its path', async () => {
    const ear = heard();
    const hooksOf = await lifecycle(ear);
    await hooksOf.ensure(project());
    const pathId = store.load(key(project().key))!.pathId;
    await hooksOf.remove(project().key);
    expect(hooks()).toEqual([]);
    expect(store.load(key(project().key))).toBeUndefined();
    expect(ear.notices).toContainEqual({ kind: 'webhook-deleted', subject: project().label, count: 1 });
    expect(hooksOf.counts).toEqual({ live: 0, total: 0 });
    const answer = await fetch(`${hooksOf.receiver.url}/hooks/${pathId}`, { method: 'POST', body: '{}' });
    expect(answer.status).toBe(404);
  });

  it('a target Asana refuses (403) is one warning for all subscriptions; nothing is live, and the next check tries once', async () => {
    const ear = heard();
    const hooksOf = await lifecycle(ear, { webhookUrl: 'https://localhost:8787' });
    await Promise.all([0, 1, 2].map((i) => hooksOf.ensure(project(i))));
    const refused = ear.notices.filter((n) => n.kind === 'webhook-target-refused');
    expect(refused).toHaveLength(1);
    expect(String((refused[0] as { error: Error }).error.message)).toContain('https://localhost:8787');
    expect(hooksOf.counts).toEqual({ live: 0, total: 3 });
    expect(hooks()).toEqual([]);
    const tried = posts();
    expect(tried).toBeLessThanOrEqual(2);
    await hooksOf.confirm();
    expect(posts()).toBe(tried + 1);
    expect(ear.kinds('webhook-target-refused')).toHaveLength(1);
  });

  it('after a POST /webhooks that was cut off and sent again, the extra webhook Asana made is deleted', async () => {
    const ear = heard();
    const hooksOf = await lifecycle(ear);
    // The first POST creates the webhook, then its answer is cut short: the client sends it again.
    emulator.faults.add({ kind: 'truncate', path: '/webhooks', times: 1 });
    await hooksOf.ensure(project());
    expect(posts()).toBe(2);
    expect(hooks()).toHaveLength(1);
    expect(hooks()[0]!.gid).toBe(store.load(key(project().key))!.webhookGid);
    expect(ear.notices).toContainEqual({ kind: 'webhook-deleted', subject: project().label, count: 1 });
  });
});

interface Tail {
  set: SubscriptionSet;
  hooksOf: WebhookLifecycle;
  ear: Heard;
  /** The events the loops wrote, in order. */
  written: Array<Record<string, unknown>>;
  /** Resolves once `ref` has read its first page and waits (its cursor stands). */
  waiting(ref: Reference): Promise<void>;
  expansion(expander: Expander): Expansion;
}

/**
 * What `events tail --webhook-url` puts together, in process: the subscription set with the wake
 * board and the lifecycle as its watcher, real loops over a real provider, records in memory.
 */
async function tail(options: {
  intervalMs: number;
  webhookPollMs: number;
  webhookUrl?: string;
  refs?: Reference[];
}): Promise<Tail> {
  const ear = heard();
  const board = new WakeBoard();
  const hooksOf = await lifecycle(ear, {
    webhookUrl: options.webhookUrl,
    wakes: {
      onWake: (k) => (ear.wakes.push(k), board.onWake(k)),
      setLive: (k, live) => (ear.live.set(k, live), board.setLive(k, live)),
    },
  });
  const asana = new AsanaProvider({
    baseUrl: `${emulator.url}/api/1.0`,
    auth: new StaticTokenSource('asana', 'test-token', 'ASANA_ACCESS_TOKEN'),
    http,
    retry: { baseMs: 10, capMs: 10 },
    intervalMs: options.intervalMs,
  });
  const set = new SubscriptionSet({
    store: new CursorStore(path.join(dir, 'state')),
    providers: new Map([['asana', asana]]),
    group: 'default',
    filters: {},
    lockWaitMs: 0,
    stop,
    wakes: board,
    watcher: webhookWatcher(hooksOf, { workspace: emulator.asana.workspaceGid, onError: (e) => bugs.push(e) }),
  });
  sets.push(set);
  const written: Array<Record<string, unknown>> = [];
  let lines = 0;
  const records: RecordSink = {
    get linesWritten() {
      return lines;
    },
    events: async (_target, events) => {
      for (let i = 0; i < events.length; i++) written.push(events.value(i) as Record<string, unknown>);
      lines += events.length;
      return events.length;
    },
    notice: async () => undefined,
    snapshot: async () => undefined,
    flush: async () => undefined,
  };
  for (const ref of options.refs ?? []) await set.claim(ref, DIRECT);
  set.start({
    records,
    reporter: ear,
    signal: stop.signal,
    options: { once: false, onExpire: 'recrawl', webhookPollMs: options.webhookPollMs },
    prefetchSent: () => http.sent(),
  });
  return {
    set,
    hooksOf,
    ear,
    written,
    waiting: (ref) =>
      until(`${ref.label} waiting`, () => ear.notices.some((n) => n.kind === 'waiting' && n.subject === ref.label)),
    expansion: (expander) =>
      new Expansion({
        expanders: [expander],
        lister: asana,
        set,
        reporter: ear,
        ctx: { signal: stop.signal, report: { retrying: () => undefined, recovered: () => undefined } },
      }),
  };
}

const refOf = (i = 0): Reference => parseReference(emulator.asana.projectGids[i]!);
/** What identifies an event across the events API and the emulator's own record of it. */
const idOf = (event: Record<string, unknown>) =>
  `${String(event['created_at'])} ${String((event['resource'] as { gid?: string } | undefined)?.gid)}`;

describe('webhooks waking the follow loops', () => {
  it('a delivery wakes its loop: the events are written within a second while --interval is a minute', async () => {
    const run = await tail({ intervalMs: 60_000, webhookPollMs: 60_000, refs: [refOf(0), refOf(1)] });
    await Promise.all([run.waiting(refOf(0)), run.waiting(refOf(1))]);
    await until('both webhooks live', () => run.hooksOf.counts.live === 2);
    const sent = Date.now();
    const appended = emulator.asana.appendEvents(refOf(1).id, 3);
    await until('the events written', () => run.written.length === 3);
    expect(Date.now() - sent).toBeLessThan(1_000);
    expect(run.written.map(idOf)).toEqual(appended.map(idOf));
  });

  it('a dropped delivery is caught by the slow poll (--webhook-poll), with nothing lost', async () => {
    const run = await tail({ intervalMs: 60_000, webhookPollMs: 800, refs: [refOf()] });
    await run.waiting(refOf());
    await until('the webhook live', () => run.hooksOf.counts.live === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    emulator.asana.webhooks.addFault({ kind: 'drop' });
    const appended = emulator.asana.appendEvents(refOf().id, 4);
    await until('the drop', () => emulator.asana.webhooks.deliveries.some((d) => d.fault === 'drop'));
    expect(run.ear.wakes).toEqual([]);
    await until('the slow poll', () => run.written.length === 4, 3_000);
    expect(run.written.map(idOf)).toEqual(appended.map(idOf));
    // The next change is delivered and wakes the loop again.
    const more = emulator.asana.appendEvents(refOf().id, 1);
    await until('the wake-up', () => run.written.length === 5, 700);
    expect(run.written.slice(4).map(idOf)).toEqual(more.map(idOf));
  });

  it('a target Asana refuses (403): one warning, and every subscription goes on polling at --interval', async () => {
    const run = await tail({
      intervalMs: 100,
      webhookPollMs: 60_000,
      webhookUrl: 'https://localhost:8787',
      refs: [refOf(0), refOf(1)],
    });
    await Promise.all([run.waiting(refOf(0)), run.waiting(refOf(1))]);
    await until('the refusal', () => run.ear.kinds('webhook-target-refused').length > 0);
    const appended = [...emulator.asana.appendEvents(refOf(0).id, 2), ...emulator.asana.appendEvents(refOf(1).id, 2)];
    await until('the events written', () => run.written.length === 4);
    expect(run.written.map(idOf).sort()).toEqual(appended.map(idOf).sort());
    expect(run.ear.kinds('webhook-target-refused')).toHaveLength(1);
    expect(run.hooksOf.counts).toEqual({ live: 0, total: 2 });
    expect(hooks()).toEqual([]);
  });

  it('projects: gives each listed project a webhook; one archived leaves the list and its webhook is deleted', async () => {
    const run = await tail({ intervalMs: 60_000, webhookPollMs: 60_000 });
    const expander = parseReference(`projects:${emulator.asana.workspaceGid}`) as Expander;
    const expansion = run.expansion(expander);
    await expansion.refresh(true);
    const listed = run.set.size;
    expect(listed).toBeGreaterThan(1);
    await until('every webhook live', () => run.hooksOf.counts.live === listed);
    expect(hooks()).toHaveLength(listed);
    const archived = refOf(0).id;
    emulator.asana.archiveProject(archived);
    await expansion.refresh(false);
    expect(run.ear.notices).toContainEqual({ kind: 'project-left', subject: expander.label, gid: archived });
    // Deleted at Asana first, then forgotten in the store: wait for both.
    await until(
      'its webhook deleted and forgotten',
      () => !hooks().some((w) => w.resource === archived) && store.load(key(archived)) === undefined,
    );
    expect(hooks()).toHaveLength(listed - 1);
    await until('the counts', () => run.hooksOf.counts.total === listed - 1);
    expect(run.hooksOf.counts).toEqual({ live: listed - 1, total: listed - 1 });
  });
});
