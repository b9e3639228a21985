// The webhook receiver (issue 26): one node:http (or node:https) server per process, one path per
// subscription, `/hooks/<random id>`, so a URL seen in a proxy log names no gid. It only ever says
// "read this subscription now": what is printed still comes from the events API.
//
// Every request is untrusted until its signature says otherwise. The handshake (a POST carrying
// X-Hook-Secret) is accepted only on a path that is expecting one (a webhook being created for it)
// and is echoed only after the secret is stored durably, so a crash cannot leave Asana signing
// with a secret we lost. A delivery counts only when X-Hook-Signature is the hex HMAC-SHA256 of
// the raw body under that path's secret, compared in constant time; anything else is a 401 and a
// --verbose line, never a wake-up. Answers go out first, the wake-up runs after. Bodies are
// capped (413), headers and bodies have deadlines (a slow client cannot hold a socket), methods
// other than POST get 405, unknown paths 404, and no Server banner is sent. Nothing of a
// delivery's content (nor a secret) is ever printed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { WakePort } from '../core/wake.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Asana's handshake and deliveries arrive in one go; a client slower than this is not Asana. */
const DEFAULT_HEADERS_TIMEOUT_MS = 5_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const MAX_CONNECTIONS = 1_000;
/** Signatures of recent deliveries per path: a repeat (replayed or sent twice) wakes nothing. */
const REMEMBERED_SIGNATURES = 256;
const PATH_ID = /^[A-Za-z0-9_-]{16,64}$/;
/** The path's last two segments: a reverse proxy may keep a prefix of --webhook-url's path. */
const HOOK_PATH = /(?:^|\/)hooks\/([A-Za-z0-9_-]{16,64})$/;
const SECRET = /^[\x21-\x7e]{1,512}$/;
const SIGNATURE = /^[0-9a-fA-F]{64}$/;

export interface ReceiverOptions {
  host: string;
  port: number;
  /** Serve HTTPS directly with this PEM certificate and key (--cert/--key). */
  tls?: { cert: string; key: string };
  /** Verified deliveries: onAlive for each, onWake as well when it holds events. */
  wake: Pick<WakePort, 'onWake' | 'onAlive'>;
  /** Stores a handshake's secret durably (state/webhooks.ts); the echo waits for it. */
  storeSecret(key: string, secret: string): Promise<void>;
  /** --verbose lines: refusals and failures, never a secret or a delivery's content. */
  verbose?: (line: string) => void;
  maxBodyBytes?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

interface Route {
  key: string;
  pathId: string;
  secret: string | undefined;
  /** Webhooks being created for this path right now: only then is a handshake accepted. */
  expecting: number;
  recent: Set<string>;
}

export class WebhookReceiver {
  readonly #options: ReceiverOptions;
  readonly #server: http.Server;
  readonly #byPath = new Map<string, Route>();
  readonly #byKey = new Map<string, Route>();

  private constructor(options: ReceiverOptions, server: http.Server) {
    this.#options = options;
    this.#server = server;
  }

  /** Binds host:port (0: any free port) and starts answering. */
  static async listen(options: ReceiverOptions): Promise<WebhookReceiver> {
    const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    const requestTimeout = Math.max(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, headersTimeout);
    const serverOptions: http.ServerOptions = {
      headersTimeout,
      requestTimeout,
      // Node checks both deadlines on this period (30 s by default): a fraction of the shorter one.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
      keepAliveTimeout: Math.min(5_000, requestTimeout),
      maxHeaderSize: 16 * 1024,
    };
    let receiver: WebhookReceiver | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse): void => receiver!.#handle(req, res);
    const server = options.tls
      ? https.createServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, handler)
      : http.createServer(serverOptions, handler);
    server.maxConnections = MAX_CONNECTIONS;
    // An idle socket (no request at all) is closed too.
    server.setTimeout(requestTimeout, (socket) => socket.destroy());
    receiver = new WebhookReceiver(options, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return receiver;
  }

  /** Where the server listens, e.g. http://127.0.0.1:8787 (what --webhook-url must reach). */
  get url(): string {
    const { address, port } = this.#server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    return `${this.#options.tls ? 'https' : 'http'}://${host}:${port}`;
  }

  /**
   * Gives `key` its path: the stored one (with the stored secret) or a new random id. Returns the
   * path id; the webhook's target is --webhook-url + `/hooks/<id>`.
   */
  add(key: string, known?: { pathId: string; secret?: string }): string {
    if (known && !PATH_ID.test(known.pathId))
      throw new TypeError('a webhook path id must be 16 to 64 URL-safe characters');
    this.remove(key);
    const pathId = known?.pathId ?? randomBytes(16).toString('base64url');
    const route: Route = { key, pathId, secret: known?.secret, expecting: 0, recent: new Set() };
    this.#byPath.set(pathId, route);
    this.#byKey.set(key, route);
    return pathId;
  }

