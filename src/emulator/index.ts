// The built-in emulator: Asana (/api/1.0) and Box (/2.0, realtime /subscribe) on one local HTTP
// (or, given a certificate, HTTPS) server, with injectable faults and a control API under
// /_emulator. API answers are compressed when the request asks, as the real APIs do. Tests, the
// benchmark, `events demo` and `events emulator` all run this same server.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { AsanaApi } from './asana-api.js';
import { AsanaWebhooks } from './asana-webhooks.js';
import { AsanaWorld } from './asana-world.js';
import { BoxApi } from './box-api.js';
import { BoxWorld } from './box-world.js';
import { handleControl } from './control.js';
import { Faults, type FaultSpec } from './faults.js';
import { hostileReply, isHostileKind } from './hostile-pages.js';
import { OAuthServer } from './oauth.js';
import { Random } from './random.js';
import { RateLimiter } from './rate-limit.js';
import { asanaError, boxError, encodeReply, json, type Encoded, type Incoming, type Reply } from './reply.js';
import { sleep } from '../lib/sleep.js';

export type { FaultSpec } from './faults.js';
export type { RateLimitSpec } from './rate-limit.js';
export type { Emulator, EmulatorOptions, RequestRecord } from './types.js';
import type { Emulator, EmulatorOptions, RequestRecord } from './types.js';

