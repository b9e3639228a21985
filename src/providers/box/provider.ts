// Box's Events API: GET /events paged by stream_position, long polling through the realtime
// server for user streams, polling for enterprise streams. Caught up means an empty page (Box may
// return fewer than `limit` entries while more remain), positions stay exact decimal strings,
// and repeated events are dropped by event_id (the follow loop does that through eventId()).
import { rejectedHint, type TokenSource } from '../../auth/token-source.js';
import { ApiError, AuthError, CursorRefusedError, UsageError } from '../../core/errors.js';
import { NetworkError, type HttpClient, type HttpResponse } from '../../net/http.js';
import { sanitizeText } from '../../lib/sanitize.js';
import { ApiCaller } from '../api-call.js';
import type { BoxStreamType, Reference } from '../../core/refs.js';
import type { Governor } from '../../net/governor.js';
import { parseRetryAfter, TransientError, type RetryPolicy } from '../../net/retry.js';
import { sleep } from '../../lib/sleep.js';
import type { TimerGrid } from '../../net/timer-grid.js';
import { readBoxPage, type BoxPage } from './events-page.js';
import { EventBatch } from '../../core/event-batch.js';
import type { Cursor, FetchResult, Provider, ProviderContext } from '../../core/provider.js';

export { DEFAULT_BOX_BASE_URL } from '../defaults.js';
export const BOX_PAGE_LIMIT = 500;
const ENTERPRISE: readonly BoxStreamType[] = ['admin_logs', 'admin_logs_streaming'];

export interface BoxOptions {
  baseUrl: string;
  auth: TokenSource;
  http: HttpClient;
  retry: RetryPolicy;
  intervalMs: number;
  fromStart?: boolean;
  eventTypes?: string[];
  createdAfter?: string;
  createdBefore?: string;
  /** The token's rate governor, shared by every subscription; undefined: one of its own. */
  governor?: Governor;
  /** Where the --interval waits end (ticks shared by every subscription); undefined: plain timers. */
  grid?: TimerGrid;
}

type BoxRef = Extract<Reference, { provider: 'box' }>;

interface RealtimeChannel {
  url: string;
  maxRetries: number;
  retryTimeoutMs: number;
  uses: number;
}

export function isEnterpriseStream(streamType: BoxStreamType): boolean {
  return ENTERPRISE.includes(streamType);
}

export class BoxProvider implements Provider {
  readonly name = 'box' as const;
  readonly host: string;
  readonly #options: BoxOptions;
  readonly #base: string;
  readonly #api: ApiCaller;
  readonly #channels = new Map<string, RealtimeChannel>();
  readonly #realtimeFailures = new Map<string, number>();

