// Asana's webhook endpoints (issue 26) through the same stack as the events stream: the token
// (renewed on a 401), the base-URL check, the token's rate governor and the retry of faults.
// Only what the official spec has: POST /webhooks with {"data":{"resource","target"}} (a JSON
// body), GET /webhooks?workspace=&resource=&limit=&offset=, GET and DELETE /webhooks/{gid}.
// No secret is ever put in a message: the answer to POST /webhooks repeats it, and it goes
// straight back to the caller.
import { rejectedHint, type TokenSource } from '../../auth/token-source.js';
import { ApiError, AuthError, NotFoundError } from '../../core/errors.js';
import type { ProviderContext } from '../../core/provider.js';
import { WebhookTargetError, type CreatedWebhook, type Webhook, type WebhookApi } from '../../core/wake.js';
import { parseJsonObject } from '../../lib/json-object.js';
import { sanitizeText } from '../../lib/sanitize.js';
import type { Governor } from '../../net/governor.js';
import type { HttpClient, HttpMethod, HttpResponse } from '../../net/http.js';
import { parseRetryAfter, TransientError, type RetryPolicy } from '../../net/retry.js';
import { ApiCaller } from '../api-call.js';

export interface AsanaWebhooksOptions {
  baseUrl: string;
  auth: TokenSource;
  http: HttpClient;
  retry: RetryPolicy;
  /** The token's rate governor, shared with the events stream: webhooks spend the same budget. */
  governor?: Governor;
}

const PAGE_SIZE = '100';
/** 100 per page; a longer chain is a server looping on its offsets. */
const MAX_PAGES = 1_000;

export class AsanaWebhooksClient implements WebhookApi {
  readonly #api: ApiCaller;
  readonly #auth: TokenSource;

  constructor(options: AsanaWebhooksOptions) {
    this.#auth = options.auth;
    this.#api = new ApiCaller({
      vendor: 'asana',
      baseUrl: options.baseUrl,
      auth: options.auth,
      http: options.http,
      governor: options.governor,
      retry: options.retry,
    });
  }

  create(resource: string, target: string, ctx: ProviderContext): Promise<CreatedWebhook> {
    const subject = `the webhook of ${resource}`;
    return this.#call('POST', '/webhooks', {}, ctx, { data: { resource, target } }, (res) => {
      if (res.status === 201 || res.status === 200) {
        const body = parseJsonObject(res.body);
        const webhook = readWebhook(body?.['data']);
        if (!webhook) throw new TransientError('Asana answered POST /webhooks without the webhook (garbled body)');
        const secret = body?.['X-Hook-Secret'];
        return { webhook, secret: typeof secret === 'string' ? secret : undefined };
      }
      const said = serverMessage(res.body);
      const shown = shownTarget(target);
      // 403: a host Asana will not deliver to (localhost, unreachable); 400: the handshake failed.
      if (res.status === 403 || (res.status === 400 && /handshake|target/i.test(said ?? '')))
        return throwIt(
          new WebhookTargetError(
            target,
            `Asana refused the webhook target ${shown} for ${resource} (${res.status}${said ? `: ${said}` : ''})`,
          ),
        );
      return throwIt(statusError(subject, res, this.#auth));
    });
  }

  get(gid: string, ctx: ProviderContext): Promise<Webhook | undefined> {
    return this.#call('GET', `/webhooks/${gid}`, {}, ctx, undefined, (res) => {
      if (res.status === 404) return undefined;
      if (res.status !== 200) return throwIt(statusError(`webhook ${gid}`, res, this.#auth));
      const webhook = readWebhook(parseJsonObject(res.body)?.['data']);
      if (!webhook) throw new TransientError(`Asana answered GET /webhooks/${gid} without the webhook (garbled body)`);
      return webhook;
    });
  }

  delete(gid: string, ctx: ProviderContext): Promise<boolean> {
    return this.#call('DELETE', `/webhooks/${gid}`, {}, ctx, undefined, (res) => {
      if (res.status === 404) return false;
      if (res.status !== 200 && res.status !== 204) return throwIt(statusError(`webhook ${gid}`, res, this.#auth));
      return true;
    });
  }

  async list(workspace: string, ctx: ProviderContext, resource?: string): Promise<Webhook[]> {
    const query: Record<string, string> = { workspace, limit: PAGE_SIZE };
    if (resource !== undefined) query['resource'] = resource;
    const found: Webhook[] = [];
    let offset: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = await this.#call(
        'GET',
        '/webhooks',
        offset === undefined ? query : { ...query, offset },
        ctx,
        undefined,
        (res) => {
          if (res.status !== 200)
            return throwIt(statusError(`the webhooks of workspace ${workspace}`, res, this.#auth));
          const parsed = parseJsonObject(res.body);
          if (!parsed || !Array.isArray(parsed['data']))
            throw new TransientError('Asana answered GET /webhooks without data (garbled body)');
          return parsed;
        },
      );
      for (const item of body['data'] as unknown[]) {
        const webhook = readWebhook(item);
        if (webhook) found.push(webhook);
      }
      const next = body['next_page'] as { offset?: unknown } | null | undefined;
      if (typeof next?.offset !== 'string' || !next.offset) return found;
      offset = next.offset;
    }
    throw new TransientError(`the webhook list of workspace ${workspace} did not end after ${MAX_PAGES} pages`);
  }

  #call<T>(
    method: HttpMethod,
    path: string,
    query: Record<string, string>,
    ctx: ProviderContext,
    json: unknown,
    read: (res: HttpResponse) => T,
  ): Promise<T> {
    const search = new URLSearchParams(query).toString();
    const url = new URL(`${this.#api.base}${path}${search ? `?${search}` : ''}`);
    return this.#api.call(url, ctx, ctx.subscription ?? 'webhooks', read, method, json);
  }
}

