// The one HTTP client of the process, over undici (docs/undici.md says why and what it costs):
// one dispatcher with a keep-alive pool per origin (its connection cap is the in-flight cap),
// HTTPS_PROXY/HTTP_PROXY/NO_PROXY or the `proxy` setting, gzip and br answers decoded, and every
// answer treated as untrusted: a size cap, an overall deadline (a slow drip counts), a connect
// timeout. The access token goes into the Authorization header and nowhere else: no log line,
// error or debug dump built here ever contains it.
import v8 from 'node:v8';
import zlib from 'node:zlib';
import type { Dispatcher, EnvHttpProxyAgent } from 'undici';
import { classifyFailure, DEADLINE, TooLarge } from './http-errors.js';
import { proxyForUrl, proxySettings, type ProxyChoice, type ProxySettings } from './proxy.js';
import { redactUrl } from '../lib/redact.js';

export { NetworkError, ProxyError, TlsError } from './http-errors.js';
export { redactUrl } from '../lib/redact.js';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type HttpMethod = 'GET' | 'OPTIONS' | 'POST' | 'DELETE';

export interface HttpRequest {
  url: URL;
  /** Bearer token; absent for the OAuth token endpoint and Box's realtime server. */
  token?: string;
  method?: HttpMethod;
  /** Form fields sent as an application/x-www-form-urlencoded body (never logged). */
  form?: Record<string, string>;
  /** A value sent as an application/json body (never logged): Asana's POST /webhooks. */
  json?: unknown;
  /** Overall deadline for this request, body included (a slow drip counts). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpClientOptions {
  userAgent: string;
  timeoutMs: number;
  /** Connections per origin (Asana allows 50 requests in flight per token). */
  connectionsPerOrigin?: number;
  /** The largest answer body accepted, decoded; a bigger one is cut off and counts as a fault. */
  maxAnswerBytes?: number;
  /** The `proxy` setting (flag or config.json); the environment's variables beat config.json. */
  proxy?: ProxyChoice;
  /** Where HTTPS_PROXY and friends are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Called with a redacted one-line description of every request (for --verbose). */
  debug?: (line: string) => void;
}

/** Well above the largest real page (Box: 500 events of a few KB each). */
export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024;
const CONNECT_TIMEOUT_CAP_MS = 10_000;
/** How long sent() waits for a request that needs a new connection. */
const SENT_WAIT_CAP_MS = 200;

