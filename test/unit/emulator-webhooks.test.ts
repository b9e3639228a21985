// Asana's webhooks end to end on 127.0.0.1, with nothing mocked: the client (providers/asana/
// webhooks.ts) creates webhooks on the emulator, whose handshake reaches the real receiver
// (webhooks/receiver.ts) while the POST is in flight; the receiver stores the secret in the real
// store (state/webhooks.ts) before echoing it. Then the emulator's deliveries (batched, signed,
// retried, heartbeats, deleted after failing long enough) and each fault of its control API:
// only a verified, new delivery ever wakes its own subscription.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaticTokenSource } from '../../src/auth/token-source.js';
import type { ProviderContext } from '../../src/core/provider.js';
import { WebhookTargetError } from '../../src/core/wake.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { WebhookTimings } from '../../src/emulator/asana-webhooks.js';
import { HttpClient } from '../../src/net/http.js';
import { AsanaWebhooksClient } from '../../src/providers/asana/webhooks.js';
import { WebhookStore } from '../../src/state/webhooks.js';
import { WebhookReceiver } from '../../src/webhooks/receiver.js';
import { tempDir } from '../helpers/env.js';

interface Bed {
  emulator: Emulator;
  receiver: WebhookReceiver;
  store: WebhookStore;
  client: AsanaWebhooksClient;
  wakes: Array<{ key: string; at: number }>;
  alive: string[];
  lines: string[];
  /** Creates the webhook of `project` as the lifecycle will: path, handshake window, create, gid stored. */
  hook(project: string): Promise<{ gid: string; secret: string | undefined }>;
  control(method: string, route: string, body?: unknown): Promise<Record<string, unknown>>;
}

const ctx: ProviderContext = {
  signal: new AbortController().signal,
  report: { retrying: () => undefined, recovered: () => undefined },
  subscription: 'webhooks',
};
const key = (subscription: string) => ({ provider: 'asana', host: 'emulator', subscription, group: 'default' });

let bed: Bed;
let http: HttpClient;
let dir: string;
let started: Array<() => Promise<void>> = [];

