// What a failed request means, in the words a user can act on. A fault of the network or the
// server (refused, reset, timed out, cut off, too big) is a NetworkError and is retried; a
// certificate that cannot be trusted or a proxy that wants credentials is not an outage: retrying
// cannot fix it, so it fails at once with its own exit code and the fix.
import { AuthError, EventsError, ExitCode, UsageError } from '../core/errors.js';
import { redactText, redactUrl } from '../lib/redact.js';
import { proxyForUrl, type ProxySettings } from './proxy.js';

/** The request never produced a usable HTTP answer: refused, reset, timed out. Worth a retry. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The server's certificate is not trusted, expired, or names another host. */
export class TlsError extends EventsError {
  constructor(message: string, hint: string) {
    super('tls', ExitCode.tls, message, hint);
  }
}

/** The forward proxy refused the request (407: credentials; 403: not allowed). */
export class ProxyError extends AuthError {}

/** An https URL whose port speaks plain http: the base URL is wrong, not the network. */
export class NotTlsError extends UsageError {
  constructor(readonly origin: string) {
    super(
      `${origin} does not speak TLS (is it a plain-http port?)`,
      'use http:// for it, or the port that serves https',
    );
  }
}

/** The reason a request is aborted at its overall deadline. */
export const DEADLINE = new Error('deadline');

/** The answer grew past the cap: cut off. */
export class TooLarge extends Error {
  constructor(readonly bytes: number) {
    super('too large');
  }
}

const CERTIFICATE: Record<string, { problem: string; hint?: string }> = {
  CERT_HAS_EXPIRED: {
    problem: 'has expired',
    hint: "the server must renew it; if it is not the real server, check the base URL and any proxy (also check this machine's clock)",
  },
  CERT_NOT_YET_VALID: { problem: 'is not valid yet', hint: "check this machine's clock" },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    problem: 'is for another host name',
    hint: 'check the host in the base URL; a proxy that inspects TLS must present certificates for the real host',
  },
  DEPTH_ZERO_SELF_SIGNED_CERT: { problem: 'is self-signed' },
  SELF_SIGNED_CERT_IN_CHAIN: { problem: 'is signed by a CA this machine does not trust' },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { problem: 'is signed by a CA this machine does not trust' },
  UNABLE_TO_GET_ISSUER_CERT: { problem: 'is signed by a CA this machine does not trust' },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { problem: 'is signed by a CA this machine does not trust' },
  CERT_UNTRUSTED: { problem: 'is not trusted' },
  CERT_REVOKED: { problem: 'has been revoked' },
  CERT_SIGNATURE_FAILURE: { problem: 'has a bad signature' },
  CERT_REJECTED: { problem: 'was rejected' },
};
const UNTRUSTED_HINT =
  'if a company proxy inspects TLS, set NODE_EXTRA_CA_CERTS to its CA certificate file (PEM); never disable verification';

const NETWORK_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed mid-response',
  UND_ERR_CLOSED: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connect timed out',
};

interface FailureContext {
  url: URL;
  timeoutMs: number;
  maxBytes: number;
  proxy: ProxySettings;
}

export function classifyFailure(error: unknown, ctx: FailureContext): Error {
  if (error === DEADLINE)
    return new NetworkError(`no complete answer within ${Math.round(ctx.timeoutMs / 1000)} s`, 'TIMEOUT');
  const codes = codesOf(error);
  const message = messagesOf(error).join(': ');
  if (error instanceof TooLarge || codes.includes('UND_ERR_RES_EXCEEDED_MAX_SIZE')) {
    return new NetworkError(
      `the answer was larger than ${formatBytes(ctx.maxBytes)} and was cut off (--max-answer-size)`,
      'TOO_LARGE',
    );
  }
  if (codes.includes('BAD_ENCODING')) return new NetworkError(message, 'BAD_ENCODING');
  if (codes.includes('UND_ERR_HEADERS_TIMEOUT') || codes.includes('UND_ERR_BODY_TIMEOUT')) {
    return new NetworkError(`no complete answer within ${Math.round(ctx.timeoutMs / 1000)} s`, 'TIMEOUT');
  }
  const host = ctx.url.host;
  const cert = codes.map((code) => CERTIFICATE[code]).find(Boolean);
  if (cert) return new TlsError(`the TLS certificate of ${host} ${cert.problem}`, cert.hint ?? UNTRUSTED_HINT);
  if (
    codes.includes('ERR_SSL_WRONG_VERSION_NUMBER') ||
    /wrong version number|packet length too long|http request/i.test(message)
  ) {
    return new NotTlsError(ctx.url.origin);
  }
  const proxyStatus = /Proxy response \((\d+)\)|Proxy Authentication Required \((\d+)\)/.exec(message);
  if (proxyStatus) return proxyFailure(Number(proxyStatus[1] ?? proxyStatus[2]), ctx);
  const code = codes.find((c) => NETWORK_TEXT[c]) ?? codes[0] ?? 'NETWORK';
  const viaProxy = proxyFor(ctx);
  const text = NETWORK_TEXT[code] ?? `${code}: ${redactText(message || 'request failed')}`;
  return new NetworkError(
    viaProxy && (code === 'ECONNREFUSED' || code === 'ENOTFOUND')
      ? `${text} (proxy ${redactUrl(viaProxy.url)} from ${viaProxy.from})`
      : text,
    code,
  );
}

/** A 407 from the proxy itself, or its refusal to open a tunnel. */
export function proxyFailure(status: number, ctx: { url: URL; proxy: ProxySettings }): Error {
  const proxy = proxyFor(ctx);
  const name = proxy ? `the proxy ${redactUrl(proxy.url)} (from ${proxy.from})` : 'a proxy';
  if (status === 407) {
    const hasCredentials = proxy ? new URL(proxy.url).username !== '' : false;
    return new ProxyError(
      hasCredentials
        ? `${name} rejected its credentials (407)`
        : `${name} asks for credentials (407 Proxy Authentication Required)`,
      `put them in the proxy URL: ${proxy?.from ?? 'HTTPS_PROXY'}=http://user:password@host:port (URL-encode special characters)`,
    );
  }
  if (status >= 500) return new NetworkError(`${name} could not reach ${ctx.url.host} (${status})`, 'PROXY_UPSTREAM');
  return new ProxyError(
    `${name} refused to connect to ${ctx.url.host} (${status})`,
    `ask its administrators to allow ${ctx.url.host}, or list it in NO_PROXY`,
  );
}

function proxyFor(ctx: { url: URL; proxy: ProxySettings }): { url: string; from: string } | undefined {
  return proxyForUrl(ctx.url, ctx.proxy);
}

function codesOf(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 4) return [];
  const err = error as { code?: unknown; cause?: unknown; errors?: unknown };
  const own = typeof err.code === 'string' ? [err.code] : [];
  const nested = Array.isArray(err.errors) ? err.errors.flatMap((e) => codesOf(e, depth + 1)) : [];
  return [...own, ...codesOf(err.cause, depth + 1), ...nested];
}

function messagesOf(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 4) return [];
  const err = error as { message?: unknown; cause?: unknown };
  return [
    ...(typeof err.message === 'string' && err.message ? [err.message] : []),
    ...messagesOf(err.cause, depth + 1),
  ];
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
