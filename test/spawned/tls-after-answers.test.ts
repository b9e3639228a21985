// A TLS or protocol failure after the API has answered in this
// process is the network failing on the way (a load balancer, a proxy), retried like an outage;
// before the first answer it is the setup error it always was, and when a proxy carries the
// request the error names the proxy's setting rather than the base URL. Real servers on
// 127.0.0.1: the emulator over TLS, a TCP front that fails the way a load balancer does, the
// project's forward proxy, and the CLI as a process.
import fs from 'node:fs';
import http from 'node:http';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { eventsOf } from '../helpers/run-result.js';
import { RunningCli, runCli } from '../helpers/spawn.js';
import { waitUntil } from '../helpers/wait-until.js';
import { testBedPerTest, type TestBed } from '../helpers/test-bed.js';
import { startFlakyFront, type FlakyFront } from '../helpers/flaky-front.js';
import { startForwardProxy } from '../helpers/proxy.js';
import { makeTestPki, type TestPki } from '../helpers/tls.js';

let pki: TestPki;
let pkiDir: string;
beforeAll(() => {
  pkiDir = tempDir('events-pki-');
  pki = makeTestPki(pkiDir);
});
afterAll(() => fs.rmSync(pkiDir, { recursive: true, force: true }));

const startBed = testBedPerTest();
const lines = (text: string): string[] => text.split('\n').filter(Boolean);

/** The emulator over TLS behind a flaky front; `env` points the CLI at the front. */
async function tlsBehindFront(): Promise<{ bed: TestBed; front: FlakyFront; env: NodeJS.ProcessEnv }> {
  const { cert, key } = pki.leaves.good;
  const bed = await startBed({ tls: { cert, key } });
  const front = await startFlakyFront(new URL(bed.emulator.url));
  const env = bed.env({ NODE_EXTRA_CA_CERTS: pki.caFile, ASANA_BASE_URL: `${front.url}/api/1.0` });
  return { bed, front, env };
}