async function start(timings: WebhookTimings = {}): Promise<Bed> {
  const emulator = await startEmulator({
    seed: 7,
    activity: false,
    webhooks: { batchMs: 20, retryBaseMs: 50, retryCapMs: 200, deleteAfterMs: 60_000, heartbeatMs: 60_000, ...timings },
  });
  const store = new WebhookStore(path.join(dir, 'state'));
  const wakes: Bed['wakes'] = [];
  const alive: string[] = [];
  const lines: string[] = [];
  const receiver = await WebhookReceiver.listen({
    host: '127.0.0.1',
    port: 0,
    wake: { onWake: (k) => wakes.push({ key: k, at: Date.now() }), onAlive: (k) => alive.push(k) },
    storeSecret: async (k, secret) => {
      const pathId = receiver.pathId(k)!;
      await store.update(key(k), { resource: k, pathId, target: `${receiver.url}/hooks/${pathId}`, secret });
    },
    verbose: (line) => lines.push(line),
  });
  const client = new AsanaWebhooksClient({
    baseUrl: `${emulator.url}/api/1.0`,
    auth: new StaticTokenSource('asana', 'test-token', 'ASANA_ACCESS_TOKEN'),
    http,
    retry: { baseMs: 10, capMs: 10, giveUpAfterMs: 500 },
  });
  started.push(async () => {
    expect(emulator.violations).toEqual([]);
    await receiver.close();
    await emulator.close();
  });
  return {
    emulator,
    receiver,
    store,
    client,
    wakes,
    alive,
    lines,
    hook: async (project) => {
      const pathId = receiver.add(project);
      const done = receiver.expectHandshake(project);
      try {
        const created = await client.create(project, `${receiver.url}/hooks/${pathId}`, ctx);
        await store.update(key(project), { webhookGid: created.webhook.gid });
        return { gid: created.webhook.gid, secret: created.secret };
      } finally {
        done();
      }
    },
    control: async (method, route, body) => {
      const res = await fetch(`${emulator.url}/_emulator${route}`, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as Record<string, unknown>;
    },
  };
}

beforeEach(async () => {
  dir = tempDir('events-webhooks-e2e-');
  http = new HttpClient({ userAgent: 'test', timeoutMs: 5_000 });
  bed = await start();
});
afterEach(async () => {
  for (const stop of started.splice(0)) await stop();
  started = [];
  await http.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const deliveries = (kind?: string) => bed.emulator.asana.webhooks.deliveries.filter((d) => !kind || d.kind === kind);

describe('creating a webhook', () => {
  it('completes the handshake while POST /webhooks is in flight, the secret stored 0600 before the echo', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    const { gid, secret } = await bed.hook(project);
    const record = bed.store.load(key(project))!;
    expect(record.secret).toBe(secret);
    expect(record.webhookGid).toBe(gid);
    expect(fs.statSync(bed.store.pathOf(key(project))).mode & 0o777).toBe(0o600);
    expect(deliveries('handshake')).toEqual([expect.objectContaining({ webhook: gid, status: 200 })]);
    const listed = await bed.client.list(bed.emulator.asana.workspaceGid, ctx);
    expect(listed).toEqual([{ gid, resource: project, target: record.target, active: true }]);
    expect((await bed.client.get(gid, ctx))?.active).toBe(true);
    expect(record.target).not.toContain(project);
  });

  it('fails when the target does not echo the secret, and when Asana refuses the host', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    // A path the receiver does not know answers 404: no echo, no webhook.
    const noEcho = await bed.client
      .create(project, `${bed.receiver.url}/hooks/AAAAAAAAAAAAAAAAAAAAAA`, ctx)
      .catch((e: unknown) => e);
    expect(noEcho).toBeInstanceOf(WebhookTargetError);
    expect((noEcho as Error).message).toMatch(/handshake/);
    // A path that exists but expects no handshake answers 401: no webhook either.
    bed.receiver.add(project);
    const unexpected = await bed.client
      .create(project, `${bed.receiver.url}/hooks/${bed.receiver.pathId(project)!}`, ctx)
      .catch((e: unknown) => e);
    expect(unexpected).toBeInstanceOf(WebhookTargetError);
    const local = await bed.client.create(project, 'https://localhost:8787/hooks/x', ctx).catch((e: unknown) => e);
    expect(local).toBeInstanceOf(WebhookTargetError);
    expect((local as WebhookTargetError).hint).toContain('--webhook-url');
    expect(bed.emulator.asana.webhooks.list()).toEqual([]);
    expect(bed.store.list()).toEqual([]);
  });
});

describe('deliveries', () => {
  it('wakes the subscription whose resource changed, once per batch, and no other', async () => {
    const [a, b] = bed.emulator.asana.projectGids as [string, string];
    await bed.hook(a);
    const hookB = await bed.hook(b);
    const sent = Date.now();
    bed.emulator.asana.appendEvents(b, 5);
    await until('a wake-up of b', () => bed.wakes.length > 0);
    expect(bed.wakes[0]!.at - sent).toBeLessThan(1_000);
    await pause(100);
    expect(bed.wakes.map((w) => w.key)).toEqual([b]);
    expect(deliveries('delivery')).toEqual([expect.objectContaining({ webhook: hookB.gid, events: 5, status: 200 })]);
  });

  it('delivers events that bubble up from a task and its stories to the project', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    await bed.hook(project);
    bed.emulator.asana.appendEvents(bed.emulator.asana.taskGids(project)[0]!, 3);
    await until('a wake-up from a task event', () => bed.wakes.length > 0);
    expect(bed.wakes[0]!.key).toBe(project);
  });

  it('counts heartbeats as alive and wakes nothing for them', async () => {
    bed = await start({ heartbeatMs: 100 });
    const project = bed.emulator.asana.projectGids[0]!;
    await bed.hook(project);
    await until('two heartbeats', () => bed.alive.length >= 2);
    expect(new Set(bed.alive)).toEqual(new Set([project]));
    expect(bed.wakes).toEqual([]);
    expect(deliveries('heartbeat').every((d) => d.status === 200 && d.events === 0)).toBe(true);
  });

  it('retries a failing target with backoff, then deletes the webhook once it failed long enough', async () => {
    bed = await start({ retryBaseMs: 20, retryCapMs: 80, deleteAfterMs: 400 });
    const project = bed.emulator.asana.projectGids[0]!;
    const { gid } = await bed.hook(project);
    bed.receiver.remove(project); // the target now answers 404
    bed.emulator.asana.appendEvents(project, 1);
    await until('the webhook deleted', () => bed.emulator.asana.webhooks.list().length === 0, 5_000);
    const failed = deliveries('delivery');
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(failed.every((d) => d.status === 404)).toBe(true);
    const gaps = failed.slice(1).map((d, i) => d.time - failed[i]!.time);
    expect(gaps.at(-1)!).toBeGreaterThan(gaps[0]! - 5);
    expect(await bed.client.get(gid, ctx)).toBeUndefined();
    expect(bed.wakes).toEqual([]);
  });

  it('delivers what failed once the target is back, nothing lost', async () => {
    bed = await start({ retryBaseMs: 50, retryCapMs: 50 });
    const project = bed.emulator.asana.projectGids[0]!;
    await bed.hook(project);
    const record = bed.store.load(key(project))!;
    bed.receiver.remove(project);
    bed.emulator.asana.appendEvents(project, 2);
    await until('a failed delivery', () => deliveries('delivery').some((d) => d.status === 404));
    bed.receiver.add(project, { pathId: record.pathId, secret: record.secret! });
    // The receiver answers before it wakes anyone, and the emulator records the answer when it
    // arrives: wait for both, in either order.
    await until('the retry', () => bed.wakes.length > 0 && deliveries('delivery').at(-1)?.status === 200);
    expect(deliveries('delivery').at(-1)).toMatchObject({ status: 200, events: 2 });
  });
});

