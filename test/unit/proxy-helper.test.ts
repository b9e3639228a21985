// test/helpers/proxy.ts is what the CLI's proxy tests will trust: prove it with Node's own clients
// (absolute-form http, a CONNECT tunnel with TLS inside, Basic proxy authentication, refusals).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { startForwardProxy, type ForwardProxy } from '../helpers/proxy.js';
import { makeTestPki, type TestPki } from '../helpers/tls.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  reusedSocket: boolean;
}

/** A request in absolute form to `proxy`, as an http client configured with a proxy sends it. */
function viaProxy(
  proxy: ForwardProxy,
  target: string,
  options: { headers?: Record<string, string>; agent?: http.Agent; method?: string; body?: string } = {},
): Promise<Answer> {
  const p = new URL(proxy.url);
  const t = new URL(target);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: p.hostname,
        port: p.port,
        method: options.method ?? 'GET',
        path: target,
        headers: { host: t.host, ...options.headers },
        agent: options.agent ?? false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, reusedSocket: req.reusedSocket }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** CONNECT host:port through `proxy`: the proxy's answer and, when it is 200, the raw socket. */
function connect(
  proxy: ForwardProxy,
  authority: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; socket: Socket }> {
  const p = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: p.hostname,
      port: p.port,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...headers },
      agent: false,
    });
    req.on('connect', (res: http.IncomingMessage, socket: Socket) =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, socket }),
    );
    req.on('error', reject);
    req.end();
  });
}