/** A TLS server with the expired certificate: the handshake fails with CERT_HAS_EXPIRED. */
async function expiredTlsServer(): Promise<{ url: URL; close(): Promise<void> }> {
  const { cert, key } = pki.leaves.expired;
  const server = tls.createServer({ cert, key }, (socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`https://127.0.0.1:${port}`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('after good answers: a network fault, retried', () => {
  it.each([
    ['bytes that are not TLS', 'plain', /127\.0\.0\.1:\d+ stopped speaking TLS, after good answers from Asana/],
    [
      'a certificate that fails',
      'expired',
      /the TLS certificate of 127\.0\.0\.1:\d+ has expired, after good answers from Asana/,
    ],
  ] as const)(
    'a follow over https meets %s: it retries, and goes on when they stop',
    async (_what, kind, reason) => {
      const { bed, front, env } = await tlsBehindFront();
      const expired = kind === 'expired' ? await expiredTlsServer() : undefined;
      const tail = new RunningCli(['tail', bed.project, '--json', '--interval', '0.2'], env);
      try {
        await tail.waitFor(() => bed.eventRequests().length >= 3, 15_000, 'three good answers');
        front.break(expired?.url);
        await tail.waitFor(() => front.refused >= 2, 20_000, 'two connections to the broken front');
        front.heal();
        const events = bed.emulator.asana.appendEvents(bed.project, 3);
        await tail.waitForLines(3, 40_000);
        expect(eventsOf(tail.stdout)).toEqual(events);
        expect(tail.stderr).toMatch(new RegExp(`${reason.source}.*; retrying in`));
        expect(tail.stderr).toMatch(/recovered after/);
        expect(tail.stderr).not.toMatch(/is not the Asana API|check ASANA_BASE_URL/);
      } finally {
        tail.kill();
        await front.close();
        await expired?.close();
      }
      expect((await tail.done).code).toBe(143);
    },
    90_000,
  );

  it('--once: retried until --give-up, then exit 75 (not the setup error, exit 2)', async () => {
    const { bed, front, env } = await tlsBehindFront();
    try {
      const first = await runCli(['tail', bed.project, '--once', '--json'], env);
      expect(first.code, first.stderr).toBe(0);
      // Two pages: the first is answered, the second hangs until the front breaks under it.
      bed.emulator.asana.appendEvents(bed.project, 150);
      bed.emulator.faults.add({ kind: 'hang', path: '/events', after: 1 });
      const before = bed.eventRequests().length;
      const run = runCli(['tail', bed.project, '--once', '--json', '--give-up', '3'], env, { timeoutMs: 30_000 });
      await waitUntil(() => bed.eventRequests().length >= before + 2, 'the second page asked for', 15_000);
      front.break();
      const result = await run;
      expect(result.code, result.stderr).toBe(75);
      expect(lines(result.stderr).at(-1)).toMatch(
        /gave up after \d+ failed attempts over \d+ s: 127\.0\.0\.1:\d+ stopped speaking TLS, after good answers from Asana at the same URL/,
      );
      expect(front.refused).toBeGreaterThanOrEqual(1);
    } finally {
      await front.close();
    }
  }, 60_000);
});

describe('the first request: the setup error, naming the proxy when one carries the request', () => {
  it('https through a proxy to a port that does not speak TLS: exit 2 naming HTTPS_PROXY or --proxy, not ASANA_BASE_URL', async () => {
    const bed = await startBed();
    const proxy = await startForwardProxy();
    const base = `${bed.emulator.url.replace('http://', 'https://')}/api/1.0`;
    try {
      for (const [how, extra, from] of [
        ['variable', { HTTPS_PROXY: proxy.url }, 'HTTPS_PROXY'],
        ['flag', {}, '--proxy'],
      ] as const) {
        const args = ['tail', bed.project, '--once', '--json', ...(how === 'flag' ? ['--proxy', proxy.url] : [])];
        const run = await runCli(args, bed.env({ ASANA_BASE_URL: base, ...extra }));
        expect(run.code, run.stderr).toBe(2);
        expect(lines(run.stderr)).toHaveLength(1);
        expect(run.stderr).toContain(
          `through the proxy ${proxy.url}/ (from ${from}) does not speak TLS: the proxy answered in plain text`,
        );
        expect(run.stderr).toContain(`(check ${from}: `);
        expect(run.stderr).not.toContain('ASANA_BASE_URL');
      }
      // Without the proxy the same base URL is blamed, as before.
      const direct = await runCli(['tail', bed.project, '--once', '--json'], bed.env({ ASANA_BASE_URL: base }));
      expect(direct.code, direct.stderr).toBe(2);
      expect(direct.stderr).toMatch(/does not speak TLS .*check ASANA_BASE_URL/);
    } finally {
      await proxy.close();
    }
  });

  it('a proxy that redirects (a captive portal): exit 2 naming HTTP_PROXY, not ASANA_BASE_URL', async () => {
    const bed = await startBed();
    const portal = http.createServer((req, res) => {
      req.resume();
      res.writeHead(302, { location: 'http://portal.example/login?token=s3cret-portal', 'content-length': '0' });
      res.end();
    });
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', () => resolve()));
    const portalUrl = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
    try {
      const run = await runCli(['tail', bed.project, '--once', '--json'], bed.env({ HTTP_PROXY: portalUrl }));
      expect(run.code, run.stderr).toBe(2);
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toContain(
        `is not the Asana API through the proxy ${portalUrl}/ (from HTTP_PROXY): it answered 302 (a redirect to http://portal.example/login?token=REDACTED)`,
      );
      expect(run.stderr).toContain('(check HTTP_PROXY: ');
      expect(run.stderr).not.toContain('ASANA_BASE_URL');
      expect(bed.emulator.requests).toHaveLength(0);
    } finally {
      portal.closeAllConnections();
      await new Promise<void>((resolve) => portal.close(() => resolve()));
    }
  });
});
