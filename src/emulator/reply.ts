// Handlers answer with a Reply value instead of writing to the socket, so the server can apply a
// fault (cut it, drip it, delay it) to the real answer before it goes out.
import type { IncomingHttpHeaders } from 'node:http';

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
export function asanaError(status: number, message: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>): Reply {
  const error: Record<string, unknown> = { message, help: 'For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors' };
  if (status >= 500) error['phrase'] = 'six sad squid snuggle softly';
  return json(status, { errors: [error], ...extra }, headers);
}

/** Box's error body. */
export function boxError(status: number, code: string, message: string, headers?: Record<string, string>): Reply {
  return json(status, { type: 'error', status, code, help_url: 'http://developers.box.com/docs/#errors', message, request_id: `emu${Date.now().toString(36)}` }, headers);
}
