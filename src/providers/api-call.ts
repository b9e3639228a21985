// One API call, the same for Asana and Box: the current token (renewed once on a 401 when its
// source can), the base-URL check, a slot from the token's rate governor, and retries of faults
// that go away by themselves. A 429 is the governor's: it pauses every subscription of the token.
import type { TokenSource } from '../auth/token-source.js';
import type { ProviderContext } from '../core/provider.js';
import { DOCUMENTED_RATE_PER_MIN, Governor } from '../net/governor.js';
import { NotTlsError, TlsError } from '../net/http-errors.js';
import type { HttpClient, HttpMethod, HttpResponse } from '../net/http.js';
import { parseRetryAfter, withRetry, type RetryPolicy } from '../net/retry.js';
import { afterAnswers, checkApiAnswer, notTlsError, type Vendor } from './base-url-check.js';

export interface ApiCallerOptions {
  vendor: Vendor;
  baseUrl: string;
  auth: TokenSource;
  http: HttpClient;
  /** The token's rate governor, shared by every subscription; undefined: one of its own. */
  governor?: Governor;
  retry: RetryPolicy;
}

const VENDOR_NAME: Record<Vendor, string> = { asana: 'Asana', box: 'Box' };

export class ApiCaller {
  /** The base URL without a trailing slash, and its host (the key of stored cursors). */
  readonly base: string;
  readonly host: string;
  readonly #options: ApiCallerOptions;
  readonly #governor: Governor;
  /**
   * The API at this base URL has answered in this process: a web page, bytes that are not TLS or a
   * failing certificate now are a hiccup on the way (retried), not a wrong URL or setup.
   */
  #answered = false;

  constructor(options: ApiCallerOptions) {
    this.#options = options;
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.host = new URL(this.base).host;
    this.#governor =
      options.governor ??
      new Governor({ vendor: VENDOR_NAME[options.vendor], ratePerMin: DOCUMENTED_RATE_PER_MIN[options.vendor] });
  }

  /**
   * GETs (or OPTIONS, POSTs `json`, DELETEs) `url` until `read` accepts the answer or throws an
   * error that is final.
   */
  call<T>(
    url: URL,
    ctx: ProviderContext,
    subscription: string,
    read: (res: HttpResponse) => T,
    method: HttpMethod = 'GET',
    json?: unknown,
  ): Promise<T> {
    const governor = this.#governor;
    const { retry } = this.#options;
    const send = (): Promise<HttpResponse> => this.#send(url, method, json, ctx.signal);
    return withRetry(
      async () => {
        const res = await governor.send(subscription, ctx.signal, send, (r) =>
          parseRetryAfter(r.headers['retry-after']),
        );
        const value = read(res);
        // Any answer the reader took (a page, Asana's 412 with a first sync token) is the API's.
        this.#answered = true;
        return value;
      },
      { policy: retry, gate: governor, report: ctx.report, signal: ctx.signal },
    );
  }

  /** One attempt: the current token, and on a 401 one renewal (OAuth) before the answer counts. */
  async #send(url: URL, method: HttpMethod, json: unknown, signal: AbortSignal): Promise<HttpResponse> {
    const { auth } = this.#options;
    const token = await auth.token(signal);
    const res = await this.#exchange(url, method, json, token, signal);
    if (res.status !== 401 || !auth.renewable) return res;
    return this.#exchange(url, method, json, await auth.renewAfter401(token, signal), signal);
  }

  async #exchange(
    url: URL,
    method: HttpMethod,
    json: unknown,
    token: string,
    signal: AbortSignal,
  ): Promise<HttpResponse> {
    const { vendor, http } = this.#options;
    const { base } = this;
    let res: HttpResponse;
    try {
      res = await http.request({ url, method, json, token, signal });
    } catch (error) {
      if (!(error instanceof NotTlsError || error instanceof TlsError)) throw error;
      if (this.#answered) throw afterAnswers(vendor, base, error);
      throw error instanceof NotTlsError ? notTlsError(vendor, base, http.proxyFor(url)) : error;
    }
    checkApiAnswer(vendor, base, url, res, this.#answered, this.#answered ? undefined : http.proxyFor(url));
    return res;
  }
}
