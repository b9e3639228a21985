// Where a provider gets its bearer token. A static token is used as given; an OAuth source
// fetches one on first use, renews it before it runs out, renews once more after a 401, and
// lets every subscription share one renewal. Tokens live in this object's memory only.
import { AuthError } from '../core/errors.js';
import type { HttpClient, HttpResponse } from '../net/http.js';
import { sanitizeText } from '../lib/sanitize.js';
import {
  parseRetryAfter,
  RateGate,
  TransientError,
  withRetry,
  type RetryPolicy,
  type RetryReport,
} from '../net/retry.js';
import { parseJsonObject } from '../lib/json-object.js';

export interface TokenSource {
  /** Human name of the method, e.g. "Box Client Credentials Grant". */
  readonly method: string;
  /** The variables (and files) the credentials came from, for messages. Never values. */
  readonly variables: string[];
  /** False for a static token: a 401 cannot be fixed by asking again. */
  readonly renewable: boolean;
  /** A stable id of the credential (not the token), e.g. to key the in-flight request pool. */
  readonly id: string;
  token(signal?: AbortSignal): Promise<string>;
  /** After the API answered 401 to `rejected`: a newer token (one request at most). */
  renewAfter401(rejected: string, signal?: AbortSignal): Promise<string>;
}

export class StaticTokenSource implements TokenSource {
  readonly method = 'access token';
  readonly renewable = false;
  readonly variables: string[];
  readonly id: string;
  readonly #token: string;

  constructor(provider: string, token: string, variable: string) {
    this.#token = token;
    this.variables = [variable];
    this.id = `${provider}:static`;
  }

  token(): Promise<string> {
    return Promise.resolve(this.#token);
  }

  renewAfter401(): Promise<string> {
    return Promise.reject(
      new AuthError(
        `the access token from ${this.variables.join(', ')} was rejected (401)`,
        'set a valid access token',
      ),
    );
  }
}

/** Renew this long before expiry: 10% of the lifetime, at least 1 s, at most 5 min. */
export function renewalMarginMs(lifetimeMs: number): number {
  return Math.min(300_000, Math.max(1_000, Math.round(lifetimeMs / 10)));
}

/** The hint for an AuthError after the API rejected tokens of this source. */
export function rejectedHint(source: TokenSource): string {
  return source.renewable
    ? `a freshly issued token was rejected too: check the app's authorisation and scopes (${source.variables.join(', ')})`
    : `set ${source.variables[0] ?? 'the access token variable'} to a valid access token`;
}

/** One grant of the OAuth token endpoint: its form fields, and what to keep from an answer. */
export interface Grant {
  /** Fields of one token request (a JWT grant signs a fresh assertion every time). */
  form(): Record<string, string>;
  /** Sees each successful answer (Asana may hand out a new refresh token). */
  accepted?(body: Record<string, unknown>): void;
}

export interface OAuthSourceOptions {
  provider: 'Asana' | 'Box';
  method: string;
  variables: string[];
  id: string;
  tokenUrl: URL;
  grant: Grant;
  http: Pick<HttpClient, 'postForm'>;
  retry: RetryPolicy;
  /** Told about retries of a token endpoint that is down. */
  report?: RetryReport;
  now?: () => number;
}

interface Issued {
  token: string;
  renewAt: number;
  expiresAt: number;
  lifetimeS: number;
}

export class OAuthTokenSource implements TokenSource {
  readonly renewable = true;
  readonly method: string;
  readonly variables: string[];
  readonly id: string;
  readonly tokenUrl: URL;
  readonly #options: OAuthSourceOptions;
  readonly #gate = new RateGate();
  readonly #now: () => number;
  #current: Issued | undefined;
  #pending: Promise<string> | undefined;

  constructor(options: OAuthSourceOptions) {
    this.#options = options;
    this.method = options.method;
    this.variables = options.variables;
    this.id = options.id;
    this.tokenUrl = options.tokenUrl;
    this.#now = options.now ?? Date.now;
  }

  /** Lifetime in seconds of the token held now, for `events auth status`. */
  get lifetimeS(): number | undefined {
    return this.#current?.lifetimeS;
  }

  token(signal?: AbortSignal): Promise<string> {
    const current = this.#current;
    if (current && this.#now() < current.renewAt) return Promise.resolve(current.token);
    return this.#renew(signal);
  }

  renewAfter401(rejected: string, signal?: AbortSignal): Promise<string> {
    // Another subscription already renewed (or is renewing): use that token, ask for no other.
    if (this.#pending) return waitFor(this.#pending, signal);
    const current = this.#current;
    if (current && current.token !== rejected && this.#now() < current.expiresAt) return Promise.resolve(current.token);
    this.#current = undefined;
    return this.#renew(signal);
  }

  #renew(signal?: AbortSignal): Promise<string> {
    if (!this.#pending) {
      // Shared by every caller until it settles: N subscriptions, one token request.
      const pending = this.#fetch(signal).finally(() => {
        if (this.#pending === pending) this.#pending = undefined;
      });
      this.#pending = pending;
    }
    return waitFor(this.#pending, signal);
  }

  #fetch(signal?: AbortSignal): Promise<string> {
    const { http, tokenUrl, grant, retry, report } = this.#options;
    return withRetry(async () => this.#read(await http.postForm(tokenUrl, grant.form(), signal)), {
      policy: retry,
      gate: this.#gate,
      report: report ?? { retrying: () => undefined, recovered: () => undefined },
      signal,
    });
  }

  #read(res: HttpResponse): string {
    const { provider, method, variables } = this.#options;
    const body = parseJsonObject(res.body);
    if (res.status === 200) {
      const token = body?.['access_token'];
      if (typeof token !== 'string' || token === '')
        throw new TransientError(
          `${provider}'s token endpoint sent a 200 answer without access_token (truncated or garbled body)`,
        );
      const given = Number(body?.['expires_in']);
      // Box and Asana both say 3600; an answer without it is treated the same. Bounded either way.
      const lifetimeS = Number.isFinite(given) && given > 0 ? Math.min(given, 365 * 86_400) : 3600;
      const obtained = this.#now();
      const lifetimeMs = lifetimeS * 1000;
      this.#current = {
        token,
        lifetimeS,
        expiresAt: obtained + lifetimeMs,
        renewAt: obtained + Math.max(0, lifetimeMs - renewalMarginMs(lifetimeMs)),
      };
      this.#options.grant.accepted?.(body!);
      return token;
    }
    const error = typeof body?.['error'] === 'string' ? sanitizeText(body['error']).slice(0, 100) : undefined;
    const description =
      typeof body?.['error_description'] === 'string'
        ? sanitizeText(body['error_description']).slice(0, 300)
        : undefined;
    const said = [error, description].filter(Boolean).join(': ');
    if (res.status === 429)
      throw new TransientError(
        `${provider}'s token endpoint is rate limiting (429)`,
        parseRetryAfter(res.headers['retry-after']),
      );
    if (res.status === 408 || res.status >= 500)
      throw new TransientError(`${provider}'s token endpoint answered ${res.status}${said ? `: ${said}` : ''}`);
    throw new AuthError(
      `${method} failed: ${provider}'s token endpoint answered ${res.status}${said ? ` ${said}` : ''}`,
      `check ${variables.join(', ')}${res.status === 404 ? ` and the token URL ${this.tokenUrl.href}` : ''}`,
    );
  }
}

/** The shared promise, but a caller whose own signal aborts stops waiting for it. */
function waitFor<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
