// One undici Agent shared by every subscription: keep-alive connections, bounded concurrency per
// access token, and timeouts on every phase so a hung or dripping response never freezes a tail.
// The access token goes into the Authorization header and nowhere else: no log line, error or
// debug dump built here ever contains it.
import { Agent } from 'undici';
import { Semaphore } from './semaphore.js';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpRequest {
  url: URL;
  /** Bearer token; absent for the OAuth token endpoint, which takes credentials in the form. */
  token?: string;
  method?: 'GET' | 'OPTIONS' | 'POST';
  /** Form fields sent as an application/x-www-form-urlencoded body (never logged). */
  form?: Record<string, string>;
  /**
   * Which in-flight pool the request counts against: a stable id of the credential, so a renewed
   * token shares its predecessor's pool. Defaults to the token itself.
   */
  slotKey?: string;
  /** Overall deadline for this request, body included (a slow drip counts). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpClientOptions {
  userAgent: string;
  timeoutMs: number;
  /** Asana allows 50 GETs in flight per token. */
  maxInFlightPerToken?: number;
  /** Called with a redacted one-line description of every request (for --verbose). */
  debug?: (line: string) => void;
}

/** The request never produced a usable HTTP answer: refused, reset, timed out. Worth a retry. */
export class NetworkError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

export class HttpClient {
  readonly #agent: Agent;
  readonly #options: HttpClientOptions;
  readonly #slots = new Map<string, Semaphore>();

  constructor(options: HttpClientOptions) {
    this.#options = options;
    this.#agent = new Agent({
      connections: options.maxInFlightPerToken ?? 50,
      connect: { timeout: Math.min(options.timeoutMs, 10_000) },
      keepAliveTimeout: 30_000,
      // The overall deadline below is the real limit; these catch a silent peer early.
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const slots = this.#slotsFor(req.slotKey ?? req.token ?? '');
    await slots.acquire(req.signal);
    const started = Date.now();
    const timeoutMs = req.timeoutMs ?? this.#options.timeoutMs;
    // One controller per request, its timer and listener removed when the request ends: a long
    // tail makes millions of requests, and AbortSignal.any/timeout would leave each one's
    // listener on the stop signal and its timer running until the deadline.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('deadline'));
    }, timeoutMs);
    const onStop = (): void => controller.abort(req.signal?.reason);
    req.signal?.addEventListener('abort', onStop, { once: true });
    if (req.signal?.aborted) onStop();
    const signal = controller.signal;
    const method = req.method ?? 'GET';
    try {
      const res = await this.#agent.request({
        origin: req.url.origin,
        path: req.url.pathname + req.url.search,
        method,
        headers: {
          ...(req.token !== undefined ? { authorization: `Bearer ${req.token}` } : {}),
          ...(req.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          'user-agent': this.#options.userAgent,
          accept: 'application/json',
        },
        body: req.form ? new URLSearchParams(req.form).toString() : undefined,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const body = await res.body.text();
      this.#options.debug?.(`${method} ${redactUrl(req.url)} -> ${res.statusCode} (${Date.now() - started} ms, ${body.length} bytes)`);
      return { status: res.statusCode, headers: res.headers, body };
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason ?? error;
      const failure = describeFailure(error, timedOut, timeoutMs);
      this.#options.debug?.(`${method} ${redactUrl(req.url)} failed: ${failure.message}`);
      throw failure;
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onStop);
      slots.release();
    }
  }

  /** POST a form without a bearer token (the OAuth token endpoint). The debug line omits the body. */
  postForm(url: URL, form: Record<string, string>, signal?: AbortSignal): Promise<HttpResponse> {
    return this.request({ url, method: 'POST', form, signal, slotKey: `token-endpoint ${url.origin}` });
  }

  async close(): Promise<void> {
    await this.#agent.destroy().catch(() => undefined);
  }

  #slotsFor(token: string): Semaphore {
    let slots = this.#slots.get(token);
    if (!slots) {
      slots = new Semaphore(this.#options.maxInFlightPerToken ?? 50);
      this.#slots.set(token, slots);
    }
    return slots;
  }
}

function describeFailure(error: unknown, timedOut: boolean, timeoutMs: number): NetworkError {
  if (timedOut) return new NetworkError(`no complete answer within ${Math.round(timeoutMs / 1000)} s`, 'TIMEOUT');
  const err = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? 'NETWORK';
  const text: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    UND_ERR_SOCKET: 'connection closed mid-response',
    UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
    UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
    UND_ERR_BODY_TIMEOUT: 'response body stalled',
    UND_ERR_CLOSED: 'connection closed',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'DNS lookup failed',
  };
  return new NetworkError(text[code] ?? `${code}: ${err.message ?? 'request failed'}`, code);
}

/** Query strings hold sync tokens, not secrets, but keep debug lines short and free of surprises. */
export function redactUrl(url: URL): string {
  const copy = new URL(url);
  copy.username = '';
  copy.password = '';
  for (const key of ['access_token', 'token']) if (copy.searchParams.has(key)) copy.searchParams.set(key, 'REDACTED');
  return copy.toString();
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