/** One GET / over TLS inside an open tunnel, read to the end (Connection: close). */
function httpsOverTunnel(
  socket: Socket,
  ca: string,
  servername: string,
): Promise<{ authorized: boolean; text: string }> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ socket, servername, ca }, () => {
      secure.write(`GET /secret HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    secure.setEncoding('utf8');
    secure.on('data', (c: string) => (text += c));
    secure.on('end', () => resolve({ authorized: secure.authorized, text }));
    secure.on('error', reject);
  });
}

describe('test/helpers/proxy.ts: a real forward proxy', () => {
  let pkiDir: string;
  let pki: TestPki;
  let plain: http.Server;
  let plainUrl: string;
  let secure: https.Server;
  let securePort: number;
  const seen: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  const proxies: ForwardProxy[] = [];
  const proxy = async (options?: Parameters<typeof startForwardProxy>[0]): Promise<ForwardProxy> => {
    const started = await startForwardProxy(options);
    proxies.push(started);
    return started;
  };

  beforeAll(async () => {
    pkiDir = tempDir('events-proxy-pki-');
    pki = makeTestPki(pkiDir);
    plain = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(201, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
        res.end(`plain ${req.method} ${req.url}`);
      });
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    secure = https.createServer({ cert: pki.leaves.good.cert, key: pki.leaves.good.key }, (req, res) =>
      res.end(`secure ${req.url}`),
    );
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    securePort = (secure.address() as AddressInfo).port;
  });

  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.close();
    seen.length = 0;
  });

  afterAll(async () => {
    plain.closeAllConnections();
    secure.closeAllConnections();
    await new Promise<void>((resolve) => plain.close(() => resolve()));
    await new Promise<void>((resolve) => secure.close(() => resolve()));
    fs.rmSync(pkiDir, { recursive: true, force: true });
  });

  it('forwards an absolute-form GET and POST to a local server, keeps the client connection alive, and records them', async () => {
    const p = await proxy();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await viaProxy(p, `${plainUrl}/hello?x=1`, { agent, headers: { 'x-mine': 'kept' } });
      expect(first).toMatchObject({ status: 201, body: 'plain GET /hello?x=1', reusedSocket: false });
      expect(first.headers['x-upstream']).toBe('yes');
      const second = await viaProxy(p, `${plainUrl}/again`, {
        agent,
        method: 'POST',
        body: '{"a":1}',
        headers: { 'content-type': 'application/json' },
      });
      expect(second).toMatchObject({ status: 201, body: 'plain POST /again', reusedSocket: true });
    } finally {
      agent.destroy();
    }
    // The origin sees origin-form paths and the client's own headers, no proxy headers.
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['GET', '/hello?x=1', ''],
      ['POST', '/again', '{"a":1}'],
    ]);
    expect(seen[0]!.headers['x-mine']).toBe('kept');
    expect(p.requests).toEqual([
      { method: 'GET', target: `${plainUrl}/hello?x=1`, status: 201 },
      { method: 'POST', target: `${plainUrl}/again`, status: 201 },
    ]);
  });

  it('tunnels https with CONNECT: TLS to the origin, verified with the test CA, end to end', async () => {
    const p = await proxy();
    const tunnel = await connect(p, `localhost:${securePort}`);
    expect(tunnel.status).toBe(200);
    const answer = await httpsOverTunnel(tunnel.socket, pki.ca.cert, 'localhost');
    expect(answer.authorized).toBe(true);
    expect(answer.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.text.endsWith('secure /secret')).toBe(true);
    expect(p.requests).toEqual([{ method: 'CONNECT', target: `localhost:${securePort}`, status: 200 }]);
  });

  it('with auth: 407 and Proxy-Authenticate without the right Basic credentials, passes with them; all recorded', async () => {
    const p = await proxy({ auth: { user: 'alice', password: 's3cret:x' } });
    const good = `Basic ${Buffer.from('alice:s3cret:x').toString('base64')}`;
    const bad = `Basic ${Buffer.from('alice:wrong').toString('base64')}`;
    const none = await viaProxy(p, `${plainUrl}/a`);
    expect(none.status).toBe(407);
    expect(none.headers['proxy-authenticate']).toBe('Basic realm="test"');
    expect((await viaProxy(p, `${plainUrl}/b`, { headers: { 'proxy-authorization': bad } })).status).toBe(407);
    expect(await viaProxy(p, `${plainUrl}/c`, { headers: { 'proxy-authorization': good } })).toMatchObject({
      status: 201,
      body: 'plain GET /c',
    });
    // The credentials stop at the proxy.
    expect(seen.map((s) => s.headers['proxy-authorization'])).toEqual([undefined]);

    const refusedTunnel = await connect(p, `127.0.0.1:${securePort}`);
    expect(refusedTunnel.status).toBe(407);
    expect(refusedTunnel.headers['proxy-authenticate']).toBe('Basic realm="test"');
    refusedTunnel.socket.destroy();
    const tunnel = await connect(p, `127.0.0.1:${securePort}`, { 'proxy-authorization': good });
    expect(tunnel.status).toBe(200);
    expect((await httpsOverTunnel(tunnel.socket, pki.ca.cert, 'localhost')).text.endsWith('secure /secret')).toBe(true);

    expect(p.requests).toEqual([
      { method: 'GET', target: `${plainUrl}/a`, status: 407 },
      { method: 'GET', target: `${plainUrl}/b`, authorization: bad, status: 407 },
      { method: 'GET', target: `${plainUrl}/c`, authorization: good, status: 201 },
      { method: 'CONNECT', target: `127.0.0.1:${securePort}`, status: 407 },
      { method: 'CONNECT', target: `127.0.0.1:${securePort}`, authorization: good, status: 200 },
    ]);
  });

  it('refuses with 403 any target off this machine, for both forms, without connecting', async () => {
    const p = await proxy();
    const off = await viaProxy(p, 'http://example.com/');
    expect(off.status).toBe(403);
    expect(off.body).toMatch(/example\.com\/ is not on this machine/);
    const tunnel = await connect(p, 'example.com:443');
    expect(tunnel.status).toBe(403);
    tunnel.socket.destroy();
    const origin = await viaProxy(p, 'http://10.0.0.1:80/');
    expect(origin.status).toBe(403);
    // Only the loopback names pass: [::1] is one of them (nothing listens there: 502, not 403).
    const v6 = await connect(p, '[::1]:1');
    expect(v6.status).toBe(502);
    v6.socket.destroy();
    expect(p.requests.map((r) => [r.method, r.target, r.status])).toEqual([
      ['GET', 'http://example.com/', 403],
      ['CONNECT', 'example.com:443', 403],
      ['GET', 'http://10.0.0.1:80/', 403],
      ['CONNECT', '[::1]:1', 502],
    ]);
  });
});