  remove(key: string): void {
    const route = this.#byKey.get(key);
    if (!route) return;
    this.#byKey.delete(key);
    this.#byPath.delete(route.pathId);
  }

  pathId(key: string): string | undefined {
    return this.#byKey.get(key)?.pathId;
  }

  /**
   * Opens `key`'s path to a handshake until the returned function is called: around the
   * `POST /webhooks` that creates its webhook. A handshake at any other time is refused, so no
   * one can swap a path's secret for one of their own.
   */
  expectHandshake(key: string): () => void {
    const route = this.#byKey.get(key);
    if (!route) throw new TypeError(`no webhook path for ${key}`);
    route.expecting++;
    let open = true;
    return () => {
      if (open) route.expecting--;
      open = false;
    };
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const pathname = (req.url ?? '/').split('?')[0]!;
    const route = this.#byPath.get(HOOK_PATH.exec(pathname)?.[1] ?? '');
    if (!route) return refuse(res, 404);
    if (req.method !== 'POST') return refuse(res, 405, { allow: 'POST' });
    const max = this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) return this.#tooLarge(route, res);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        this.#tooLarge(route, res);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (over) return;
      const body = Buffer.concat(chunks, size);
      if (req.headers['x-hook-secret'] !== undefined) void this.#handshake(route, req, res);
      else this.#delivery(route, req, res, body);
    });
  }

  #tooLarge(route: Route, res: ServerResponse): void {
    this.#say(`refused a webhook request for ${route.key}: the body is over the cap (413)`);
    refuse(res, 413);
  }

  async #handshake(route: Route, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const secret = req.headers['x-hook-secret'];
    if (route.expecting === 0) {
      this.#say(`refused a webhook handshake for ${route.key}: no webhook is being created for it (401)`);
      return refuse(res, 401);
    }
    if (typeof secret !== 'string' || !SECRET.test(secret)) {
      this.#say(`refused a webhook handshake for ${route.key}: X-Hook-Secret is not a printable token (400)`);
      return refuse(res, 400);
    }
    try {
      await this.#options.storeSecret(route.key, secret);
    } catch (error) {
      // No echo: Asana then fails the creation, rather than sign with a secret we do not hold.
      this.#say(`could not store the webhook secret of ${route.key}: ${firstLine(error)} (500)`);
      return refuse(res, 500);
    }
    route.secret = secret;
    route.recent.clear();
    res.writeHead(200, { 'x-hook-secret': secret, 'content-length': '0' });
    res.end();
  }

  #delivery(route: Route, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const signature = req.headers['x-hook-signature'];
    const why = verify(route.secret, signature, body);
    if (why) {
      this.#say(`refused a webhook delivery for ${route.key}: ${why} (401)`);
      return refuse(res, 401);
    }
    const seen = (signature as string).toLowerCase();
    const events = countEvents(body);
    // A heartbeat's body is always the same ({"events":[]}): only deliveries with events repeat.
    const repeat = events !== 0 && route.recent.has(seen);
    if (events !== 0 && !repeat) remember(route.recent, seen);
    res.writeHead(200, { 'content-length': '0' });
    res.end();
    // The work comes after the answer; a failing callback is a bug to see, never a lost answer.
    setImmediate(() => {
      try {
        this.#options.wake.onAlive(route.key);
        if (repeat) this.#say(`ignored a repeated webhook delivery for ${route.key}`);
        else if (events !== 0) this.#options.wake.onWake(route.key);
      } catch (error) {
        this.#say(`a webhook wake-up for ${route.key} failed: ${firstLine(error)}`);
      }
    });
  }

  #say(line: string): void {
    this.#options.verbose?.(line);
  }
}

/** Why a delivery is refused, or undefined when its signature is right. */
function verify(
  secret: string | undefined,
  signature: string | string[] | undefined,
  body: Buffer,
): string | undefined {
  if (secret === undefined) return 'this path has no secret yet (no handshake)';
  if (signature === undefined) return 'it has no X-Hook-Signature';
  if (typeof signature !== 'string' || !SIGNATURE.test(signature)) return 'X-Hook-Signature is not a hex SHA-256';
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(signature, 'hex');
  return timingSafeEqual(expected, given) ? undefined : 'X-Hook-Signature does not match the body';
}

/**
 * The number of events in a delivery: 0 for a heartbeat. A signed body that is not the usual
 * shape still came from Asana: it counts as one event (an extra read costs one request).
 */
function countEvents(body: Buffer): number {
  try {
    const value = JSON.parse(body.toString('utf8')) as { events?: unknown } | null;
    return Array.isArray(value?.events) ? value.events.length : 1;
  } catch {
    return 1;
  }
}

function remember(recent: Set<string>, signature: string): void {
  recent.add(signature);
  if (recent.size > REMEMBERED_SIGNATURES) recent.delete(recent.values().next().value!);
}

/** An empty answer that also ends the connection: no reason to keep a refused client's socket. */
function refuse(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...headers, 'content-length': '0', connection: 'close' });
  res.end();
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
