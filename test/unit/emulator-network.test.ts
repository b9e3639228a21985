// The emulator's network surface as Node's own clients see it (node:http, node:https, node:zlib),
// not through the CLI's client: compression of API answers, the realtime server's refusal of a
// bearer token, and HTTPS with a certificate from src/emulator/certificates.ts.
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf } from '../../src/emulator/certificates.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { pickEncoding } from '../../src/emulator/reply.js';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The bytes on the wire, not decoded. */
  body: Buffer;
}

function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; ca?: string } = {},
): Promise<Raw> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function decode(answer: Raw): Buffer {
  const coding = answer.headers['content-encoding'];
  if (coding === 'gzip') return zlib.gunzipSync(answer.body);
  if (coding === 'br') return zlib.brotliDecompressSync(answer.body);
  expect(coding).toBeUndefined();
  return answer.body;
}

const started: Emulator[] = [];
async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const e = await startEmulator({ seed: 3, activity: false, ...options });
  started.push(e);
  return e;
}

afterEach(async () => {
  for (const e of started.splice(0)) await e.close();
});

const bearer = { authorization: 'Bearer x' };

describe('emulator: compression of API answers', () => {
  it('Accept-Encoding picks br, then gzip, by q-value; q=0 refuses; identity otherwise', () => {
    const table: Array<[string | undefined, string]> = [
      [undefined, 'identity'],
      ['', 'identity'],
      ['identity', 'identity'],
      ['gzip', 'gzip'],
      ['br', 'br'],
      ['gzip, deflate, br', 'br'],
      ['GZIP', 'gzip'],
      ['br;q=0.5, gzip', 'gzip'],
      ['br;q=0.8, gzip;q=0.8', 'br'],
      ['br;q=0, gzip;q=0', 'identity'],
      ['deflate', 'identity'],
      ['*', 'br'],
      ['*;q=0.1, br;q=0', 'gzip'],
      ['gzip;q=0.2, *;q=0.5', 'br'],
    ];
    for (const [header, coding] of table) expect([header, pickEncoding(header)]).toEqual([header, coding]);
  });

  it('a page of 100 events: the same bytes decoded, several times smaller compressed, headers as the real APIs send', async () => {
    const e = await emulator();
    const project = e.asana.projectGids[0]!;
    const first = await raw(`${e.url}/api/1.0/events?resource=${project}`, { headers: bearer });
    expect(first.status).toBe(412);
    const { sync } = JSON.parse(first.body.toString('utf8')) as { sync: string };
    e.asana.appendEvents(project, 100);
    const pageUrl = `${e.url}/api/1.0/events?resource=${project}&sync=${encodeURIComponent(sync)}`;
    // The same sync token answers the same page again.
    const identity = await raw(pageUrl, { headers: bearer });
    const gzip = await raw(pageUrl, { headers: { ...bearer, 'accept-encoding': 'gzip' } });
    const br = await raw(pageUrl, { headers: { ...bearer, 'accept-encoding': 'gzip, deflate, br' } });
    expect(JSON.parse(identity.body.toString('utf8')).data).toHaveLength(100);
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(br.headers['content-encoding']).toBe('br');
    for (const answer of [identity, gzip, br]) {
      expect(answer.status).toBe(200);
      expect(answer.headers['vary']).toBe('Accept-Encoding');
      expect(Number(answer.headers['content-length'])).toBe(answer.body.length);
    }
    expect(decode(gzip).equals(identity.body)).toBe(true);
    expect(decode(br).equals(identity.body)).toBe(true);
    expect(gzip.body.length * 3).toBeLessThan(identity.body.length);
    expect(br.body.length * 3).toBeLessThan(identity.body.length);
    // Each RequestRecord holds the body bytes actually sent.
    const pages = e.requests.filter((r) => r.query['sync'] !== undefined);
    expect(pages.map((r) => r.bodyBytes)).toEqual([identity.body.length, gzip.body.length, br.body.length]);
  });

  it('Box pages and API errors are compressed too; the control API and the token endpoint are not', async () => {
    const e = await emulator();
    e.box.appendEvents(100);
    const box = await raw(`${e.url}/2.0/events?stream_position=0&limit=100`, {
      headers: { ...bearer, 'accept-encoding': 'br' },
    });
    expect(box.headers['content-encoding']).toBe('br');
    expect(JSON.parse(decode(box).toString('utf8')).entries.length).toBeGreaterThan(50);
    const unauthorized = await raw(`${e.url}/2.0/events`, { headers: { 'accept-encoding': 'gzip' } });
    expect(unauthorized.status).toBe(401);
    expect(JSON.parse(decode(unauthorized).toString('utf8'))).toMatchObject({ type: 'error', status: 401 });
    const control = await raw(`${e.url}/_emulator`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(control.status).toBe(200);
    expect(control.headers['content-encoding']).toBeUndefined();
    expect(control.headers['vary']).toBeUndefined();
    expect(JSON.parse(control.body.toString('utf8'))).toHaveProperty('asana');
    const token = await raw(`${e.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'accept-encoding': 'gzip', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(token.headers['content-encoding']).toBeUndefined();
  });
});

describe('emulator: the Box realtime server ignores a bearer token, as the real one does', () => {
  it('answers a long poll sent the way the official SDKs send it (token in the header), and counts it', async () => {
    const e = await emulator();
    const options = await raw(`${e.url}/2.0/events`, { method: 'OPTIONS', headers: bearer });
    const server = (JSON.parse(options.body.toString('utf8')) as { entries: Array<{ url: string }> }).entries[0]!.url;
    const now = await raw(`${e.url}/2.0/events?stream_position=now`, { headers: bearer });
    const position = /"next_stream_position":(\d+)/.exec(now.body.toString('utf8'))![1]!;
    const appended = e.box.appendEvents(2);
    // box-node-sdk and box-typescript-sdk-gen both send Authorization on the realtime GET.
    const sdkLike = await raw(`${server}&stream_position=${position}`, { headers: bearer });
    expect(sdkLike.status).toBe(200);
    expect(JSON.parse(sdkLike.body.toString('utf8'))).toEqual({ message: 'new_change' });
    expect(e.box.realtimeAuthorized).toBe(1);
    const page = await raw(`${e.url}/2.0/events?stream_position=${position}`, { headers: bearer });
    const ids = (JSON.parse(page.body.toString('utf8')) as { entries: Array<{ event_id: string }> }).entries.map(
      (entry) => entry.event_id,
    );
    expect(ids).toEqual(appended.map((event) => event['event_id']));
    const control = JSON.parse((await raw(`${e.url}/_emulator`)).body.toString('utf8')) as {
      box: { realtime_authorized: number };
    };
    expect(control.box.realtime_authorized).toBe(1);
    expect(e.violations).toEqual([]);
    const good = await raw(`${server}&stream_position=${position}`);
    expect(good.status).toBe(200);
    expect(JSON.parse(good.body.toString('utf8'))).toEqual({ message: 'new_change' });
    expect(e.box.realtimeAuthorized).toBe(1);
    const unknown = await raw(`${e.url}/subscribe?channel=nope&stream_position=${position}`);
    expect(JSON.parse(unknown.body.toString('utf8'))).toEqual({ message: 'reconnect' });
  });
});

describe('emulator: HTTPS', () => {
  it('startEmulator({ tls }) serves https, hands out https URLs, and refuses plain http on the port', async () => {
    const ca = makeCa();
    const e = await emulator({ tls: makeLeaf(ca, { hosts: ['localhost', '127.0.0.1', '::1'] }) });
    expect(e.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const me = await raw(`${e.url}/api/1.0/users/me`, { headers: bearer, ca: ca.cert });
    expect(me.status).toBe(200);
    const options = await raw(`${e.url}/2.0/events`, { method: 'OPTIONS', headers: bearer, ca: ca.cert });
    expect(JSON.parse(options.body.toString('utf8')).entries[0].url).toMatch(
      new RegExp(`^${e.url}/subscribe\\?channel=`),
    );
    const control = JSON.parse((await raw(`${e.url}/_emulator`, { ca: ca.cert })).body.toString('utf8')) as {
      asana: { base_url: string };
      box: { base_url: string };
    };
    expect(control.asana.base_url).toBe(`${e.url}/api/1.0`);
    expect(control.box.base_url).toBe(`${e.url}/2.0`);
    // Without the CA the client refuses the server; plain http gets no answer.
    await expect(raw(`${e.url}/_emulator`)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await expect(raw(`${e.url.replace('https:', 'http:')}/_emulator`)).rejects.toThrow();
  });
});