  constructor(options: BoxOptions) {
    this.#options = options;
    this.#api = new ApiCaller({
      vendor: 'box',
      baseUrl: options.baseUrl,
      auth: options.auth,
      http: options.http,
      governor: options.governor,
      retry: options.retry,
    });
    this.#base = this.#api.base;
    this.host = this.#api.host;
  }

  validate(ref: BoxRef): void {
    // --event-type is sent as event_type on enterprise streams (the API filters there) and is
    // applied by the output filter on user streams, where the API has no such parameter.
    if ((this.#options.createdAfter || this.#options.createdBefore) && ref.streamType !== 'admin_logs') {
      throw new UsageError(
        `--since/--until work only on box:admin_logs, not ${ref.label}`,
        'use box:admin_logs for time-window backfills',
      );
    }
  }

  startsWithHistory(): boolean {
    return Boolean(this.#options.fromStart || this.#options.createdAfter || this.#options.createdBefore);
  }

  async start(ref: Reference, ctx: ProviderContext): Promise<Cursor> {
    const box = asBox(ref);
    // A backfill window or --from-start reads everything retained; otherwise start at "now".
    if (this.#options.fromStart || this.#options.createdAfter || this.#options.createdBefore) return { position: '0' };
    // "now" is not a clean cut: admin_logs_streaming repeats the tail of the page before a position,
    // and a first run has no saved ids to drop it by. What was created before this second is old.
    const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const page = await this.#page(box, 'now', ctx, false);
    return { position: page.position, notBefore };
  }

  async fetch(ref: Reference, cursor: Cursor, ctx: ProviderContext): Promise<FetchResult> {
    const box = asBox(ref);
    const position = String(cursor['position'] ?? '0');
    const page = await this.#page(box, position, ctx, true);
    // An empty admin_logs page may carry position 0: never move a real checkpoint back to it.
    const next = page.entries.length === 0 && page.position === '0' ? position : page.position;
    // A cursor that started at "now" keeps its start: an event created before it is never printed.
    const notBefore = typeof cursor['notBefore'] === 'string' ? cursor['notBefore'] : undefined;
    const events = notBefore === undefined ? page.entries : createdSince(page.entries, Date.parse(notBefore));
    return {
      kind: 'page',
      page: {
        events,
        next: notBefore === undefined ? { position: next } : { position: next, notBefore },
        more: page.entries.length > 0,
      },
    };
  }

  async waitForChanges(ref: Reference, cursor: Cursor, ctx: ProviderContext): Promise<void> {
    const box = asBox(ref);
    if (isEnterpriseStream(box.streamType))
      return (this.#options.grid?.sleep ?? sleep)(this.#options.intervalMs, ctx.signal);
    const position = String(cursor['position'] ?? '0');
    for (;;) {
      const channel = this.#channels.get(box.id) ?? (await this.#openChannel(box, ctx));
      if (channel.uses >= channel.maxRetries) {
        this.#channels.delete(box.id);
        continue;
      }
      channel.uses++;
      const url = new URL(channel.url);
      url.searchParams.set('stream_position', position);
      const sent = Date.now();
      let res: HttpResponse;
      try {
        // Not through the rate governor: this wait goes to the realtime server named by OPTIONS,
        // not to the API, and may hang for ten minutes; holding a slot of the token's budget and
        // in-flight cap that long would starve the requests that do count. Its OPTIONS does count.
        // No token either: the channel in the URL is the realtime server's credential (Box's
        // documentation names it over plain http), so the access token never travels there.
        res = await this.#options.http.request({ url, signal: ctx.signal, timeoutMs: channel.retryTimeoutMs + 5_000 });
      } catch (error) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        if (error instanceof NetworkError && error.code === 'TIMEOUT') continue; // no answer in time: ask again
        // The realtime server dropped the wait: read the stream now (an event may be waiting), then
        // wait on a fresh channel. Only repeated failures slow this down, up to --interval.
        return this.#realtimeFailed(box, ctx);
      }
      const message = (parseJson(res.body) as { message?: unknown } | undefined)?.message;
      if (res.status === 200 && message === 'reconnect') {
        this.#channels.delete(box.id);
        // A reconnect after a real wait is routine; an instant one, again and again, must not
        // become a busy loop of OPTIONS requests.
        if (Date.now() - sent < 250) await this.#realtimeFailed(box, ctx);
        else this.#realtimeFailures.delete(box.id);
        continue;
      }
      if (res.status !== 200 || message !== 'new_change') {
        // An error or an answer it does not know: read the stream (always safe) on a fresh channel.
        return this.#realtimeFailed(box, ctx);
      }
      this.#realtimeFailures.delete(box.id);
      return;
    }
  }

  /** Drops the channel; from the second failure in a row on, waits (250 ms doubling, at most --interval). */
  async #realtimeFailed(ref: BoxRef, ctx: ProviderContext): Promise<void> {
    this.#channels.delete(ref.id);
    const failures = (this.#realtimeFailures.get(ref.id) ?? 0) + 1;
    this.#realtimeFailures.set(ref.id, failures);
    if (failures > 1)
      await sleep(Math.min(this.#options.intervalMs, 250 * 2 ** Math.min(failures - 2, 16)), ctx.signal);
  }

  eventId(event: unknown): string | undefined {
    const id = (event as { event_id?: unknown } | null)?.event_id;
    return typeof id === 'string' ? id : undefined;
  }

  async #openChannel(ref: BoxRef, ctx: ProviderContext): Promise<RealtimeChannel> {
    const url = new URL(`${this.#base}/events`);
    const body = await this.#call(ref, url, ctx, 'OPTIONS', (res) => {
      const parsed = parseJson(res.body) as { entries?: Array<Record<string, unknown>> } | undefined;
      const server = parsed?.entries?.find((e) => e['type'] === 'realtime_server') ?? parsed?.entries?.[0];
      if (!server || typeof server['url'] !== 'string')
        throw new TransientError('Box sent no realtime server in its OPTIONS answer');
      return server;
    });
    const channel: RealtimeChannel = {
      url: body['url'] as string,
      maxRetries: Number(body['max_retries'] ?? 10) || 10,
      retryTimeoutMs: 1000 * (Number(body['retry_timeout'] ?? 610) || 610),
      uses: 0,
    };
    this.#channels.set(ref.id, channel);
    return channel;
  }

  /** `stored`: the position is a stored cursor, which a 414 or 431 refuses for good. */
  #page(ref: BoxRef, position: string, ctx: ProviderContext, stored: boolean): Promise<BoxPage> {
    const url = new URL(`${this.#base}/events`);
    url.searchParams.set('stream_type', ref.streamType);
    url.searchParams.set('stream_position', position);
    url.searchParams.set('limit', String(BOX_PAGE_LIMIT));
    if (this.#options.eventTypes?.length && isEnterpriseStream(ref.streamType))
      url.searchParams.set('event_type', this.#options.eventTypes.join(','));
    if (this.#options.createdAfter) url.searchParams.set('created_after', this.#options.createdAfter);
    if (this.#options.createdBefore) url.searchParams.set('created_before', this.#options.createdBefore);
    return this.#call(
      ref,
      url,
      ctx,
      'GET',
      (res) => readBoxPage(res.body),
      (res) => {
        if (stored && (res.status === 414 || res.status === 431))
          throw new CursorRefusedError(`Box refused the stored position of ${ref.label} as too long (${res.status})`);
      },
    );
  }

  #call<T>(
    ref: BoxRef,
    url: URL,
    ctx: ProviderContext,
    method: 'GET' | 'OPTIONS',
    read: (res: HttpResponse) => T,
    refuse?: (res: HttpResponse) => void,
  ): Promise<T> {
    const accept = (res: HttpResponse): T => {
      if (res.status === 200) return read(res);
      refuse?.(res);
      throw boxError(ref, res, this.#options.auth);
    };
    return this.#api.call(url, ctx, ctx.subscription ?? ref.id, accept, method);
  }
}

function asBox(ref: Reference): BoxRef {
  if (ref.provider !== 'box') throw new TypeError(`not a Box reference: ${ref.label}`);
  return ref;
}

/** The events created at or after `since` (ms); one without a readable created_at is kept. */
function createdSince(events: EventBatch, since: number): EventBatch {
  const kept: number[] = [];
  for (let i = 0; i < events.length; i++) {
    const created = Date.parse(String((events.value(i) as { created_at?: unknown } | null)?.created_at));
    if (!(created < since)) kept.push(i);
  }
  return events.pick(kept);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function boxError(ref: BoxRef, res: HttpResponse, auth: TokenSource): Error {
  const body = parseJson(res.body) as { message?: unknown; code?: unknown } | undefined;
  const detail = [body?.code, body?.message]
    .filter((x) => typeof x === 'string')
    .map((x) => sanitizeText(x).slice(0, 200))
    .join(': ');
  const said = detail ? `: ${detail}` : '';
  const { status } = res;
  if (status === 429)
    return new TransientError('rate limited by Box (429)', parseRetryAfter(res.headers['retry-after']), {
      rateLimited: true,
    });
  if (status === 408 || status >= 500) return new TransientError(`Box answered ${status}${said}`);
  if (status === 401) return new AuthError(`Box rejected the access token (401${said})`, rejectedHint(auth));
  if (status === 403 && isEnterpriseStream(ref.streamType)) {
    return new AuthError(
      `Box refused ${ref.label} (403${said})`,
      'enterprise streams need an admin token with the "manage enterprise properties" scope',
    );
  }
  if (status === 403)
    return new AuthError(`Box denied access to ${ref.label} (403${said})`, "check the token's scopes");
  return new ApiError(
    status,
    `Box answered ${status} for ${ref.label}${said}`,
    status === 400 ? 'check the flags (for example --event-type)' : undefined,
  );
}
