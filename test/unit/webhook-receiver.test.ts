// The webhook receiver on a real socket (127.0.0.1:0), driven by node:http and raw TCP the way
// Asana and a hostile client would: the handshake (echoed only after the secret is stored, only
// while a webhook is being created), signatures (good, wrong, missing, replayed to another path,
// repeated), heartbeats, and the limits (413, slow clients, 405, 404, no banner, HTTPS).
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf } from '../../src/emulator/certificates.js';
import { WebhookReceiver, type ReceiverOptions } from '../../src/webhooks/receiver.js';
import { waitUntil } from '../helpers/wait-until.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
}

function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
  options: { method?: string; ca?: string } = {},
): Promise<Answer> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      { method: options.method ?? 'POST', headers, agent: false, ...(options.ca ? { ca: options.ca } : {}) },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sign = (secret: string, body: string | Buffer): string => createHmac('sha256', secret).update(body).digest('hex');

interface Bed {
  receiver: WebhookReceiver;
  wakes: string[];
  alive: string[];
  stored: Array<[string, string]>;
  lines: string[];
  url(key: string): string;
  /**
   * Resolves once the receiver has done the work of every request answered so far: a signed
   * delivery on a path of its own, whose wake-up comes after theirs (the receiver works in the
   * order it answered). Waits on that event, not on time; its wake-ups are kept out of `wakes`.
   */
  settle(options?: { ca?: string }): Promise<void>;
}

const BARRIER = 'barrier';

const open: WebhookReceiver[] = [];
afterEach(async () => {
  for (const receiver of open.splice(0)) await receiver.close();
});

async function start(options: Partial<ReceiverOptions> = {}): Promise<Bed> {
  const wakes: string[] = [];
  const alive: string[] = [];
  const stored: Array<[string, string]> = [];
  const lines: string[] = [];
  const barrierWakes: string[] = [];
  let barrier: Promise<void> | undefined;
  const receiver = await WebhookReceiver.listen({
    host: '127.0.0.1',
    port: 0,
    wake: {
      onWake: (key) => (key === BARRIER ? barrierWakes.push(key) : wakes.push(key)),
      onAlive: (key) => void (key !== BARRIER && alive.push(key)),
    },
    storeSecret: async (key, secret) => {
      if (key !== BARRIER) stored.push([key, secret]);
    },
    verbose: (line) => lines.push(line),
    ...options,
  });
  open.push(receiver);
  return {
    receiver,
    wakes,
    alive,
    stored,
    lines,
    url: (key) => `${receiver.url}/hooks/${receiver.pathId(key)!}`,
    settle: async ({ ca } = {}) => {
      const url = (): string => `${receiver.url}/hooks/${receiver.pathId(BARRIER)!}`;
      barrier ??= (async () => {
        receiver.add(BARRIER);
        const done = receiver.expectHandshake(BARRIER);
        await post(url(), '', { 'x-hook-secret': BARRIER }, { ca });
        done();
      })();
      await barrier;
      const before = barrierWakes.length;
      // A body of its own each time: the receiver ignores a repeat of a signed body.
      const body = JSON.stringify({ events: [{ action: 'changed', resource: { gid: String(before) } }] });
      await post(url(), body, { 'x-hook-signature': sign(BARRIER, body) }, { ca });
      await waitUntil(() => barrierWakes.length > before, 'the barrier delivery woken', 2_000);
    },
  };
}

/** A path of `key` whose handshake is done with `secret`. */
async function shaken(bed: Bed, key: string, secret: string): Promise<void> {
  bed.receiver.add(key);
  const done = bed.receiver.expectHandshake(key);
  expect((await post(bed.url(key), '', { 'x-hook-secret': secret })).status).toBe(200);
  done();
}

const delivery = JSON.stringify({
  events: [{ action: 'changed', resource: { gid: '42', resource_type: 'task' }, created_at: '2026-01-01T00:00:00Z' }],
});