export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #maxBytes: number;
  #dispatcher: Dispatcher | undefined;
  #proxySettings: ProxySettings | undefined;
  readonly #stops = new WeakMap<AbortSignal, Set<() => void>>();
  /** Requests handed to undici that are not on a socket yet, and who waits for them. */
  #unwritten = 0;
  #sentWaiters: (() => void)[] = [];

  constructor(options: HttpClientOptions) {
    this.#options = options;
    this.#maxBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  }

  /**
   * Resolves once the requests started so far are written to a socket (or have failed). undici
   * writes a request on a free keep-alive socket from the tick and promise queues, which the
   * caller's work (promise callbacks, synchronous writes) may not let run for long; a request that
   * needs a new connection waits for its connect, at most SENT_WAIT_CAP_MS.
   */
  async sent(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.#unwritten === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(wake, SENT_WAIT_CAP_MS);
      function wake(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#sentWaiters.push(wake);
    });
  }

  /** A request was written, or will never be: wake sent() once none is left unwritten. */
  #written(): void {
    if (--this.#unwritten > 0 || this.#sentWaiters.length === 0) return;
    const waiters = this.#sentWaiters;
    this.#sentWaiters = [];
    for (const wake of waiters) wake();
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const started = Date.now();
    const timeoutMs = req.timeoutMs ?? this.#options.timeoutMs;
    const method = req.method ?? 'GET';
    try {
      if (!undici) await (loadingUndici ??= loadUndici());
      const res = await this.#exchange(req, method, timeoutMs);
      this.#options.debug?.(
        `${method} ${redactUrl(req.url)} -> ${res.status} (${Date.now() - started} ms, ${res.body.length} chars)`,
      );
      return res;
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason ?? error;
      const failed = classifyFailure(error, {
        url: req.url,
        timeoutMs,
        maxBytes: this.#maxBytes,
        proxy: this.#proxy(),
      });
      this.#options.debug?.(`${method} ${redactUrl(req.url)} failed: ${failed.message}`);
      throw failed;
    }
  }

  /** POST a form without a bearer token (the OAuth token endpoint). The debug line omits the body. */
  postForm(url: URL, form: Record<string, string>, signal?: AbortSignal): Promise<HttpResponse> {
    return this.request({ url, method: 'POST', form, signal });
  }

  async close(): Promise<void> {
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    await dispatcher?.destroy();
  }

  /** The proxy a request to `url` goes through (and which setting named it); undefined: direct. */
  proxyFor(url: URL): { url: string; from: string } | undefined {
    return proxyForUrl(url, this.#proxy());
  }

  /** Read once: the dispatcher is built from it, and failures name the proxy from it. */
  #proxy(): ProxySettings {
    this.#proxySettings ??= proxySettings(this.#options.env ?? process.env, this.#options.proxy);
    return this.#proxySettings;
  }

  /** Built on the first request: `--version`, `--help`, `state` and `config` never load undici. */
  #dispatcherFor(): Dispatcher {
    if (this.#dispatcher) return this.#dispatcher;
    if (!undici) throw new Error('HttpClient: a request builds the dispatcher only after undici is loaded');
    const { EnvAgent } = undici;
    const proxy = this.#proxy();
    const connectTimeout = Math.min(this.#options.timeoutMs, CONNECT_TIMEOUT_CAP_MS);
    const agent: EnvHttpProxyAgent = new EnvAgent({
      httpProxy: proxy.http ?? '',
      httpsProxy: proxy.https ?? '',
      noProxy: proxy.noProxy,
      // Plain http through a proxy goes in absolute form (GET http://host/...), https by CONNECT.
      proxyTunnel: false,
      connections: this.#options.connectionsPerOrigin ?? 50,
      pipelining: 1,
      connect: { timeout: connectTimeout },
      headersTimeout: this.#options.timeoutMs,
      bodyTimeout: this.#options.timeoutMs,
    });
    // The decoder stops a compressed answer at the cap inside zlib, before it is all inflated.
    this.#dispatcher = agent;
    return this.#dispatcher;
  }

  /** One request and its whole body; settles once. */
  #exchange(req: HttpRequest, method: HttpMethod, timeoutMs: number): Promise<HttpResponse> {
    const headers: Record<string, string> = {
      'user-agent': this.#options.userAgent,
      accept: 'application/json',
      'accept-encoding': 'gzip, br',
    };
    if (req.token !== undefined) headers['authorization'] = `Bearer ${req.token}`;
    const body = req.form
      ? new URLSearchParams(req.form).toString()
      : req.json !== undefined
        ? JSON.stringify(req.json)
        : undefined;
    if (body !== undefined)
      headers['content-type'] = req.form ? 'application/x-www-form-urlencoded' : 'application/json';
    const dispatcher = this.#dispatcherFor();
    const maxBytes = this.#maxBytes;

    return new Promise<HttpResponse>((resolve, reject) => {
      let done = false;
      let writing = true;
      const written = (): void => {
        if (!writing) return;
        writing = false;
        this.#written();
      };
      let controller: Dispatcher.DispatchController | undefined;
      let stopped: Error | undefined;
      let unlisten: (() => void) | undefined;
      let status = 0;
      let responseHeaders: HttpResponse['headers'] = {};
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (error: Error | undefined, value?: HttpResponse): void => {
        if (done) return;
        done = true;
        written();
        clearTimeout(timer);
        unlisten?.();
        if (error) reject(stopped ?? error);
        else resolve(value!);
      };
      // Aborting settles at once; undici is told as soon as it hands the request a controller
      // (a request still queued for a connection has none yet).
      const stop = (reason: Error): void => {
        stopped ??= reason;
        controller?.abort(reason);
        finish(reason);
      };
      // One timer per request, cleared when it ends, and one entry in the stop signal's set: a
      // long tail makes millions of requests, and AbortSignal.any/timeout would leave each one's
      // listener on the stop signal and its timer running until the deadline.
      const timer = setTimeout(() => stop(DEADLINE), timeoutMs);
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(ctl) {
          controller = ctl;
          // undici writes the request right after this call, on the same tick.
          written();
          if (stopped) ctl.abort(stopped);
        },
        onResponseStart(_ctl, statusCode, resHeaders) {
          status = statusCode;
          responseHeaders = resHeaders;
        },
        onResponseData(ctl, chunk) {
          size += chunk.length;
          if (size > maxBytes) {
            stop(new TooLarge(size));
            ctl.abort(stopped!);
            return;
          }
          chunks.push(chunk);
        },
        onResponseEnd() {
          const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
          let body: Buffer;
          try {
            body = decode(raw, responseHeaders['content-encoding'], maxBytes);
          } catch (error) {
            return finish(error as Error);
          }
          finish(undefined, { status, headers: responseHeaders, body: body.toString('utf8') });
        },
        onResponseError(_ctl, error) {
          finish(error);
        },
      };
      this.#unwritten++;
      if (req.signal) {
        const onStop = (): void => stop(req.signal?.reason instanceof Error ? req.signal.reason : new Error('stopped'));
        if (req.signal.aborted) return onStop();
        unlisten = this.#onAbort(req.signal, onStop);
      }
      try {
        dispatcher.dispatch(
          {
            origin: req.url.origin,
            path: req.url.pathname + req.url.search,
            method,
            headers,
            body,
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
          },
          handler,
        );
      } catch (error) {
        // undici checks headers as it takes the request (a control character in a token).
        finish(error as Error);
      }
    });
  }

  /** One listener per signal (EventTarget listeners are slow to add and remove per request). */
  #onAbort(signal: AbortSignal, stop: () => void): () => void {
    let stops = this.#stops.get(signal);
    if (!stops) {
      const set = new Set<() => void>();
      signal.addEventListener(
        'abort',
        () => {
          for (const each of [...set]) each();
          set.clear();
        },
        { once: true },
      );
      this.#stops.set(signal, set);
      stops = set;
    }
    stops.add(stop);
    return () => stops.delete(stop);
  }
}

