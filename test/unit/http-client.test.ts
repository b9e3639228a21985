// The HTTP client against a real local server: compressed answers decoded, a compression bomb
// stopped at the cap, a garbled compressed body a retried fault, never a crash.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, NetworkError } from '../../src/net/http.js';

let server: http.Server;
let base: string;
let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => undefined;
beforeAll(async () => {
  server = http.createServer((req, res) => answer(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = (maxAnswerBytes = 1024 * 1024): HttpClient =>
  new HttpClient({ userAgent: 'test', timeoutMs: 5000, maxAnswerBytes, env: {} });

describe('HttpClient', () => {
  it('asks for gzip and br and decodes either to the same text', async () => {
    const text = JSON.stringify({
      data: Array.from({ length: 100 }, (_, i) => ({ gid: String(i), name: 'événement ✓' })),
    });
    const seen: string[] = [];
    for (const coding of ['br', 'gzip', 'identity']) {
      answer = (req, res) => {
        seen.push(String(req.headers['accept-encoding']));
        const body =
          coding === 'br' ? zlib.brotliCompressSync(text) : coding === 'gzip' ? zlib.gzipSync(text) : Buffer.from(text);
        res
          .writeHead(200, {
            'content-type': 'application/json',
            ...(coding === 'identity' ? {} : { 'content-encoding': coding }),
          })
          .end(body);
      };
      const c = client();
      const res = await c.request({ url: new URL(`${base}/x`) });
      await c.close();
      expect(res.body, coding).toBe(text);
    }
    expect(seen).toEqual(['gzip, br', 'gzip, br', 'gzip, br']);
  });

  it('a compression bomb (40 KiB of gzip, 40 MiB decoded) stops at the cap and is a retried fault', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(40 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    answer = (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(bomb);
    const c = client(1024 * 1024);
    const failed = await c.request({ url: new URL(`${base}/bomb`) }).catch((error: unknown) => error);
    await c.close();
    expect(failed).toBeInstanceOf(NetworkError);
    expect((failed as NetworkError).code).toBe('TOO_LARGE');
    expect((failed as Error).message).toBe('the answer was larger than 1 MiB and was cut off (--max-answer-size)');
  });

  it('a garbled br body is a retried fault naming the coding', async () => {
    answer = (_req, res) => res.writeHead(200, { 'content-encoding': 'br' }).end(Buffer.from('not brotli at all'));
    const c = client();
    const failed = await c.request({ url: new URL(`${base}/garbled`) }).catch((error: unknown) => error);
    await c.close();
    expect(failed).toBeInstanceOf(NetworkError);
    expect((failed as Error).message).toBe('the br body could not be decoded');
  });
});
