// Which forward proxy a request takes, with curl's rules: HTTPS_PROXY for https, HTTP_PROXY for
// http (the lowercase names first), NO_PROXY for the hosts that go direct (a host, a domain and
// its subdomains, host:port, or * for all). `--proxy` beats the environment, which beats the
// `proxy` key of config.json.
import { ConfigError, UsageError } from '../core/errors.js';
import { redactUrl } from '../lib/redact.js';

/** The `proxy` setting and where it came from (for messages). */
export interface ProxyChoice {
  url: string;
  from: 'flag' | 'config';
}

export interface ProxySettings {
  http?: string;
  https?: string;
  noProxy: string;
  /** What set the proxy for each scheme: "HTTPS_PROXY", "--proxy", "proxy in config.json". */
  httpFrom?: string;
  httpsFrom?: string;
}

export function proxySettings(env: NodeJS.ProcessEnv, choice?: ProxyChoice): ProxySettings {
  const pick = (names: string[]): { url?: string; from?: string } => {
    if (choice?.from === 'flag') return { url: choice.url, from: '--proxy' };
    for (const name of names) {
      const value = env[name]?.trim();
      if (value) return { url: value, from: name };
    }
    return choice ? { url: choice.url, from: 'proxy in config.json' } : {};
  };
  const https = pick(['https_proxy', 'HTTPS_PROXY']);
  const http = pick(['http_proxy', 'HTTP_PROXY']);
  return {
    https: https.url && checkedProxyUrl(https.url, https.from!),
    httpsFrom: https.from,
    http: http.url && checkedProxyUrl(http.url, http.from!),
    httpFrom: http.from,
    noProxy: (env['no_proxy'] ?? env['NO_PROXY'] ?? '').trim(),
  };
}

/** A proxy URL as undici takes it; "host:port" means http://host:port, as curl reads it. */
export function checkedProxyUrl(value: string, from: string): string {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // said below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    const message = `${from} is not a proxy URL: ${redactUrl(value)}`;
    const hint = 'use http://host:port (credentials as http://user:password@host:port)';
    throw from === 'proxy in config.json' ? new ConfigError(message, hint) : new UsageError(message, hint);
  }
  return url.toString();
}

/** The proxy a request to `url` goes through, with undici's NO_PROXY rules; undefined: direct. */
export function proxyForUrl(url: URL, settings: ProxySettings): { url: string; from: string } | undefined {
  const secure = url.protocol === 'https:';
  const proxy = secure ? settings.https : settings.http;
  const from = secure ? settings.httpsFrom : settings.httpFrom;
  if (!proxy || !from || bypassesProxy(url, settings.noProxy)) return undefined;
  return { url: proxy, from };
}

/** NO_PROXY as undici's EnvHttpProxyAgent reads it: `*`, host, `.domain` or `*.domain`, `host:port`. */
function bypassesProxy(url: URL, noProxy: string): boolean {
  if (noProxy === '*') return true;
  // url.host keeps the brackets of an IPv6 address; the port is cut off by hand.
  const hostname = url.host.replace(/:\d*$/, '').toLowerCase();
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  return noProxy
    .split(/[,\s]/)
    .filter(Boolean)
    .some((entry) => {
      const parsed = /^(.+):(\d+)$/.exec(entry);
      const host = (parsed ? parsed[1]! : entry).replace(/^\*?\./, '').toLowerCase();
      if (parsed && Number(parsed[2]) !== port) return false;
      return hostname === host || hostname.endsWith(`.${host}`);
    });
}