interface Undici {
  EnvAgent: typeof EnvHttpProxyAgent;
}

/** V8's default is 1,800,000 (roughly bytes of wasm executed before a function is optimized). */
const WASM_TIERING_BUDGET = 100_000_000;

let undici: Undici | undefined;
let loadingUndici: Promise<Undici> | undefined;

/**
 * The part of undici this client uses, imported by path: the package's index also loads fetch,
 * WebSocket, caches and mocks, which more than doubles its start-up cost (docs/undici.md). Dynamic
 * imports, so the bundler puts these pieces in a chunk of their own that only a request loads.
 */
async function loadUndici(): Promise<Undici> {
  // undici parses HTTP with llhttp compiled to WebAssembly. V8 starts it on its baseline compiler
  // and, after a small budget, optimizes its big parser function: 100 ms and 35 MB for a cron run
  // that reads one empty page. A budget 50 times larger leaves short runs on the baseline code;
  // a long drain still gets the optimized parser, as fast as before (docs/undici.md).
  v8.setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
  const [agent, dispatcher, api] = await Promise.all([
    import('undici/lib/dispatcher/env-http-proxy-agent.js'),
    import('undici/lib/dispatcher/dispatcher.js'),
    import('undici/lib/api/index.js'),
  ]);
  // The proxy agent opens CONNECT tunnels with Dispatcher#connect, one of the methods undici's
  // index adds to the prototype; add them the same way (what `require('undici')` would do).
  Object.assign(dispatcher.default.prototype, api.default);
  undici = { EnvAgent: agent.default };
  return undici;
}

/**
 * The body as the server meant it. The whole answer is in memory already (pages are parsed
 * whole), so it is decoded in one synchronous call rather than through undici's decompress
 * interceptor, whose stream per answer cost five times the CPU (docs/undici.md). The output is
 * capped like the download: a small compressed answer cannot inflate past the cap.
 */
function decode(raw: Buffer, coding: string | string[] | undefined, maxBytes: number): Buffer {
  const name = (Array.isArray(coding) ? coding.join(',') : (coding ?? '')).trim().toLowerCase();
  const options = { maxOutputLength: maxBytes };
  try {
    if (name === 'br') return zlib.brotliDecompressSync(raw, options);
    if (name === 'gzip' || name === 'x-gzip') return zlib.gunzipSync(raw, options);
    if (name === 'deflate') return zlib.inflateSync(raw, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new TooLarge(maxBytes + 1);
    // A body cut short or garbled on the way: a bad answer, retried like a reset.
    throw Object.assign(new Error(`the ${name} body could not be decoded`), { code: 'BAD_ENCODING' });
  }
  // identity, or a coding we did not ask for: the JSON reader says it is garbled.
  return raw;
}

export { isLoopback } from '../lib/loopback.js';