const MAX_RECORDED_REQUESTS = 100_000;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const seed = options.seed ?? 1;
  const now = options.now ?? Date.now;
  const violations: string[] = [];
  const faults = new Faults();
  const requests: RequestRecord[] = [];
  const rateLimit = new RateLimiter(options.rateLimit ?? { concurrency: 50 }, now);
  const asanaWorld = new AsanaWorld({ seed, now, tokenTtlMs: options.tokenTtlMs ?? 24 * 3600_000 });
  const boxWorld = new BoxWorld(seed, now, { hugePositions: options.boxHugePositions === true });
  let url = '';
  const webhooks = new AsanaWebhooks(asanaWorld, options.webhooks ?? {}, violations, now);
  const asanaApi = new AsanaApi(asanaWorld, {
    accessTokens: options.accessTokens,
    workspaceEventsTokens: options.workspaceEventsTokens,
    violations,
    webhooks,
  });
  const boxApi = new BoxApi(boxWorld, {
    accessTokens: options.accessTokens,
    adminTokens: options.boxAdminTokens,
    url: () => url,
    realtime: { retryTimeoutS: 610, maxRetries: 10, ttlMinutes: 10, ...options.boxRealtime },
    seed,
    violations,
  });
  const oauth = new OAuthServer(options.oauth ?? {}, () => url, now);
  const held = new Set<ServerResponse>();
  let inFlight = 0;
  let maxInFlight = 0;

  const emulator: Emulator = {
    url: '',
    asana: {
      world: asanaWorld,
      workspaceGid: asanaWorld.workspace.gid,
      get projectGids() {
        return asanaWorld.projectGids;
      },
      goalGids: asanaWorld.goals,
      taskGids: (p) => asanaWorld.taskGids(p),
      appendEvents: (gid, count) => asanaWorld.append(gid, count),
      simulate: (count) => asanaWorld.simulate(count),
      expireTokens: (gid) => asanaWorld.expire(gid),
      teamGids: asanaWorld.teams,
      createProject: (name, taskCount, teamGid) => asanaWorld.createProject(name, taskCount, true, teamGid).gid,
      archiveProject: (gid) => asanaWorld.archiveProject(gid),
      deleteProject: (gid) => asanaWorld.deleteProject(gid),
      webhooks,
    },
    box: {
      appendEvents: (count, stream = 'user', eventType) => boxWorld.append(stream, count, eventType),
      position: (index, stream = 'user') => boxWorld.position(stream, index).toString(),
      get realtimeAuthorized() {
        return boxApi.realtimeAuthorized;
      },
    },
    faults,
    rateLimit,
    oauth,
    requests,
    violations,
    get maxInFlight() {
      return maxInFlight;
    },
    close: async () => {
      clearInterval(activity);
      webhooks.close();
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const time = Date.now();
    const target = new URL(req.url ?? '/', 'http://emulator');
    const body = await readBody(req);
    if (target.pathname.startsWith('/_emulator')) {
      send(res, encodeReply(await handleControl(emulator, req.method ?? 'GET', target, body), false));
      return;
    }
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers: { ...req.headers },
      time,
      status: 0,
      bodyBytes: 0,
    };
    // The vendors' APIs compress when asked; the token endpoints and the realtime server do not here.
    const api = target.pathname.startsWith('/api/1.0/') || target.pathname.startsWith('/2.0/');
    const encode = (reply: Reply): Encoded => encodeReply(reply, api, req.headers['accept-encoding']);
    requests.push(record);
    // A long-running `events emulator` keeps the newest requests only.
    if (requests.length > MAX_RECORDED_REQUESTS) requests.splice(0, requests.length - MAX_RECORDED_REQUESTS / 2);
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    const aborter = new AbortController();
    res.on('close', () => {
      inFlight--;
      aborter.abort();
    });
    const auth = req.headers['authorization'];
    const incoming: Incoming = {
      method: record.method,
      path: target.pathname,
      query: target.searchParams,
      headers: req.headers,
      token: typeof auth === 'string' && /^Bearer \S/.test(auth) ? auth.slice(7) : undefined,
      signal: aborter.signal,
      body,
    };
    const vendor = target.pathname.startsWith('/api/1.0') ? 'asana' : 'box';
    // The budget is per token and counts every API request, refused ones too; the realtime long
    // poll is not an API request.
    if (target.pathname !== '/subscribe') {
      const entry = rateLimit.enter(`${vendor} ${incoming.token ?? ''}`);
      if (!('done' in entry)) {
        record.status = 429;
        record.bodyBytes = send(res, encode(rateLimited(vendor, entry.retryAfterS)));
        return;
      }
      // 'finish' comes before the client can read the answer, so a client that sends its next
      // request at once never finds this one still counted.
      res.on('finish', entry.done);
      res.on('close', entry.done);
    }
    const fault = faults.take(target.pathname);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang') {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    if (fault?.kind === 'endless') {
      record.status = 200;
      endless(res, held);
      return;
    }
    if (fault?.kind === 'slow') await sleep(fault.delayMs ?? 500, aborter.signal).catch(() => undefined);
    if (fault?.kind === 'expire' && vendor === 'asana') {
      const ws = /\/workspaces\/(\d+)\/events$/.exec(target.pathname)?.[1];
      asanaWorld.expire(ws ?? target.searchParams.get('resource') ?? undefined);
    }
    let reply = faultReply(fault, vendor) ?? (await route(incoming, target.pathname));
    if (fault && isHostileKind(fault.kind)) reply = hostileReply(fault.kind, vendor, reply);
    if (res.destroyed) return;
    record.status = reply.status;
    const encoded = encode(reply);
    if (fault?.kind === 'truncate') record.bodyBytes = truncate(res, encoded);
    else if (fault?.kind === 'drip') record.bodyBytes = drip(res, encoded, fault.delayMs ?? 200, held);
    else record.bodyBytes = send(res, encoded);
  }

  function route(req: Incoming, path: string): Reply | Promise<Reply> {
    const token = oauth.handle(req, path);
    if (token) return token;
    const vendor = path.startsWith('/api/1.0/') ? 'asana' : 'box';
    if (path.startsWith('/api/1.0/') || path.startsWith('/2.0/')) {
      const expired = oauth.check(req, vendor);
      if (expired) return expired;
      // With a fixed list of accepted tokens, tokens the emulator issued are good for /users/me
      // too (events auth status --check); otherwise the vendors' own /users/me answers.
      if (options.accessTokens && (path === '/api/1.0/users/me' || path === '/2.0/users/me') && req.method === 'GET') {
        const known =
          req.token && (!options.accessTokens || options.accessTokens.includes(req.token) || oauth.isIssued(req.token));
        return known ? oauth.usersMe(vendor) : oauth.unauthorized(vendor, 'The access token provided is invalid.');
      }
    }
    if (path.startsWith('/api/1.0/')) return asanaApi.handle(req, path.slice('/api/1.0'.length));
    if (path.startsWith('/2.0/')) return boxApi.handle(req, path.slice('/2.0'.length));
    if (path === '/subscribe') return boxApi.subscribe(req);
    return asanaError(404, 'No matching route for request');
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      const message = `emulator error: ${String(error)}`;
      send(
        res,
        encodeReply((req.url ?? '').startsWith('/2.0/') ? boxError(500, message) : asanaError(500, message), false),
      );
    });
  };
  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handler)
    : http.createServer(handler);
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  url = `${options.tls ? 'https' : 'http'}://${shownHost}:${port}`;
  emulator.url = url;

  const random = new Random(seed ^ 0xac71);
  const activity = options.activity
    ? setInterval(() => {
        asanaWorld.simulate(random.int(1, 3));
        if (
          random.chance(1 / Math.max(1, (options.activity as { projectChurnEvery?: number }).projectChurnEvery ?? 15))
        )
          asanaWorld.churnProjects();
        boxWorld.append('user', random.int(1, 2));
        if (random.chance(0.5)) boxWorld.append('enterprise', 1);
      }, options.activity.intervalMs)
    : undefined;
  activity?.unref();
  return emulator;
}