describe('the handshake', () => {
  it('echoes X-Hook-Secret with 200 only after the secret is stored, and uses it for deliveries', async () => {
    const order: string[] = [];
    const bed = await start({
      storeSecret: async (key, secret) => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        order.push(`stored ${key} ${secret}`);
      },
    });
    const pathId = bed.receiver.add('1001');
    expect(pathId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(pathId).not.toContain('1001');
    const done = bed.receiver.expectHandshake('1001');
    const answer = await post(bed.url('1001'), '', { 'x-hook-secret': 's3cret-one' });
    order.push('answered');
    done();
    expect(answer.status).toBe(200);
    expect(answer.headers['x-hook-secret']).toBe('s3cret-one');
    expect(order).toEqual(['stored 1001 s3cret-one', 'answered']);
    expect((await post(bed.url('1001'), delivery, { 'x-hook-signature': sign('s3cret-one', delivery) })).status).toBe(
      200,
    );
    await bed.settle();
    expect(bed.wakes).toEqual(['1001']);
  });

  it('refuses a handshake when no webhook is being created for the path (no one swaps the secret)', async () => {
    const bed = await start();
    await shaken(bed, '1001', 'the-real-one');
    const answer = await post(bed.url('1001'), '', { 'x-hook-secret': 'attacker' });
    expect(answer.status).toBe(401);
    expect(answer.headers['x-hook-secret']).toBeUndefined();
    expect(bed.stored).toEqual([['1001', 'the-real-one']]);
    // The old secret still verifies; the attacker's does not.
    expect((await post(bed.url('1001'), delivery, { 'x-hook-signature': sign('attacker', delivery) })).status).toBe(
      401,
    );
    expect((await post(bed.url('1001'), delivery, { 'x-hook-signature': sign('the-real-one', delivery) })).status).toBe(
      200,
    );
    expect(bed.lines.join('\n')).toMatch(/refused a webhook handshake for 1001: no webhook is being created/);
  });

  it('does not echo when the secret cannot be stored (Asana then fails the creation)', async () => {
    const bed = await start({
      storeSecret: () => Promise.reject(new Error('ENOSPC: no space left on device')),
    });
    bed.receiver.add('1001');
    bed.receiver.expectHandshake('1001');
    const answer = await post(bed.url('1001'), '', { 'x-hook-secret': 'abc' });
    expect(answer.status).toBe(500);
    expect(answer.headers['x-hook-secret']).toBeUndefined();
    expect((await post(bed.url('1001'), delivery, { 'x-hook-signature': sign('abc', delivery) })).status).toBe(401);
    expect(bed.lines.join('\n')).toContain('could not store the webhook secret of 1001: ENOSPC');
  });

  it('keeps a stored path and secret across a restart (add with what the store holds)', async () => {
    const bed = await start();
    bed.receiver.add('1001', { pathId: 'AAAAAAAAAAAAAAAAAAAAAA', secret: 'kept' });
    expect(bed.url('1001')).toMatch(/\/hooks\/AAAAAAAAAAAAAAAAAAAAAA$/);
    expect((await post(bed.url('1001'), delivery, { 'x-hook-signature': sign('kept', delivery) })).status).toBe(200);
    await bed.settle();
    expect(bed.wakes).toEqual(['1001']);
  });
});

