// Asana's Events API: GET /events?resource= and GET /workspaces/{gid}/events, the 412 sync-token
// dance, has_more paging. Requests stay inside the official OpenAPI spec (no opt_fields on
// workspace events, opt_fields values from the spec's enum).
import { AsanaWebhooksClient } from './webhooks.js';
import { rejectedHint, type TokenSource } from '../../auth/token-source.js';
import { badValue } from '../../core/bounds.js';
import { ApiError, AuthError, CursorRefusedError, NotFoundError } from '../../core/errors.js';
import { closest } from '../../lib/suggest.js';
import type { HttpClient, HttpResponse } from '../../net/http.js';
import { sanitizeText } from '../../lib/sanitize.js';
import { ApiCaller } from '../api-call.js';
import type { Expander, Reference } from '../../core/refs.js';
import type { Governor } from '../../net/governor.js';
import { parseRetryAfter, TransientError, type RetryPolicy } from '../../net/retry.js';
import { sleep } from '../../lib/sleep.js';
import type { TimerGrid } from '../../net/timer-grid.js';
import { AsanaCrawler } from './crawl.js';
import { listProjects, type ListedProject } from './projects.js';
import { readEventsPage, readFreshSync } from './events-page.js';
import type { Cursor, FetchResult, Provider, ProviderContext, SnapshotItem } from '../../core/provider.js';
import { parseJsonObject } from '../../lib/json-object.js';

export { DEFAULT_ASANA_BASE_URL } from '../defaults.js';

/** The spec's enum for GET /events opt_fields. */
export const ASANA_EVENT_FIELDS = [
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
] as const;

export interface AsanaOptions {
  baseUrl: string;
  auth: TokenSource;
  http: HttpClient;
  retry: RetryPolicy;
  intervalMs: number;
  fields?: string[];
  /** opt_fields for the re-crawl requests (filtered per endpoint); undefined: sensible defaults. */
  crawlFields?: string[];
  /** The token's rate governor, shared by every subscription; undefined: one of its own. */
  governor?: Governor;
  /** Where the --interval waits end (ticks shared by every subscription); undefined: plain timers. */
  grid?: TimerGrid;
}

type AsanaRef = Extract<Reference, { provider: 'asana' }>;

export function validateAsanaFields(fields: string[]): string[] {
  const unknown = fields.filter((f) => !(ASANA_EVENT_FIELDS as readonly string[]).includes(f));
  if (unknown.length) {
    const guess = closest(unknown[0]!, ASANA_EVENT_FIELDS);
    throw badValue(
      '--fields',
      `fields of Asana events (${ASANA_EVENT_FIELDS.join(', ')})`,
      unknown.join(','),
      'user.name,resource.name',
      guess ? `did you mean ${guess}?` : undefined,
    );
  }
  return fields;
}

export class AsanaProvider implements Provider {
  readonly name = 'asana' as const;
  readonly host: string;
  readonly #options: AsanaOptions;
  readonly #base: string;
  readonly #api: ApiCaller;

  constructor(options: AsanaOptions) {
    this.#options = options;
    this.#api = new ApiCaller({
      vendor: 'asana',
      baseUrl: options.baseUrl,
      auth: options.auth,
      http: options.http,
      governor: options.governor,
      retry: options.retry,
    });
    this.#base = this.#api.base;
    this.host = this.#api.host;
  }

  /** Asana's webhook endpoints on the same token, host, client and governor as the events stream. */
  webhooks(): AsanaWebhooksClient {
    const { baseUrl, auth, http, retry, governor } = this.#options;
    // Webhook requests (the lifecycle sends them under this one key) go ahead of polls: see serveFirst.
    governor?.serveFirst('webhooks');
    return new AsanaWebhooksClient({ baseUrl, auth, http, retry, governor });
  }

  async start(ref: Reference, ctx: ProviderContext): Promise<Cursor> {
    const result = await this.#events(asAsana(ref), undefined, ctx);
    // Without a sync token Asana answers 412 with the first token; a 200 would be odd but usable.
    return result.kind === 'expired' ? result.fresh : result.page.next;
  }

  fetch(ref: Reference, cursor: Cursor, ctx: ProviderContext): Promise<FetchResult> {
    const sync = cursor['sync'];
    if (typeof sync !== 'string') throw new TypeError('Asana cursor without a sync token');
    return this.#events(asAsana(ref), sync, ctx);
  }

  waitForChanges(_ref: Reference, _cursor: Cursor, ctx: ProviderContext): Promise<void> {
    return (this.#options.grid?.sleep ?? sleep)(this.#options.intervalMs, ctx.signal);
  }

  eventsUrl(ref: AsanaRef, sync: string | undefined): URL {
    const path = ref.kind === 'workspace' ? `${this.#base}/workspaces/${ref.gid}/events` : `${this.#base}/events`;
    // The query is built apart and the URL parsed once: every url.searchParams.set re-serialises
    // and re-parses the whole URL, and a drain builds one URL per page.
    const query = new URLSearchParams();
    if (ref.kind === 'resource') query.set('resource', ref.gid);
    if (sync !== undefined) query.set('sync', sync);
    const fields = this.#options.fields;
    if (fields?.length && ref.kind === 'resource') query.set('opt_fields', fields.join(','));
    const search = query.toString();
    return new URL(search ? `${path}?${search}` : path);
  }

  crawl(ref: Reference, ctx: ProviderContext): AsyncIterable<SnapshotItem[]> {
    const asana = asAsana(ref);
    // The crawl shares the client, the retry policy and the rate-limit gate of the stream.
    const get = (path: string, query: Record<string, string>): Promise<Record<string, unknown> | undefined> => {
      const url = new URL(`${this.#base}${path}`);
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      return this.#call(url, ctx, (res) => interpretResource(asana, res, this.#options.auth));
    };
    return new AsanaCrawler(get, this.#options.crawlFields).crawl(asana);
  }

  /** The non-archived projects behind projects:<workspace> or team:<team>, every page. */
  listProjects(ref: Expander, ctx: ProviderContext): Promise<ListedProject[]> {
    return listProjects(ref, (path, query) => {
      const url = new URL(`${this.#base}${path}`);
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      return this.#call(url, ctx, (res) => interpretList(ref, res, this.#options.auth));
    });
  }

  #events(ref: AsanaRef, sync: string | undefined, ctx: ProviderContext): Promise<FetchResult> {
    return this.#call(this.eventsUrl(ref, sync), ctx, (res) => interpret(ref, res, this.#options.auth, sync));
  }

  #call<T>(url: URL, ctx: ProviderContext, read: (res: HttpResponse) => T): Promise<T> {
    return this.#api.call(url, ctx, ctx.subscription ?? '', read);
  }
}