function faultReply(fault: FaultSpec | undefined, vendor: 'asana' | 'box'): Reply | undefined {
  switch (fault?.kind) {
    case 'status': {
      const status = fault.status ?? 500;
      return vendor === 'asana'
        ? asanaError(status, status >= 500 ? 'Server Error' : `Error ${status}`)
        : boxError(status, status >= 500 ? 'Internal Server Error' : `Error ${status}`);
    }
    case '429':
      return rateLimited(vendor, fault.retryAfter ?? 1);
    case 'badjson':
      return json(
        200,
        vendor === 'asana'
          ? '{"data":[{"user":{"gid":"12' + '<html>502 Bad Gateway</html>'
          : '{"chunk_size":3,"entries":[{"type":"ev<html>',
      );
    case 'deep': {
      const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      return json(
        200,
        vendor === 'asana'
          ? `{"data":[{"gid":"1","action":"changed","nested":${deep}}],"sync":"deep-fault","has_more":false}`
          : `{"chunk_size":1,"next_stream_position":"1","entries":[{"type":"event","event_id":"deep-fault","nested":${deep}}]}`,
      );
    }
    case 'nosync':
      return json(200, vendor === 'asana' ? '{"data":[],"has_more":false}' : '{"chunk_size":0,"entries":[]}');
    case 'reconnect':
      return json(200, { message: 'reconnect' });
    case 'html':
      return {
        status: fault.status ?? 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: '<!DOCTYPE html><html><head><title>Sign in to the Example Corp proxy</title></head><body><form>…</form></body></html>',
      };
    default:
      return undefined;
  }
}

/** Each vendor's 429: Retry-After in seconds and its own error body. */
function rateLimited(vendor: 'asana' | 'box', retryAfterS: number): Reply {
  const headers = { 'retry-after': String(retryAfterS) };
  return vendor === 'asana'
    ? asanaError(
        429,
        "You've made too many requests and hit a rate limit. Please retry after the given amount of time.",
        {},
        headers,
      )
    : boxError(429, 'Request rate limit exceeded, please try again later', headers);
}

/** Writes the whole answer; returns the body bytes sent. */
function send(res: ServerResponse, reply: Encoded): number {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
  return reply.body.length;
}

/** Announces the whole body, sends half of it and drops the connection. */
function truncate(res: ServerResponse, reply: Encoded): number {
  const half = reply.body.subarray(0, Math.floor(reply.body.length / 2));
  res.writeHead(reply.status, reply.headers);
  res.write(half, () => res.destroy());
  return half.length;
}

/** 200 and a JSON array that never closes, 64 KiB at a time for as long as the client reads. */
function endless(res: ServerResponse, held: Set<ServerResponse>): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  held.add(res);
  const chunk = Buffer.from('{"gid":"1","type":"task"},'.repeat(2520));
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk));
  };
  res.write('{"data":[');
  res.on('drain', pump);
  res.on('close', () => held.delete(res));
  pump();
}

/** Sends the body in small pieces with pauses, as a congested link does. */
function drip(res: ServerResponse, reply: Encoded, pauseMs: number, held: Set<ServerResponse>): number {
  const body = reply.body;
  res.writeHead(reply.status, reply.headers);
  held.add(res);
  let offset = 0;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    res.write(body.subarray(offset, offset + 64));
    offset += 64;
    if (offset >= body.length) {
      clearInterval(timer);
      held.delete(res);
      res.end();
    }
  }, pauseMs);
  res.on('close', () => clearInterval(timer));
  return body.length;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', () => resolve(text));
  });
}