describe('signatures', () => {
  it('wakes the subscription of the path on a good signature, and only that one', async () => {
    const bed = await start();
    await shaken(bed, '1001', 'one');
    await shaken(bed, '1002', 'two');
    expect((await post(bed.url('1002'), delivery, { 'x-hook-signature': sign('two', delivery) })).status).toBe(200);
    await bed.settle();
    expect(bed.wakes).toEqual(['1002']);
    expect(bed.alive).toEqual(['1002']);
  });

  it('accepts an upper-case hex signature', async () => {
    const bed = await start();
    await shaken(bed, '1001', 'one');
    const signature = sign('one', delivery).toUpperCase();
    expect((await post(bed.url('1001'), delivery, { 'x-hook-signature': signature })).status).toBe(200);
  });

  it.each([
    ['a wrong secret', (body: string) => ({ 'x-hook-signature': sign('not-the-secret', body) })],
    ['no signature', () => ({})],
    ['a signature that is not hex', () => ({ 'x-hook-signature': 'z'.repeat(64) })],
    ['a short signature', (body: string) => ({ 'x-hook-signature': sign('one', body).slice(0, 40) })],
    ['the signature of another body', () => ({ 'x-hook-signature': sign('one', '{"events":[]}') })],
  ])('answers 401 to %s and wakes nothing', async (_name, headers) => {
    const bed = await start();
    await shaken(bed, '1001', 'one');
    const answer = await post(bed.url('1001'), delivery, headers(delivery));
    expect(answer.status).toBe(401);
    await bed.settle();
    expect(bed.wakes).toEqual([]);
    expect(bed.alive).toEqual([]);
    expect(bed.lines.join('\n')).toMatch(/refused a webhook delivery for 1001: .*\(401\)/);
  });

  it("refuses a delivery replayed to another subscription's path with its signature", async () => {
    const bed = await start();
    await shaken(bed, '1001', 'one');
    await shaken(bed, '1002', 'two');
    const signature = sign('one', delivery);
    expect((await post(bed.url('1002'), delivery, { 'x-hook-signature': signature })).status).toBe(401);
    await bed.settle();
    expect(bed.wakes).toEqual([]);
  });

  it('wakes once for a delivery repeated with the same signature (a replay or a duplicate)', async () => {
    const bed = await start();
    await shaken(bed, '1001', 'one');
    const headers = { 'x-hook-signature': sign('one', delivery) };
    expect((await post(bed.url('1001'), delivery, headers)).status).toBe(200);
    expect((await post(bed.url('1001'), delivery, headers)).status).toBe(200);
    await bed.settle();
    expect(bed.wakes).toEqual(['1001']);
    expect(bed.lines.join('\n')).toContain('ignored a repeated webhook delivery for 1001');
  });

  it('refuses deliveries to a path that never had a handshake', async () => {
    const bed = await start();
    bed.receiver.add('1001');
    expect((await post(bed.url('1001'), delivery, { 'x-hook-signature': sign('', delivery) })).status).toBe(401);
  });

  it('counts a heartbeat (no events) as alive without a wake-up, every time', async () => {
    const bed = await start();
    await shaken(bed, '1001', 'one');
    const beat = '{"events":[]}';
    for (let i = 0; i < 2; i++)
      expect((await post(bed.url('1001'), beat, { 'x-hook-signature': sign('one', beat) })).status).toBe(200);
    await bed.settle();
    expect(bed.alive).toEqual(['1001', '1001']);
    expect(bed.wakes).toEqual([]);
  });

  it('never puts a secret or a delivery into a verbose line', async () => {
    const bed = await start();
    await shaken(bed, '1001', 'very-secret-value');
    await post(bed.url('1001'), delivery, { 'x-hook-signature': sign('very-secret-value', delivery) });
    await post(bed.url('1001'), delivery, { 'x-hook-signature': sign('very-secret-value', delivery) });
    await post(bed.url('1001'), delivery, { 'x-hook-signature': sign('wrong', delivery) });
    await post(bed.url('1001'), '', { 'x-hook-secret': 'another-secret' });
    await bed.settle();
    const all = bed.lines.join('\n');
    expect(bed.lines.length).toBeGreaterThanOrEqual(3);
    for (const leak of ['very-secret-value', 'another-secret', '"events"', 'changed', bed.receiver.pathId('1001')!])
      expect(all).not.toContain(leak);
  });
});

