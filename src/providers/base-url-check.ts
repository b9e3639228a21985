// A wrong ASANA_BASE_URL/BOX_BASE_URL does not look like an outage or a missing resource: a web
// page, a redirect, "No matching route", the other vendor's API, or TLS spoken to a plain-http
// port. Until the first good answer, each answer that can only mean "this is not the API" becomes
// one error saying what was received and which variable to fix, instead of a 404 that blames the
// gid or retries of a "garbled body" until exit 75. After a good answer from the same base URL,
// the same web page is a hiccup on the way (a proxy's login page, a load balancer's error page):
// a fault to retry, so a service does not stop for it.
import { UsageError } from '../core/errors.js';
import type { HttpResponse } from '../net/http.js';
import { TransientError } from '../net/retry.js';
import { redactUrl } from '../lib/redact.js';
import { sanitizeText } from '../lib/sanitize.js';

export type Vendor = 'asana' | 'box';

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
): void {
  const verdict = notTheApi(vendor, base, url, res);
  if (!verdict) return;
  if (answeredBefore)
    throw new TransientError(
      `${VENDORS[vendor].name} answered ${res.status} ${verdict.what}, after good answers from the same URL`,
    );
  throw verdict.error;
}

/** https:// to a port that speaks plain http. */
export function notTlsError(vendor: Vendor, base: string): UsageError {
  const { name, variable } = VENDORS[vendor];
  return new UsageError(
    `${redactUrl(base)} is not the ${name} API: the port does not speak TLS (a plain-http port?)`,
    `check ${variable}: use http:// for a plain-http server such as the emulator, or the port that serves https`,
  );
}

function notTheApi(
  vendor: Vendor,
  base: string,
  url: URL,
  res: HttpResponse,
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
    return error(`(a redirect${location ? ` to ${sanitizeText(redactUrl(location)).slice(0, 200)}` : ''})`);
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