describe('faults of the control API', () => {
  it('bad-signature: the receiver answers 401 and wakes nothing; the retry, signed right, wakes once', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    await bed.hook(project);
    await bed.control('POST', '/asana/webhooks/faults', { kind: 'bad-signature' });
    bed.emulator.asana.appendEvents(project, 1);
    await until('the 401', () => deliveries('delivery').some((d) => d.status === 401));
    expect(bed.wakes).toEqual([]);
    await until('the retry', () => bed.wakes.length > 0);
    await pause(100);
    expect(bed.wakes.map((w) => w.key)).toEqual([project]);
    expect(deliveries('delivery').map((d) => [d.status, d.fault])).toEqual([
      [401, 'bad-signature'],
      [200, undefined],
    ]);
    expect(bed.lines.join('\n')).toContain(`refused a webhook delivery for ${project}`);
  });

  it('replay: the last delivery sent again as it was wakes nothing', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    const { gid } = await bed.hook(project);
    bed.emulator.asana.appendEvents(project, 1);
    await until('the wake-up', () => bed.wakes.length === 1);
    const answer = await bed.control('POST', `/asana/webhooks/${gid}/replay`);
    expect(answer['replayed']).toMatchObject({ kind: 'replay', status: 200, events: 1 });
    await pause(100);
    expect(bed.wakes).toHaveLength(1);
  });

  it('duplicate: the same delivery twice wakes once', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    await bed.hook(project);
    bed.emulator.asana.webhooks.addFault({ kind: 'duplicate' });
    bed.emulator.asana.appendEvents(project, 1);
    await until('both copies', () => deliveries('duplicate').length === 1);
    await pause(100);
    expect(bed.wakes).toHaveLength(1);
  });

  it('drop: nothing reaches the receiver, nothing wakes (the safety net must catch it)', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    await bed.hook(project);
    await bed.control('POST', '/asana/webhooks/faults', { kind: 'drop' });
    bed.emulator.asana.appendEvents(project, 2);
    await until('the drop', () => deliveries('delivery').length === 1);
    await pause(150);
    expect(deliveries('delivery')[0]).toMatchObject({ fault: 'drop', status: 0 });
    expect(bed.wakes).toEqual([]);
    // The next change is delivered again.
    bed.emulator.asana.appendEvents(project, 1);
    await until('the next wake-up', () => bed.wakes.length === 1);
  });

  it('delay: the delivery comes late', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    await bed.hook(project);
    await bed.control('POST', '/asana/webhooks/faults', { kind: 'delay', delay_ms: 400 });
    const sent = Date.now();
    bed.emulator.asana.appendEvents(project, 1);
    await until('the late wake-up', () => bed.wakes.length === 1);
    expect(bed.wakes[0]!.at - sent).toBeGreaterThanOrEqual(400);
  });

  it('a fault for one webhook leaves the others alone', async () => {
    const [a, b] = bed.emulator.asana.projectGids as [string, string];
    const hookA = await bed.hook(a);
    await bed.hook(b);
    await bed.control('POST', '/asana/webhooks/faults', { kind: 'drop', webhook: hookA.gid, times: 5 });
    bed.emulator.asana.appendEvents(a, 1);
    bed.emulator.asana.appendEvents(b, 1);
    await until('b woken', () => bed.wakes.some((w) => w.key === b));
    await pause(100);
    expect(bed.wakes.map((w) => w.key)).toEqual([b]);
  });

  it('delete: gone from GET and the list, and no more deliveries', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    const { gid } = await bed.hook(project);
    expect(await bed.control('DELETE', `/asana/webhooks/${gid}`)).toEqual({ deleted: gid });
    expect(await bed.client.get(gid, ctx)).toBeUndefined();
    expect(await bed.client.list(bed.emulator.asana.workspaceGid, ctx)).toEqual([]);
    bed.emulator.asana.appendEvents(project, 1);
    await pause(150);
    expect(bed.wakes).toEqual([]);
  });

  it('deactivate: GET says inactive and nothing is delivered', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    const { gid } = await bed.hook(project);
    await bed.control('POST', `/asana/webhooks/${gid}/deactivate`);
    expect((await bed.client.get(gid, ctx))?.active).toBe(false);
    bed.emulator.asana.appendEvents(project, 1);
    await bed.control('POST', `/asana/webhooks/${gid}/heartbeat`);
    await pause(150);
    expect(bed.wakes).toEqual([]);
    expect(bed.alive).toEqual([]);
  });

  it('heartbeat now, from the control API; and the client deletes a webhook', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    const { gid } = await bed.hook(project);
    await bed.control('POST', `/asana/webhooks/${gid}/heartbeat`);
    await until('the heartbeat', () => bed.alive.length === 1);
    expect(bed.wakes).toEqual([]);
    const listed = (await bed.control('GET', '/asana/webhooks'))['data'] as Array<Record<string, unknown>>;
    expect(listed).toEqual([expect.objectContaining({ gid, active: true, pending: 0 })]);
    expect(JSON.stringify(listed)).not.toContain(bed.store.load(key(project))!.secret!);
    expect(await bed.client.delete(gid, ctx)).toBe(true);
    expect(await bed.client.delete(gid, ctx)).toBe(false);
  });

  it('deleting the project takes its webhook with it', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    const { gid } = await bed.hook(project);
    bed.emulator.asana.deleteProject(project);
    expect(await bed.client.get(gid, ctx)).toBeUndefined();
  });
});
