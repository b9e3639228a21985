// A wrong ASANA_BASE_URL/BOX_BASE_URL does not look like an outage or a missing resource: a web
// page, a redirect, "No matching route", the other vendor's API, or TLS spoken to a plain-http
// port. Until the first good answer, each answer that can only mean "this is not the API" becomes
// one error saying what was received and which variable to fix, instead of a 404 that blames the
// gid or retries of a "garbled body" until exit 75. After a good answer from the same base URL,
// the same web page is a hiccup on the way (a proxy's login page, a load balancer's error page):
// a fault to retry, so a service does not stop for it. When a proxy carries the request, a
// redirect or a port that does not speak TLS on the first request is the proxy's doing more often
// than the base URL's: the error names the proxy's setting, not the base URL's variable.
import { UsageError } from '../core/errors.js';
import { NotTlsError } from '../net/http-errors.js';
import type { HttpResponse } from '../net/http.js';
import { TransientError } from '../net/retry.js';
import { redactUrl } from '../lib/redact.js';
import { sanitizeText } from '../lib/sanitize.js';

export type Vendor = 'asana' | 'box';

/** The forward proxy a request goes through, and the setting that named it ("HTTPS_PROXY", "--proxy"). */
export interface ProxyInUse {
  url: string;
  from: string;
}

const VENDORS = {
  asana: { name: 'Asana', variable: 'ASANA_BASE_URL', real: 'https://app.asana.com/api/1.0' },
  box: { name: 'Box', variable: 'BOX_BASE_URL', real: 'https://api.box.com/2.0' },
} as const;

/** Throws when the answer cannot come from the vendor's API (see above for which error). */
export function checkApiAnswer(
  vendor: Vendor,
  base: string,
  url: URL,
  res: HttpResponse,
  answeredBefore = false,
  proxy?: ProxyInUse,
): void {
  const verdict = notTheApi(vendor, base, url, res, proxy);
  if (!verdict) return;
  if (answeredBefore)
    throw new TransientError(
      `${VENDORS[vendor].name} answered ${res.status} ${verdict.what}, after good answers from the same URL`,
    );
  throw verdict.error;
}

/**
 * https:// to a port that speaks plain http. After a good answer from the same base URL it is a
 * network fault instead (a proxy or load balancer failing on the way): see `afterAnswers`.
 */
export function notTlsError(vendor: Vendor, base: string, proxy?: ProxyInUse): UsageError {
  const { name, variable } = VENDORS[vendor];
  if (proxy)
    return new UsageError(
      `${redactUrl(base)} through the proxy ${redactUrl(proxy.url)} (from ${proxy.from}) does not speak TLS: the proxy answered in plain text instead of tunnelling`,
      `check ${proxy.from}: the proxy must pass https through with CONNECT; to go direct, list ${new URL(base).hostname} in NO_PROXY`,
    );
  return new UsageError(
    `${redactUrl(base)} is not the ${name} API: the port does not speak TLS (a plain-http port?)`,
    `check ${variable}: use http:// for a plain-http server such as the emulator, or the port that serves https`,
  );
}

/**
 * A TLS or protocol failure (bytes that are not TLS, a certificate that fails) after this base URL
 * has answered well: the setup was right, something on the way is failing. A fault to retry.
 */
export function afterAnswers(vendor: Vendor, base: string, error: Error): TransientError {
  const what = error instanceof NotTlsError ? `${new URL(base).host} stopped speaking TLS` : error.message;
  return new TransientError(
    `${what}, after good answers from ${VENDORS[vendor].name} at the same URL (a proxy or load balancer failing?)`,
  );
}

function notTheApi(
  vendor: Vendor,
  base: string,
  url: URL,
  res: HttpResponse,
  proxy: ProxyInUse | undefined,
): { error: UsageError; what: string } | undefined {
  const { name, variable, real } = VENDORS[vendor];
  const shown = redactUrl(base);
  const hint = `check ${variable} (now ${shown}; the real API is ${real}) and any proxy in between`;
  /** `what` follows "it answered 404"; `said` replaces the whole "it answered …" when given. */
  const error = (what: string, extraHint = '', said?: string): { error: UsageError; what: string } => ({
    error: new UsageError(
      `${shown} is not the ${name} API: ${said ?? `it answered ${res.status} ${what}`}`,
      `${hint}${extraHint}`,
    ),
    what,
  });
  const { status } = res;
  if (status >= 300 && status < 400) {
    const location = header(res, 'location');
    const what = `(a redirect${location ? ` to ${sanitizeText(redactUrl(location)).slice(0, 200)}` : ''})`;
    if (!proxy) return error(what);
    // A proxy that redirects wants a sign-in, or will not pass this host on.
    const via = `the proxy ${redactUrl(proxy.url)} (from ${proxy.from})`;
    return {
      error: new UsageError(
        `${shown} is not the ${name} API through ${via}: it answered ${status} ${what}`,
        `check ${proxy.from}: a proxy that redirects usually wants you to sign in or does not allow ${url.hostname}; to go direct, list it in NO_PROXY`,
      ),
      what,
    };
  }
  const first = res.body.trimStart().slice(0, 1);
  if (first === '<' && /html|xml/i.test(header(res, 'content-type') ?? 'html')) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(res.body)?.[1]?.trim();
    return error(
      `with a web page${title ? ` ("${sanitizeText(title).slice(0, 100)}")` : ''} instead of JSON`,
      '; a login page usually means a proxy wants you to sign in',
    );
  }
  if (status === 404 && vendor === 'asana' && /No matching route/i.test(res.body)) {
    return error(
      `for ${url.pathname} ("No matching route")`,
      '',
      `it has no route ${url.pathname} (404 "No matching route for request")`,
    );
  }
  // Box's events endpoint has no id in its path: a 404 there can only be a wrong base.
  if (status === 404 && vendor === 'box' && url.pathname.endsWith('/events')) return error(`for ${url.pathname}`);
  // The other vendor's error shapes: Box {"type":"error","status":…}, Asana {"errors":[…]}. Only
  // refusals are parsed here: a page of events is read once, by the provider.
  const body = status >= 400 ? jsonObject(res.body) : undefined;
  if (status === 404 && vendor === 'asana' && !Array.isArray(body?.['errors']))
    return error(`for ${url.pathname} without Asana's error body (no API behind this URL?)`);
  if (vendor === 'asana' && body?.['type'] === 'error' && typeof body['status'] === 'number')
    return error("with a Box error (this is Box's API)");
  if (vendor === 'box' && Array.isArray(body?.['errors']) && !('type' in body))
    return error("with an Asana error (this is Asana's API)");
  return undefined;
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
