// A wrong ASANA_BASE_URL/BOX_BASE_URL does not look like an outage or a missing resource: a web
// page, a redirect, or "No matching route". Each answer that can only mean "this is not the API"
// becomes one error saying what was received and which variable to fix, instead of a 404 that
// blames the gid or retries of a "garbled body" until exit 75.
import { UsageError } from '../core/errors.js';
import type { HttpResponse } from '../net/http.js';
import { sanitizeText } from '../lib/sanitize.js';

const VENDORS = {
  asana: { name: 'Asana', variable: 'ASANA_BASE_URL', real: 'https://app.asana.com/api/1.0' },
  box: { name: 'Box', variable: 'BOX_BASE_URL', real: 'https://api.box.com/2.0' },
} as const;

export function checkApiAnswer(vendor: 'asana' | 'box', base: string, url: URL, res: HttpResponse): void {
  const error = notTheApi(vendor, base, url, res);
  if (error) throw error;
}

function notTheApi(vendor: 'asana' | 'box', base: string, url: URL, res: HttpResponse): UsageError | undefined {
  const { name, variable, real } = VENDORS[vendor];
  const hint = `check ${variable} (now ${base}; the real API is ${real}) and any proxy in between`;
  const { status } = res;
  if (status >= 300 && status < 400) {
    const location = header(res, 'location');
    return new UsageError(`${base} is not the ${name} API: it answered ${status} (a redirect${location ? ` to ${sanitizeText(location).slice(0, 200)}` : ''})`, hint);
  }
  const first = res.body.trimStart().slice(0, 1);
  if (first === '<' && /html|xml/i.test(header(res, 'content-type') ?? 'html')) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(res.body)?.[1]?.trim();
    return new UsageError(`${base} is not the ${name} API: it answered ${status} with a web page${title ? ` ("${sanitizeText(title).slice(0, 100)}")` : ''} instead of JSON`, `${hint}; a login page usually means a proxy wants you to sign in`);
  }
  if (status === 404 && vendor === 'asana' && /No matching route/i.test(res.body)) {
    return new UsageError(`${base} is not the ${name} API: it has no route ${url.pathname} (404 "No matching route for request")`, hint);
  }
  // Box's events endpoint has no id in its path: a 404 there can only be a wrong base.
  if (status === 404 && vendor === 'box' && url.pathname.endsWith('/events')) {
    return new UsageError(`${base} is not the ${name} API: it answered 404 for ${url.pathname}`, hint);
  }
  return undefined;
}

function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
