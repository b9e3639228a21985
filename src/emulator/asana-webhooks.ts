// Asana's webhook endpoints as the official spec describes them: POST /webhooks (the handshake
// reaches the target while the POST is in flight; no echo, no webhook), GET /webhooks?workspace=
// (offset-paginated, compact), GET and DELETE /webhooks/{gid}. New events on a webhook's resource,
// bubbling up from its tasks, subtasks and stories as in the events stream, go to the delivery
// engine (webhook-deliveries.ts). Parameters and body fields outside the spec are refused as
// Asana would and noted in `violations`. The control API reaches the rest: faults, a replay, a
// heartbeat now, deleting or deactivating a webhook as Asana may do on its own.
import type { AsanaWorld } from './asana-world.js';
import { asanaError, json, type Incoming, type Reply } from './reply.js';
import {
  WebhookDeliveries,
  type DeliveryRecord,
  type DeliveryTarget,
  type WebhookFault,
  type WebhookTimings,
} from './webhook-deliveries.js';

export type { WebhookTimings } from './webhook-deliveries.js';

export interface EmulatedWebhook extends DeliveryTarget {
  resource: string;
  createdAt: number;
}

/** The spec's opt_fields enum of the webhook operations (getWebhooks adds offset, path and uri). */
export const WEBHOOK_FIELDS = [
  'active',
  'created_at',
  'delivery_retry_count',
  'failure_deletion_timestamp',
  'filters',
  'filters.action',
  'filters.fields',
  'filters.resource_subtype',
  'last_failure_at',
  'last_failure_content',
  'last_success_at',
  'next_attempt_after',
  'resource',
  'resource.name',
  'target',
];
export const LIST_FIELDS = [...WEBHOOK_FIELDS, 'offset', 'path', 'uri'];
/** Higher-level resources take a webhook only with filters (the spec's WebhookRequest). */
const NEEDS_FILTERS = new Set(['workspace', 'team', 'portfolio']);
const HANDSHAKE_FAILED =
  'Could not complete activation handshake with target URL. Please ensure that the receiving server is accepting connections and supports SSL';

export class AsanaWebhooks {
  readonly #world: AsanaWorld;
  readonly #violations: string[];
  readonly #now: () => number;
  readonly #deliveries: WebhookDeliveries;
  readonly #webhooks = new Map<string, EmulatedWebhook>();
  #counter = 0;