function asAsana(ref: Reference): AsanaRef {
  if (ref.provider !== 'asana') throw new TypeError(`not an Asana reference: ${ref.label}`);
  return ref;
}

function interpret(ref: AsanaRef, res: HttpResponse, auth: TokenSource, sync: string | undefined): FetchResult {
  // Checked before anything of it is handed on (events-page.ts): a bad page is retried.
  if (res.status === 200) return { kind: 'page', page: readEventsPage(res.body) };
  if (res.status === 412) return { kind: 'expired', fresh: readFreshSync(res.body) };
  // The request line carried the stored token, and the server found it too long: only a reset helps.
  if (sync !== undefined && (res.status === 414 || res.status === 431))
    throw new CursorRefusedError(`Asana refused the stored sync token of ${ref.label} as too long (${res.status})`);
  throw statusError(ref, res, auth);
}

/** A crawl answer: the body, or undefined when this path does not exist (400/404: wrong type). */
function interpretResource(ref: AsanaRef, res: HttpResponse, auth: TokenSource): Record<string, unknown> | undefined {
  if (res.status === 200) {
    const body = parseJsonObject(res.body);
    if (!body || !('data' in body))
      throw new TransientError('Asana sent a 200 answer without data (truncated or garbled body)');
    return body;
  }
  if (res.status === 400 || res.status === 404) return undefined;
  throw statusError(ref, res, auth);
}

function interpretList(ref: AsanaRef, res: HttpResponse, auth: TokenSource): Record<string, unknown> {
  if (res.status !== 200) throw statusError(ref, res, auth);
  const body = parseJsonObject(res.body);
  if (!body) throw new TransientError('Asana sent a 200 answer that is not a JSON object (truncated or garbled body)');
  return body;
}

function statusError(ref: AsanaRef, res: HttpResponse, auth: TokenSource): Error {
  const { status } = res;
  const message = serverMessage(res.body);
  const said = message ? `: ${message}` : '';
  if (status === 429)
    return new TransientError(`rate limited by Asana (429)`, parseRetryAfter(res.headers['retry-after']), {
      rateLimited: true,
    });
  if (status === 408 || status >= 500) return new TransientError(`Asana answered ${status}${said}`);
  if (ref.kind === 'workspace' && (status === 401 || status === 402 || status === 403)) {
    return new AuthError(
      `Asana refused workspace events for ${ref.gid} (${status}${said}); they exist only for service accounts of Enterprise+ domains`,
      'use a service account token in ASANA_ACCESS_TOKEN, or tail a project, task or goal instead',
    );
  }
  if (status === 401) return new AuthError(`Asana rejected the access token (401${said})`, rejectedHint(auth));
  if (status === 402)
    return new AuthError(`Asana says ${ref.label} needs a premium plan (402${said})`, 'use a token of a paid domain');
  if (status === 403)
    return new AuthError(`Asana denied access to ${ref.label} (403${said})`, "check that the token's user can see it");
  if (status === 404)
    return new NotFoundError(
      `${ref.label} was not found (404${said})`,
      "check the gid or URL, and that the token's user can see it",
    );
  return new ApiError(
    status,
    `Asana answered ${status} for ${ref.label}${said}`,
    status === 400 ? 'check the flags (for example --fields)' : undefined,
  );
}

function serverMessage(text: string): string | undefined {
  const body = parseJsonObject(text);
  const errors = body?.['errors'];
  const first = Array.isArray(errors) ? (errors[0] as { message?: unknown } | undefined) : undefined;
  return typeof first?.message === 'string' ? sanitizeText(first.message).slice(0, 300) : undefined;
}
