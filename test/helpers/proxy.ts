// A real forward proxy on 127.0.0.1:0 for tests of the CLI's proxy support: CONNECT tunnels (https)
// and absolute-form requests (http), optional Basic proxy authentication, and a record of every
// request. It refuses any target off this machine, so a test can never reach the internet.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ProxyRequest {
  method: string;
  /** `host:port` for CONNECT, the absolute URL otherwise. */
  target: string;
  /** The Proxy-Authorization header as received. */
  authorization?: string;
  /** What the proxy answered: 200 for an open tunnel, the upstream's status, or 400/403/407/502. */
  status?: number;
}

export interface ForwardProxy {
  url: string;
  requests: ProxyRequest[];
  close(): Promise<void>;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Headers for one connection only (RFC 9110, 7.6.1), plus the proxy's own. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export async function startForwardProxy(
  options: { auth?: { user: string; password: string } } = {},
): Promise<ForwardProxy> {
  const requests: ProxyRequest[] = [];
  const sockets = new Set<net.Socket>();
  const upstreamAgent = new http.Agent({ keepAlive: true });
  const expected = options.auth
    ? `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}`
    : undefined;

  /** The status to refuse with, or undefined when the request may pass. */
  function refusal(req: IncomingMessage, hostname: string | undefined): number | undefined {
    if (hostname === undefined) return 400;
    if (expected && req.headers['proxy-authorization'] !== expected) return 407;
    if (!LOCAL_HOSTS.has(hostname.toLowerCase())) return 403;
    return undefined;
  }

  function record(req: IncomingMessage, target: string): ProxyRequest {
    const auth = req.headers['proxy-authorization'];
    const entry: ProxyRequest = {
      method: req.method ?? 'GET',
      target,
      ...(auth !== undefined ? { authorization: auth } : {}),
    };
    requests.push(entry);
    return entry;
  }

  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? '';
    const entry = record(req, target);
    let url: URL | undefined;
    try {
      url = /^http:\/\//i.test(target) ? new URL(target) : undefined;
    } catch {
      url = undefined;
    }
    const refused = refusal(req, url?.hostname);
    if (refused !== undefined || !url) {
      entry.status = refused ?? 400;
      req.resume();
      res.writeHead(
        entry.status,
        entry.status === 407
          ? { 'proxy-authenticate': 'Basic realm="test"', 'content-type': 'text/plain' }
          : { 'content-type': 'text/plain' },
      );
      res.end(refusalText(entry.status, target));
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
    const upstream = http.request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || 80,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
        agent: upstreamAgent,
      },
      (answer) => {
        entry.status = answer.statusCode ?? 502;
        const back: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers))
          if (!HOP_BY_HOP.has(name) && value !== undefined) back[name] = value;
        res.writeHead(entry.status, back);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      entry.status = 502;
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: cannot reach ${target}: ${error.code ?? error.message}\n`);
    });
    req.pipe(upstream);
  });

  server.on('connect', (req: IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    const entry = record(req, target);
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    // host:port, the authority form (RFC 9112, 3.2.3); an IPv6 address in brackets.
    const authority = /^(\[[0-9a-f:.]+\]|[^:\[\]\s]+):(\d{1,5})$/i.exec(target);
    const hostname = authority?.[1];
    const port = Number(authority?.[2] ?? 0);
    const refused = refusal(req, hostname);
    if (refused !== undefined) {
      entry.status = refused;
      const extra = refused === 407 ? 'Proxy-Authenticate: Basic realm="test"\r\n' : '';
      const text = refusalText(refused, target);
      client.end(
        `HTTP/1.1 ${refused} ${http.STATUS_CODES[refused]}\r\n${extra}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
      return;
    }
    const upstream = net.connect(port, hostname!.replace(/^\[|\]$/g, ''));
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.once('connect', () => {
      entry.status = 200;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (entry.status === 200) return void client.destroy();
      entry.status = 502;
      const text = `proxy: cannot reach ${target}: ${error.code ?? error.message}\n`;
      client.end(
        `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });

  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      upstreamAgent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function refusalText(status: number, target: string): string {
  if (status === 407) return 'proxy: authentication required\n';
  if (status === 403)
    return `proxy: ${target} is not on this machine; the test proxy only reaches 127.0.0.1, localhost and ::1\n`;
  return `proxy: cannot parse the target ${JSON.stringify(target)}; send an absolute http:// URL or CONNECT host:port\n`;
}