  constructor(world: AsanaWorld, timings: WebhookTimings, violations: string[], now: () => number) {
    this.#world = world;
    this.#violations = violations;
    this.#now = now;
    this.#deliveries = new WebhookDeliveries(timings, now, (webhook) => this.remove(webhook.gid));
    world.onEvent((reached, event) => this.#onEvent(reached, event));
  }

  /** The answer to a request under /webhooks, or undefined for any other path. */
  handle(req: Incoming, path: string): Reply | Promise<Reply> | undefined {
    if (path === '/webhooks') {
      if (req.method === 'POST') return this.#create(req);
      if (req.method === 'GET') return this.#list(req);
      return asanaError(404, 'No matching route for request');
    }
    const gid = /^\/webhooks\/([^/]+)$/.exec(path)?.[1];
    if (gid === undefined) return undefined;
    if (req.method === 'GET') return this.#get(req, gid);
    if (req.method === 'DELETE') {
      const bad = this.#unknownParams(req, 'deleteWebhook', ['opt_pretty']);
      if (bad) return bad;
      if (!this.remove(gid)) return asanaError(404, `Unknown object: ${gid}`);
      return json(200, { data: {} });
    }
    return asanaError(404, 'No matching route for request');
  }

  // --- the control API's handles ----------------------------------------------------------

  list(): EmulatedWebhook[] {
    return [...this.#webhooks.values()];
  }

  get deliveries(): DeliveryRecord[] {
    return this.#deliveries.records;
  }

  pendingOf(gid: string): number {
    const webhook = this.#webhooks.get(gid);
    return webhook ? this.#deliveries.pendingOf(webhook) : 0;
  }

  addFault(fault: WebhookFault): void {
    this.#deliveries.addFault(fault);
  }

  clearFaults(): void {
    this.#deliveries.clearFaults();
  }

  get faults(): WebhookFault[] {
    return this.#deliveries.faults;
  }

  /** Deletes a webhook as Asana does after long failures (or as DELETE does); false when unknown. */
  remove(gid: string): boolean {
    const webhook = this.#webhooks.get(gid);
    if (!webhook) return false;
    webhook.deleted = true;
    this.#deliveries.stop(webhook);
    this.#webhooks.delete(gid);
    return true;
  }

  /** Asana marks a webhook inactive: it stays listed, active false, and delivers nothing more. */
  deactivate(gid: string): void {
    this.#known(gid).active = false;
  }

  heartbeat(gid: string): void {
    this.#deliveries.heartbeat(this.#known(gid));
  }

  replay(gid: string): Promise<DeliveryRecord | undefined> {
    return this.#deliveries.replay(this.#known(gid));
  }

  close(): void {
    this.#deliveries.close();
  }

  #known(gid: string): EmulatedWebhook {
    const webhook = this.#webhooks.get(gid);
    if (!webhook) throw new Error(`no such webhook: ${gid}`);
    return webhook;
  }

  // --- the REST endpoints -----------------------------------------------------------------

  async #create(req: Incoming): Promise<Reply> {
    const bad = this.#unknownParams(req, 'createWebhook', ['opt_fields', 'opt_pretty']);
    if (bad) return bad;
    const data = requestData(req);
    if (!data) return asanaError(400, 'Could not parse request data, invalid JSON');
    for (const key of Object.keys(data)) {
      if (!['resource', 'target', 'filters'].includes(key)) {
        this.#violations.push(`createWebhook: data.${key} is not in the spec`);
        return asanaError(400, `${key}: Unknown field`);
      }
    }
    const resource = data['resource'];
    const target = data['target'];
    if (typeof resource !== 'string' || !resource) return asanaError(400, 'resource: Missing input');
    if (typeof target !== 'string' || !target) return asanaError(400, 'target: Missing input');
    const object = this.#world.objects.get(resource);
    if (!object || !this.#world.logs.has(resource)) return asanaError(404, `Unknown object: ${resource}`);
    if (NEEDS_FILTERS.has(object.resource_type) && !Array.isArray(data['filters']))
      return asanaError(400, `filters: Webhooks on a ${object.resource_type} require filters`);
    const refused = refuseTarget(target);
    if (refused) return refused;
    const gid = String(1_210_000_000_000_000 + ++this.#counter);
    // The handshake happens here, while the client's POST waits for its answer.
    const secret = await this.#deliveries.handshake(gid, target);
    if (secret === undefined) return asanaError(400, HANDSHAKE_FAILED);
    const webhook: EmulatedWebhook = {
      gid,
      resource,
      target,
      secret,
      active: true,
      deleted: false,
      createdAt: this.#now(),
      lastSuccessAt: undefined,
      lastFailureAt: undefined,
      lastFailureContent: undefined,
      retryCount: 0,
      nextAttemptAt: undefined,
      failingSince: undefined,
    };
    this.#webhooks.set(gid, webhook);
    this.#deliveries.start(webhook);
    const fields = this.#fields(req, 'createWebhook', WEBHOOK_FIELDS);
    if (typeof fields === 'object' && !Array.isArray(fields)) return fields;
    return json(201, { data: this.#full(webhook, fields ?? []), 'X-Hook-Secret': secret });
  }

  #get(req: Incoming, gid: string): Reply {
    const bad = this.#unknownParams(req, 'getWebhook', ['opt_fields', 'opt_pretty']);
    if (bad) return bad;
    const fields = this.#fields(req, 'getWebhook', WEBHOOK_FIELDS);
    if (typeof fields === 'object' && !Array.isArray(fields)) return fields;
    const webhook = this.#webhooks.get(gid);
    if (!webhook) return asanaError(404, `Unknown object: ${gid}`);
    return json(200, { data: this.#full(webhook, fields ?? []) });
  }

  #list(req: Incoming): Reply {
    const bad = this.#unknownParams(req, 'getWebhooks', [
      'workspace',
      'resource',
      'limit',
      'offset',
      'opt_fields',
      'opt_pretty',
    ]);
    if (bad) return bad;
    const workspace = req.query.get('workspace');
    if (!workspace) return asanaError(400, 'workspace: Missing input');
    if (workspace !== this.#world.workspace.gid) return asanaError(404, `Unknown object: ${workspace}`);
    const fields = this.#fields(req, 'getWebhooks', LIST_FIELDS);
    if (typeof fields === 'object' && !Array.isArray(fields)) return fields;
    const resource = req.query.get('resource');
    const all = this.list().filter((w) => resource === null || w.resource === resource);
    const limitText = req.query.get('limit');
    const limit = limitText === null ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 100))
      return asanaError(400, 'limit: Must be between 1 and 100');
    const offset = req.query.get('offset');
    const start = offset === null ? 0 : decodeOffset(offset);
    if (start === undefined) return asanaError(400, 'offset: Your pagination token is invalid.');
    const end = limit === undefined ? all.length : Math.min(all.length, start + limit);
    const body: Record<string, unknown> = {
      data: all.slice(start, end).map((w) => ({ ...this.#compact(w), ...this.#extras(w, fields ?? []) })),
    };
    if (limit !== undefined) {
      const next = end < all.length ? encodeOffset(end) : undefined;
      body['next_page'] = next
        ? {
            offset: next,
            path: `/webhooks?limit=${limit}&offset=${next}`,
            uri: `https://app.asana.com/api/1.0/webhooks?limit=${limit}&offset=${next}`,
          }
        : null;
    }
    return json(200, body);
  }

  /** WebhookCompact: what a list shows by default. */
  #compact(webhook: EmulatedWebhook): Record<string, unknown> {
    const name = this.#world.objects.get(webhook.resource)?.['name'];
    return {
      gid: webhook.gid,
      resource_type: 'webhook',
      active: webhook.active,
      resource: { gid: webhook.resource, name: typeof name === 'string' ? name : null },
      target: webhook.target,
    };
  }

  /** WebhookResponse: the full record, plus the fields only opt_fields adds. */
  #full(webhook: EmulatedWebhook, fields: string[]): Record<string, unknown> {
    return {
      ...this.#compact(webhook),
      created_at: iso(webhook.createdAt),
      last_failure_at: iso(webhook.lastFailureAt),
      last_failure_content: webhook.lastFailureContent ?? null,
      last_success_at: iso(webhook.lastSuccessAt),
      filters: [],
      ...this.#extras(webhook, fields),
    };
  }

  #extras(webhook: EmulatedWebhook, fields: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (fields.includes('delivery_retry_count')) out['delivery_retry_count'] = webhook.retryCount;
    if (fields.includes('next_attempt_after')) out['next_attempt_after'] = iso(webhook.nextAttemptAt);
    if (fields.includes('failure_deletion_timestamp')) out['failure_deletion_timestamp'] = null;
    if (fields.includes('created_at')) out['created_at'] = iso(webhook.createdAt);
    if (fields.includes('last_success_at')) out['last_success_at'] = iso(webhook.lastSuccessAt);
    if (fields.includes('last_failure_at')) out['last_failure_at'] = iso(webhook.lastFailureAt);
    return out;
  }

  /** An event reached these logs: every webhook on one of them gets it, as Asana sends it (compact). */
  #onEvent(reached: ReadonlySet<string>, event: Record<string, unknown>): void {
    if (this.#webhooks.size === 0) return;
    const resource = (event['resource'] as { gid?: string } | undefined)?.gid;
    for (const webhook of this.list()) {
      // A deleted resource takes its webhooks with it.
      if (event['action'] === 'deleted' && resource === webhook.resource) {
        this.remove(webhook.gid);
        continue;
      }
      if (reached.has(webhook.resource)) this.#deliveries.enqueue(webhook, compactEvent(event));
    }
  }

  #fields(req: Incoming, operation: string, allowed: string[]): string[] | undefined | Reply {
    const values = req.query.getAll('opt_fields');
    if (values.length === 0) return undefined;
    const fields = values.flatMap((v) => v.split(',')).filter(Boolean);
    const unknown = fields.find((f) => !allowed.includes(f));
    if (unknown) {
      this.#violations.push(`${operation}: opt_fields value ${unknown} is not in the spec's enum`);
      return asanaError(400, `opt_fields: Unknown field: ${unknown}`);
    }
    return fields;
  }

