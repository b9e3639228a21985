// One undici Agent shared by every subscription: keep-alive connections, bounded concurrency per
// access token, and timeouts on every phase so a hung or dripping response never freezes a tail.
// The access token goes into the Authorization header and nowhere else: no log line, error or
// debug dump built here ever contains it.
//
// Lean on purpose (a drain makes a request per page): only undici's Agent is loaded, not its
// index (fetch, WebSocket, caches, mocks: ~70 ms and ~9 MB more at start-up), and responses are
// collected by a plain dispatch handler instead of a Readable stream per response.
import v8 from 'node:v8';
import type { Agent as AgentType, Dispatcher } from 'undici';
import Agent from 'undici/lib/dispatcher/agent.js';
import { Semaphore } from './semaphore.js';

// undici parses HTTP with llhttp compiled to WebAssembly. V8 first compiles it with its baseline
// tier (Liftoff), then re-compiles the hot functions with TurboFan in the background: that
// transient compile raised a short drain's peak RSS by ~30 MB, while the baseline code already
// parses our few headers per page faster than the network delivers them (bench/drain.mjs).
// The process has no other WebAssembly; set before the first request compiles llhttp.
v8.setFlagsFromString('--liftoff-only');

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpRequest {
  url: URL;
  token: string;
  method?: 'GET' | 'OPTIONS';
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
  readonly #agent: AgentType;
  readonly #options: HttpClientOptions;
  readonly #slots = new Map<string, Semaphore>();
  /** Requests handed to undici whose headers are not yet written, and who waits for that. */
  #unsent = 0;
  #sentWaiters: (() => void)[] = [];

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

  /**
   * Resolves once every request started so far is on the wire (or has failed). undici writes a
   * request on a reused keep-alive socket only after the event loop turns, so a caller that
   * prefetches and then works synchronously would otherwise send it only after that work.
   */
  async sent(): Promise<void> {
    // One turn lets a request still on its way here (retry gate, slots) reach the dispatcher.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.#unsent === 0) return;
    await new Promise<void>((resolve) => this.#sentWaiters.push(resolve));
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const slots = this.#slotsFor(req.token);
    await slots.acquire(req.signal);
    const started = Date.now();
    const timeoutMs = req.timeoutMs ?? this.#options.timeoutMs;
    const method = req.method ?? 'GET';
    try {
      const res = await this.#exchange(req, method, timeoutMs);
      this.#options.debug?.(`${method} ${redactUrl(req.url)} -> ${res.status} (${Date.now() - started} ms, ${res.body.length} bytes)`);
      return res;
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason ?? error;
      const failure = describeFailure(error, error === DEADLINE, timeoutMs);
      this.#options.debug?.(`${method} ${redactUrl(req.url)} failed: ${failure.message}`);
      throw failure;
    } finally {
      slots.release();
    }
  }

  async close(): Promise<void> {
    await this.#agent.destroy().catch(() => undefined);
  }

  /** One request through undici's dispatch API; settles once, with the whole body or an error. */
  #exchange(req: HttpRequest, method: 'GET' | 'OPTIONS', timeoutMs: number): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      let status = 0;
      let headers: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      let abort: ((reason: Error) => void) | undefined;
      let stopped: Error | undefined;
      let unsent = true;
      let done = false;
      const markSent = (): void => {
        if (!unsent) return;
        unsent = false;
        if (--this.#unsent === 0 && this.#sentWaiters.length) {
          const waiters = this.#sentWaiters;
          this.#sentWaiters = [];
          for (const wake of waiters) wake();
        }
      };
      const stop = (reason: Error): void => {
        stopped ??= reason;
        // Not yet on a connection: settle now; undici drops it when it would have started.
        if (abort) abort(reason);
        else finish(reason);
      };
      // One timer and one listener per request, removed when it ends: a long tail makes millions
      // of requests, and AbortSignal.any/timeout would leave each one's listener on the stop
      // signal and its timer running until the deadline.
      const timer = setTimeout(() => stop(DEADLINE), timeoutMs);
      const onStop = (): void => stop(req.signal?.reason instanceof Error ? req.signal.reason : new Error('stopped'));
      req.signal?.addEventListener('abort', onStop, { once: true });
      const finish = (error: Error | undefined, value?: HttpResponse): void => {
        if (done) return;
        done = true;
        markSent();
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onStop);
        if (error) reject(stopped ?? error);
        else resolve(value!);
      };
      const handler: Dispatcher.DispatchHandler = {
        onConnect: (abortRequest: (reason?: Error) => void) => {
          abort = abortRequest;
          if (stopped) abortRequest(stopped);
        },
        onRequestSent: markSent,
        onHeaders: (statusCode: number, raw: Buffer[]) => {
          status = statusCode;
          headers = headerRecord(raw);
          return true;
        },
        onData: (chunk: Buffer) => {
          chunks.push(chunk);
          return true;
        },
        onComplete: () => {
          const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
          finish(undefined, { status, headers, body });
        },
        onError: (error: Error) => finish(error),
      } as Dispatcher.DispatchHandler;
      this.#unsent++;
      if (req.signal?.aborted) onStop();
      try {
        this.#agent.dispatch(
          {
            origin: req.url.origin,
            path: req.url.pathname + req.url.search,
            method,
            headers: {
              authorization: `Bearer ${req.token}`,
              'user-agent': this.#options.userAgent,
              accept: 'application/json',
            },
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
          },
          handler,
        );
      } catch (error) {
        finish(error as Error);
      }
    });
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

/** The reason a request is aborted at its overall deadline. */
const DEADLINE = new Error('deadline');

/** undici's raw headers (name, value, name, value, ...) as Node's lower-case header record. */
function headerRecord(raw: Buffer[]): Record<string, string | string[] | undefined> {
  const headers: Record<string, string | string[] | undefined> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    const prior = headers[name];
    headers[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return headers;
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