/** A webhook from an answer (WebhookCompact or WebhookResponse); undefined when it is not one. */
function readWebhook(value: unknown): Webhook | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const data = value as Record<string, unknown>;
  const resource = data['resource'] as { gid?: unknown } | null | undefined;
  if (typeof data['gid'] !== 'string' || typeof resource?.gid !== 'string' || typeof data['target'] !== 'string')
    return undefined;
  const webhook: Webhook = {
    gid: data['gid'],
    resource: resource.gid,
    target: data['target'],
    active: data['active'] === true,
  };
  if (typeof data['last_success_at'] === 'string') webhook.lastSuccessAt = data['last_success_at'];
  if (typeof data['last_failure_at'] === 'string') webhook.lastFailureAt = data['last_failure_at'];
  return webhook;
}

/** The target without its /hooks/<id>: what the user typed as --webhook-url. */
function shownTarget(target: string): string {
  return sanitizeText(target.replace(/\/hooks\/[^/?#]+$/, '')).slice(0, 300);
}

function statusError(subject: string, res: HttpResponse, auth: TokenSource): Error {
  const { status } = res;
  const message = serverMessage(res.body);
  const said = message ? `: ${message}` : '';
  if (status === 429)
    return new TransientError('rate limited by Asana (429)', parseRetryAfter(res.headers['retry-after']), {
      rateLimited: true,
    });
  if (status === 408 || status >= 500) return new TransientError(`Asana answered ${status}${said}`);
  if (status === 401) return new AuthError(`Asana rejected the access token (401${said})`, rejectedHint(auth));
  if (status === 402)
    return new AuthError(`Asana says ${subject} needs a premium plan (402${said})`, 'use a token of a paid domain');
  if (status === 403)
    return new AuthError(
      `Asana denied access to ${subject} (403${said})`,
      "check that the token's user can see the resource, and that an OAuth app has the webhooks scopes",
    );
  if (status === 404)
    return new NotFoundError(
      `${subject} was not found (404${said})`,
      "check the gid, and that the token's user can see it",
    );
  return new ApiError(status, `Asana answered ${status} for ${subject}${said}`);
}

function serverMessage(text: string): string | undefined {
  const errors = parseJsonObject(text)?.['errors'];
  const first = Array.isArray(errors) ? (errors[0] as { message?: unknown } | undefined) : undefined;
  return typeof first?.message === 'string' ? sanitizeText(first.message).slice(0, 300) : undefined;
}

function throwIt(error: Error): never {
  throw error;
}
