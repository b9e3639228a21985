// Handlers answer with a Reply value instead of writing to the socket, so the server can apply a
// fault (cut it, drip it, delay it) to the real answer before it goes out.
import type { IncomingHttpHeaders } from 'node:http';
import zlib from 'node:zlib';

export interface Incoming {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The bearer token, when the request has one. */
  token: string | undefined;
  /** Aborted when the client goes away: long polls stop waiting. */
  signal: AbortSignal;
  body: string;
}

export interface Reply {
  status: number;
  /** JSON text. */
  body: string;
  headers?: Record<string, string>;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body: typeof body === 'string' ? body : JSON.stringify(body), headers };
}

/** Asana's error body: `{"errors":[{"message","help"[,"phrase"]}]}`. */
export function asanaError(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers?: Record<string, string>,
): Reply {
  const error: Record<string, unknown> = {
    message,
    help: 'For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors',
  };
  if (status >= 500) error['phrase'] = 'six sad squid snuggle softly';
  return json(status, { errors: [error], ...extra }, headers);
}

/** The `code` of Box's ClientError per HTTP status: the values of the enum in box_oas.json
 * (components.schemas.ClientError.properties.code), nothing outside it. */
const BOX_ERROR_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  412: 'precondition_failed',
  429: 'too_many_requests',
  500: 'internal_server_error',
  502: 'unavailable',
  503: 'unavailable',
  504: 'unavailable',
};

export function boxErrorCode(status: number): string {
  return BOX_ERROR_CODES[status] ?? (status >= 500 ? 'internal_server_error' : 'bad_request');
}

let boxRequestCounter = 0;

/** Box's error body, the spec's ClientError: type, status, code, message, help_url, request_id. */
export function boxError(status: number, message: string, headers?: Record<string, string>): Reply {
  const requestId = `${Date.now().toString(36)}${(++boxRequestCounter).toString(36).padStart(4, '0')}`;
  const body = {
    type: 'error',
    status,
    code: boxErrorCode(status),
    help_url: 'https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/',
    message,
    request_id: requestId,
  };
  return json(status, body, headers);
}

/** A reply as it goes on the wire: headers final, body encoded. */
export interface Encoded {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type ContentCoding = 'br' | 'gzip' | 'identity';

/**
 * The coding to answer with for an Accept-Encoding header (RFC 9110, 12.5.3): the highest q of
 * br and gzip (`*` stands for any not named), br before gzip on a tie; q=0 refuses; identity when
 * neither is acceptable or the header is absent.
 */
export function pickEncoding(header: string | undefined): ContentCoding {
  if (!header) return 'identity';
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    q.set(name.trim(), Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);
  }
  const weight = (coding: string): number => q.get(coding) ?? q.get('*') ?? 0;
  const best = (['br', 'gzip'] as const).reduce<{ coding: ContentCoding; q: number }>(
    (top, coding) => (weight(coding) > top.q ? { coding, q: weight(coding) } : top),
    { coding: 'identity', q: 0 },
  );
  return best.coding;
}

/**
 * The wire form of a reply. `negotiated`: an API answer, compressed as the request's
 * Accept-Encoding asks (Content-Encoding and Vary: Accept-Encoding, as the real APIs send);
 * otherwise identity.
 */
export function encodeReply(reply: Reply, negotiated: boolean, acceptEncoding?: string): Encoded {
  const text = Buffer.from(reply.body, 'utf8');
  const coding = negotiated ? pickEncoding(acceptEncoding) : 'identity';
  const body =
    coding === 'br'
      ? zlib.brotliCompressSync(text, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
            [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: text.length,
          },
        })
      : coding === 'gzip'
        ? zlib.gzipSync(text)
        : text;
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': String(body.length),
    ...reply.headers,
  };
  if (negotiated) headers['vary'] = 'Accept-Encoding';
  if (coding !== 'identity') headers['content-encoding'] = coding;
  return { status: reply.status, headers, body };
}
