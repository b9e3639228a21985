// One keep-alive HTTP client shared by every subscription: bounded concurrency per access token,
// a connect timeout and an overall deadline on every request, so a hung or dripping response never
// freezes a tail. The access token goes into the Authorization header and nowhere else: no log
// line, error or debug dump built here ever contains it.
//
// node:http rather than undici (measured with bench/drain.mjs, 7 alternating rounds, 100k events):
// node:http is part of Node's start-up snapshot while undici's Agent costs ~17 ms of module loading
// plus llhttp's WebAssembly compile, and a drain through undici grew V8's young generation to
// twice the size: peak RSS 79.8 MB with undici against 70.0 MB with node:http (a run with nothing
// new: 58.0 against 53.5 MB, 127 against 114 ms), for the same throughput.
import http from 'node:http';
import { createRequire } from 'node:module';
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

/** A failure with a code of our own (see describeFailure). */
function failure(code: string): Error {
  return Object.assign(new Error(code), { code });
}

export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #slots = new Map<string, Semaphore>();
  readonly #agents = new Map<string, http.Agent>();
  readonly #stops = new WeakMap<AbortSignal, Set<() => void>>();
  /** Requests being written on a connected socket, and who waits for those writes. */
  #writing = 0;
  #sentWaiters: (() => void)[] = [];

  constructor(options: HttpClientOptions) {
    this.#options = options;
  }

  /**
   * Resolves once the requests started so far that have a connected socket are written to it (or
   * have failed). Such a request is written from the tick queue, which runs only once the
   * promise queue is empty, so a caller that prefetches and then works through promises that are
   * already resolved would otherwise send it only after that work. A
   * request still connecting or waiting for a free socket is not waited for: that can take long.
   */
  async sent(): Promise<void> {
    // The first tick lets a request still on its way here (retry gate, slots: promises) start;
    // node:http hands it to a free socket on the tick after. No event-loop turn is needed.
    await nextTick();
    await nextTick();
    if (this.#writing === 0) return;
    await new Promise<void>((resolve) => this.#sentWaiters.push(resolve));
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const slots = this.#slotsFor(req.slotKey ?? req.token ?? '');
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
      const failed = describeFailure(error, error === DEADLINE, timeoutMs);
      this.#options.debug?.(`${method} ${redactUrl(req.url)} failed: ${failed.message}`);
      throw failed;
    } finally {
      slots.release();
    }
  }

  /** POST a form without a bearer token (the OAuth token endpoint). The debug line omits the body. */
  postForm(url: URL, form: Record<string, string>, signal?: AbortSignal): Promise<HttpResponse> {
    return this.request({ url, method: 'POST', form, signal, slotKey: `token-endpoint ${url.origin}` });
  }

  async close(): Promise<void> {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  /** One request and its whole body; settles once. */
  #exchange(req: HttpRequest, method: 'GET' | 'OPTIONS' | 'POST', timeoutMs: number): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      const secure = req.url.protocol === 'https:';
      let writing = false;
      let done = false;
      let stopped: Error | undefined;
      let connectTimer: NodeJS.Timeout | undefined;
      let unlisten: (() => void) | undefined;
      const markSent = (): void => {
        if (!writing) return;
        writing = false;
        if (--this.#writing === 0 && this.#sentWaiters.length) {
          const waiters = this.#sentWaiters;
          this.#sentWaiters = [];
          for (const wake of waiters) wake();
        }
      };
      const finish = (error: Error | undefined, value?: HttpResponse): void => {
        if (done) return;
        done = true;
        markSent();
        clearTimeout(timer);
        clearTimeout(connectTimer);
        unlisten?.();
        if (error) reject(stopped ?? error);
        else resolve(value!);
      };
      const stop = (reason: Error): void => {
        stopped ??= reason;
        request.destroy(reason);
        finish(reason);
      };
      // One timer per request, cleared when it ends, and one entry in the stop signal's set: a
      // long tail makes millions of requests, and AbortSignal.any/timeout would leave each one's
      // listener on the stop signal and its timer running until the deadline.
      const timer = setTimeout(() => stop(DEADLINE), timeoutMs);
      const onStop = (): void => stop(req.signal?.reason instanceof Error ? req.signal.reason : new Error('stopped'));
      const request = (secure ? nodeHttps() : http).request(
        {
          agent: this.#agentFor(secure),
          protocol: req.url.protocol,
          hostname: req.url.hostname.replace(/^\[|\]$/g, ''),
          port: req.url.port,
          path: req.url.pathname + req.url.search,
          method,
          headers: {
            ...(req.token !== undefined ? { authorization: `Bearer ${req.token}` } : {}),
            ...(req.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
            'user-agent': this.#options.userAgent,
            accept: 'application/json',
          },
        },
        (res) => {
          res.setEncoding('utf8');
          let body = '';
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body }));
          res.on('error', () => finish(failure('SOCKET_CLOSED')));
          res.on('aborted', () => finish(failure('SOCKET_CLOSED')));
        },
      );
      request.on('socket', (socket) => {
        if (!socket.connecting) {
          writing = true;
          this.#writing++;
          return;
        }
        connectTimer = setTimeout(() => stop(failure('CONNECT_TIMEOUT')), Math.min(timeoutMs, 10_000));
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      request.on('error', (error) => finish(error));
      request.on('finish', markSent);
      if (req.signal) unlisten = this.#onAbort(req.signal, onStop);
      if (req.signal?.aborted) onStop();
      else request.end(req.form ? new URLSearchParams(req.form).toString() : undefined);
    });
  }

  /** One listener per signal (EventTarget listeners are slow to add and remove per request). */
  #onAbort(signal: AbortSignal, stop: () => void): () => void {
    let stops = this.#stops.get(signal);
    if (!stops) {
      const set = new Set<() => void>();
      signal.addEventListener('abort', () => {
        for (const each of [...set]) each();
        set.clear();
      }, { once: true });
      this.#stops.set(signal, set);
      stops = set;
    }
    stops.add(stop);
    return () => stops.delete(stop);
  }

  #agentFor(secure: boolean): http.Agent {
    const key = secure ? 'https' : 'http';
    let agent = this.#agents.get(key);
    if (!agent) {
      // Free sockets are closed before the server's Keep-Alive timeout hint (Node does that).
      const options = { keepAlive: true, maxSockets: this.#options.maxInFlightPerToken ?? 50, scheduling: 'lifo' as const };
      agent = secure ? new (nodeHttps().Agent)(options) : new http.Agent(options);
      this.#agents.set(key, agent);
    }
    return agent;
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

const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

/** The reason a request is aborted at its overall deadline. */
const DEADLINE = new Error('deadline');

// node:https (and tls) only when a base URL is https: the emulator and tests never pay for it.
const require = createRequire(import.meta.url);
function nodeHttps(): typeof import('node:https') {
  return require('node:https') as typeof import('node:https');
}

function describeFailure(error: unknown, timedOut: boolean, timeoutMs: number): NetworkError {
  if (timedOut) return new NetworkError(`no complete answer within ${Math.round(timeoutMs / 1000)} s`, 'TIMEOUT');
  const err = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? 'NETWORK';
  const text: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    EPIPE: 'connection closed',
    SOCKET_CLOSED: 'connection closed mid-response',
    CONNECT_TIMEOUT: 'connect timed out',
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