  #unknownParams(req: Incoming, operation: string, allowed: string[]): Reply | undefined {
    for (const key of req.query.keys()) {
      if (!allowed.includes(key)) {
        this.#violations.push(`${operation}: query parameter ${key} is not in the spec`);
        return asanaError(400, `${key}: Unknown parameter`);
      }
    }
    return undefined;
  }
}

/** `data` of a JSON body ({"data":{…}}), or the fields of a form body (both work at Asana). */
function requestData(req: Incoming): Record<string, unknown> | undefined {
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(req.body));
  try {
    const data = (JSON.parse(req.body) as { data?: unknown } | null)?.data;
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Asana delivers only to https and refuses hosts such as localhost (403). The emulator also
 * delivers to plain http on a loopback address, where its tests and `events emulator` run.
 */
function refuseTarget(target: string): Reply | undefined {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return asanaError(400, 'target: Not a valid URL');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return asanaError(403, `Invalid hostname: ${host}`);
  const loopback = host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return undefined;
  return asanaError(403, 'The target must be an https URL');
}

/** An event as a webhook carries it: gids and types, no names (the events API has those). */
function compactEvent(event: Record<string, unknown>): Record<string, unknown> {
  const strip = (value: unknown): unknown => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    const { name: _name, ...rest } = value as Record<string, unknown>;
    return rest;
  };
  const out: Record<string, unknown> = {
    user: strip(event['user']),
    created_at: event['created_at'],
    action: event['action'],
    resource: strip(event['resource']),
    parent: strip(event['parent']),
  };
  const change = event['change'] as Record<string, unknown> | undefined;
  if (change)
    out['change'] = Object.fromEntries(
      Object.entries(change).map(([key, value]) => [key, key.endsWith('_value') ? strip(value) : value]),
    );
  return out;
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

function encodeOffset(index: number): string {
  return Buffer.from(JSON.stringify({ typ: 'webhooks', i: index })).toString('base64url');
}

function decodeOffset(offset: string): number | undefined {
  try {
    const value = JSON.parse(Buffer.from(offset, 'base64url').toString('utf8')) as { typ?: unknown; i?: unknown };
    return value.typ === 'webhooks' && Number.isInteger(value.i) && (value.i as number) >= 0
      ? (value.i as number)
      : undefined;
  } catch {
    return undefined;
  }
}