describe('limits', () => {
  it('answers 413 to a body over the cap, declared or streamed', async () => {
    const bed = await start({ maxBodyBytes: 1024 });
    await shaken(bed, '1001', 'one');
    const big = Buffer.alloc(1025, 'a');
    expect((await post(bed.url('1001'), big, { 'x-hook-signature': sign('one', big) })).status).toBe(413);
    // Chunked: no Content-Length, the cap is counted as the bytes come.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(bed.url('1001'), { method: 'POST', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(600, 'a'));
      req.write(Buffer.alloc(600, 'a'));
    });
    expect(chunked).toBe(413);
    await bed.settle();
    expect(bed.wakes).toEqual([]);
  });

  it('caps bodies at 1 MiB by default', async () => {
    const bed = await start();
    await shaken(bed, '1001', 'one');
    const answer = await rawExchange(
      bed.receiver.url,
      `POST /hooks/${bed.receiver.pathId('1001')!} HTTP/1.1\r\nHost: x\r\nContent-Length: ${1024 * 1024 + 1}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('closes the socket of a client that is slow to send its headers, or its body', async () => {
    const bed = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    bed.receiver.add('1001');
    const started = Date.now();
    const headers = await heldOpen(bed.receiver.url, `POST /hooks/${bed.receiver.pathId('1001')!} HTTP/1.1\r\nHost:`);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(headers).not.toMatch(/^HTTP\/1\.1 200/);
    const body = await heldOpen(
      bed.receiver.url,
      `POST /hooks/${bed.receiver.pathId('1001')!} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"ev`,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(body).not.toMatch(/^HTTP\/1\.1 200/);
  });

  it('answers 405 with Allow: POST to other methods', async () => {
    const bed = await start();
    bed.receiver.add('1001');
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const answer = await post(bed.url('1001'), '', {}, { method });
      expect(answer.status).toBe(405);
      expect(answer.headers['allow']).toBe('POST');
    }
  });

  it('answers 404 to unknown paths, the gid included', async () => {
    const bed = await start();
    bed.receiver.add('1001');
    for (const path of ['/', '/hooks/', '/hooks/1001', '/hooks/AAAAAAAAAAAAAAAAAAAAAA', '/favicon.ico'])
      expect((await post(`${bed.receiver.url}${path}`, delivery)).status).toBe(404);
    bed.receiver.remove('1001');
    expect((await post(bed.url('1001'), delivery)).status).toBe(404);
  });

  it('accepts a path behind a prefix a reverse proxy kept', async () => {
    const bed = await start();
    await shaken(bed, '1001', 'one');
    const url = `${bed.receiver.url}/events/hooks/${bed.receiver.pathId('1001')!}`;
    expect((await post(url, delivery, { 'x-hook-signature': sign('one', delivery) })).status).toBe(200);
  });

  it('sends no server banner', async () => {
    const bed = await start();
    await shaken(bed, '1001', 'one');
    for (const answer of [
      await post(`${bed.receiver.url}/nope`, ''),
      await post(bed.url('1001'), delivery, { 'x-hook-signature': sign('one', delivery) }),
    ]) {
      expect(answer.headers['server']).toBeUndefined();
      expect(answer.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('serves HTTPS with a certificate and key', async () => {
    const ca = makeCa({ commonName: 'receiver test CA' });
    const leaf = makeLeaf(ca, { hosts: ['127.0.0.1'] });
    const bed = await start({ tls: { cert: leaf.cert, key: leaf.key } });
    expect(bed.receiver.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    bed.receiver.add('1001');
    const done = bed.receiver.expectHandshake('1001');
    const answer = await post(bed.url('1001'), '', { 'x-hook-secret': 'tls-secret' }, { ca: ca.cert });
    done();
    expect(answer.headers['x-hook-secret']).toBe('tls-secret');
    await post(bed.url('1001'), delivery, { 'x-hook-signature': sign('tls-secret', delivery) }, { ca: ca.cert });
    await bed.settle({ ca: ca.cert });
    expect(bed.wakes).toEqual(['1001']);
  });
});

/** Sends `text` on a raw socket and returns what came back before the server closed it. */
function rawExchange(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(text));
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      got += chunk;
      if (got.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

/** Sends `text` and never more; resolves with what came back once the server closes the socket. */
function heldOpen(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(text));
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (got += chunk));
    socket.on('close', () => resolve(got));
    socket.on('error', () => undefined);
  });
}
