// The path users take: HTTPS with a private CA, a real forward proxy (CONNECT for https,
// absolute form for http), compression, and answers that cannot be trusted. Every server here is
// real and on 127.0.0.1; the CLI runs as a process, as a user runs it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { eventsOf } from '../helpers/run-result.js';
import { runCli } from '../helpers/spawn.js';
import { runInProcess } from '../helpers/run-in-process.js';
import { testBedPerTest, type TestBed } from '../helpers/test-bed.js';
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

function tlsBed(leaf: keyof TestPki['leaves'] = 'good'): Promise<TestBed> {
  const { cert, key } = pki.leaves[leaf];
  return startBed({ tls: { cert, key } });
}

const lines = (text: string): string[] => text.split('\n').filter(Boolean);

describe('HTTPS', () => {
  it('reads events over https with a private CA named by NODE_EXTRA_CA_CERTS', async () => {
    const bed = await tlsBed();
    expect(bed.emulator.url).toMatch(/^https:\/\//);
    const env = bed.env({ NODE_EXTRA_CA_CERTS: pki.caFile });
    const first = await runCli(['tail', bed.project, '--once', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const events = bed.emulator.asana.appendEvents(bed.project, 5);
    const run = await runCli(['tail', bed.project, '--once', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(events);
  });

  it.each([
    [
      'an unknown CA',
      'good',
      undefined,
      /the TLS certificate of 127\.0\.0\.1:\d+ is signed by a CA this machine does not trust \(if a company proxy inspects TLS, set NODE_EXTRA_CA_CERTS/,
    ],
    [
      'a self-signed certificate',
      'selfSigned',
      undefined,
      /the TLS certificate of 127\.0\.0\.1:\d+ is self-signed \(if a company proxy inspects TLS, set NODE_EXTRA_CA_CERTS/,
    ],
    ['an expired certificate', 'expired', 'ca', /the TLS certificate of 127\.0\.0\.1:\d+ has expired \(/],
    [
      'a certificate for another host',
      'wrongHost',
      'ca',
      /the TLS certificate of 127\.0\.0\.1:\d+ is for another host name \(check the host in the base URL/,
    ],
  ] as const)(
    '%s: exit 76 at once, one line naming the host and the fix, never retried',
    async (_what, leaf, ca, message) => {
      const bed = await tlsBed(leaf);
      const env = bed.env(ca ? { NODE_EXTRA_CA_CERTS: pki.caFile } : {});
      const run = await runCli(['tail', bed.project, '--once', '--json'], env);
      expect(run.code, run.stderr).toBe(76);
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/retry|at [A-Za-z]+ \(/);
      // The handshake failed, so no HTTP request ever reached the server.
      expect(bed.emulator.requests).toHaveLength(0);
    },
  );

  it('https to a plain-http port is "not the Asana API", exit 2, naming ASANA_BASE_URL', async () => {
    const bed = await startBed();
    const base = `${bed.emulator.url.replace('http://', 'https://')}/api/1.0`;
    const run = await runInProcess(['tail', bed.project, '--once', '--json'], {
      env: bed.env({ ASANA_BASE_URL: base }),
    });
    expect(run.code, run.stderr).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/is not the Asana API: the port does not speak TLS .*check ASANA_BASE_URL/);
  });
});

describe('forward proxy', () => {
  it('https through HTTPS_PROXY: a CONNECT tunnel, the events arrive', async () => {
    const bed = await tlsBed();
    const proxy = await startForwardProxy();
    try {
      for (const variable of ['HTTPS_PROXY', 'https_proxy']) {
        proxy.requests.length = 0;
        const env = bed.env({ NODE_EXTRA_CA_CERTS: pki.caFile, [variable]: proxy.url });
        const run = await runCli(['tail', bed.project, '--once', '--json'], env);
        expect(run.code, run.stderr).toBe(0);
        const port = new URL(bed.emulator.url).port;
        expect(
          proxy.requests.map((r) => `${r.method} ${r.target}`),
          variable,
        ).toEqual([`CONNECT 127.0.0.1:${port}`]);
      }
      // Every API request went through the tunnel: the emulator saw them, the proxy saw only CONNECT.
      expect(bed.emulator.requests.length).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it('plain http through HTTP_PROXY: absolute-form requests; NO_PROXY (host, host:port, *) goes direct', async () => {
    const bed = await startBed();
    const proxy = await startForwardProxy();
    const port = new URL(bed.emulator.url).port;
    try {
      const run = await runInProcess(['tail', bed.project, '--once', '--json'], {
        env: bed.env({ HTTP_PROXY: proxy.url }),
      });
      expect(run.code, run.stderr).toBe(0);
      expect(proxy.requests.length).toBeGreaterThan(0);
      expect(
        proxy.requests.every(
          (r) => r.method === 'GET' && r.target.startsWith(`http://127.0.0.1:${port}/api/1.0/events?`),
        ),
      ).toBe(true);

      const direct = async (noProxy: string, base = bed.emulator.url): Promise<boolean> => {
        proxy.requests.length = 0;
        const result = await runInProcess(['tail', bed.project, '--once', '--json'], {
          env: bed.env({ http_proxy: proxy.url, NO_PROXY: noProxy, ASANA_BASE_URL: `${base}/api/1.0` }),
        });
        expect(result.code, result.stderr).toBe(0);
        return proxy.requests.length === 0;
      };
      expect(await direct('127.0.0.1')).toBe(true);
      expect(await direct(`example.com,127.0.0.1:${port}`)).toBe(true);
      expect(await direct('127.0.0.1:1')).toBe(false); // another port: proxied
      expect(await direct('*')).toBe(true);
      expect(await direct('localhost', bed.emulator.url.replace('127.0.0.1', 'localhost'))).toBe(true);
      expect(await direct('localhost')).toBe(false); // the name, not the address it resolves to
      expect(await direct('.example.com')).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('credentials in the proxy URL work (Basic); a 407 is exit 3 naming the proxy and the variable, never the password', async () => {
    const bed = await tlsBed();
    const proxy = await startForwardProxy({ auth: { user: 'alice', password: 's3cr3t-pw' } });
    const withCredentials = proxy.url.replace('http://', 'http://alice:s3cr3t-pw@');
    const wrong = proxy.url.replace('http://', 'http://alice:wrong-pw@');
    try {
      const good = await runCli(
        ['tail', bed.project, '--once', '--json'],
        bed.env({ NODE_EXTRA_CA_CERTS: pki.caFile, HTTPS_PROXY: withCredentials }),
      );
      expect(good.code, good.stderr).toBe(0);
      expect(proxy.requests[0]?.authorization).toBe(`Basic ${Buffer.from('alice:s3cr3t-pw').toString('base64')}`);

      const none = await runCli(
        ['tail', bed.project, '--once', '--json'],
        bed.env({ NODE_EXTRA_CA_CERTS: pki.caFile, HTTPS_PROXY: proxy.url }),
      );
      expect(none.code, none.stderr).toBe(3);
      expect(lines(none.stderr)).toHaveLength(1);
      expect(none.stderr).toContain(
        `the proxy ${proxy.url}/ (from HTTPS_PROXY) asks for credentials (407 Proxy Authentication Required)`,
      );

      const rejected = await runCli(
        ['tail', bed.project, '--once', '--json', '--verbose'],
        bed.env({ NODE_EXTRA_CA_CERTS: pki.caFile, HTTPS_PROXY: wrong }),
      );
      expect(rejected.code, rejected.stderr).toBe(3);
      expect(rejected.stderr).toMatch(
        /the proxy http:\/\/REDACTED@127\.0\.0\.1:\d+\/ \(from HTTPS_PROXY\) rejected its credentials \(407\)/,
      );
      expect(rejected.stderr).not.toContain('wrong-pw');

      // Plain http through the same proxy: the 407 comes as an answer, not a refused tunnel.
      const plain = await startBed();
      const http407 = await runCli(['tail', plain.project, '--once', '--json'], plain.env({ HTTP_PROXY: proxy.url }));
      expect(http407.code, http407.stderr).toBe(3);
      expect(http407.stderr).toContain('(from HTTP_PROXY) asks for credentials (407 Proxy Authentication Required)');
    } finally {
      await proxy.close();
    }
  });
});

describe('compression', () => {
  it('asks for gzip and br; a page of 100 events crosses the wire several times smaller; lines are byte-identical', async () => {
    const bed = await startBed();
    const env = bed.env();
    expect((await runInProcess(['tail', bed.project, '--once', '--json'], { env: env })).code).toBe(0);
    const events = bed.emulator.asana.appendEvents(bed.project, 100);
    const run = await runInProcess(['tail', bed.project, '--once', '--json'], { env: env });
    expect(run.code, run.stderr).toBe(0);
    // Byte-identical: each line is the event's text as the API sent it, then our _events record.
    const got = lines(run.stdout);
    expect(got).toHaveLength(100);
    got.forEach((line, i) =>
      expect(line.startsWith(`${JSON.stringify(events[i]).slice(0, -1)},"_events":{`), line).toBe(true),
    );
    const page = bed.emulator.requests.filter((r) => r.path.endsWith('/events') && r.status === 200).at(-1)!;
    expect(page.headers['accept-encoding']).toBe('gzip, br');
    const plainBytes = Buffer.byteLength(JSON.stringify({ data: events, sync: 'x'.repeat(40), has_more: false }));
    expect(page.bodyBytes).toBeLessThan(plainBytes / 4);
  });
});

describe('answers that cannot be trusted', () => {
  it('an answer that never ends is cut off at the cap and retried: no crash, exit 0, every event', async () => {
    const bed = await startBed();
    const env = bed.env();
    expect((await runInProcess(['tail', bed.project, '--once', '--json'], { env: env })).code).toBe(0);
    const events = bed.emulator.asana.appendEvents(bed.project, 3);
    bed.emulator.faults.add({ kind: 'endless', path: '/events' });
    const run = await runInProcess(['tail', bed.project, '--once', '--json', '--verbose'], { env: env });
    expect(run.code, run.stderr).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(events);
    expect(run.stderr).toMatch(/the answer was larger than 64 MiB and was cut off \(--max-answer-size\)/);
  });

  it('a web page after good answers from the same URL is retried; before any, it is a wrong base URL (exit 2)', async () => {
    const bed = await startBed();
    const env = bed.env();
    bed.emulator.faults.add({ kind: 'html', path: '/events' });
    const first = await runInProcess(['tail', bed.project, '--once', '--json'], { env: env });
    expect(first.code, first.stderr).toBe(2);
    expect(first.stderr).toMatch(
      /is not the Asana API: it answered 200 with a web page \("Sign in to the Example Corp proxy"\) instead of JSON/,
    );

    expect((await runInProcess(['tail', bed.project, '--once', '--json'], { env: env })).code).toBe(0);
    const events = bed.emulator.asana.appendEvents(bed.project, 250); // three pages
    // The second page's request meets a proxy's login page, once, in the middle of the run.
    bed.emulator.faults.add({ kind: 'html', path: '/events', after: 1 });
    const run = await runInProcess(['tail', bed.project, '--once', '--json'], { env: env });
    expect(run.code, run.stderr).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(events);
    expect(run.stderr).toMatch(
      /Asana answered 200 with a web page \("Sign in to the Example Corp proxy"\) instead of JSON, after good answers from the same URL; retrying/,
    );
    expect(bed.emulator.faults.list()).toEqual([]);
  });
});

describe('secrets', () => {
  it('a token file with a control character is exit 3 at once, naming the variable, never echoing the value', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, 'abc\u0001defsecretvalue\n');
    const run = await runInProcess(['tail', '1204567890123456', '--once'], {
      env: {
        PATH: process.env['PATH'],
        HOME: dir,
        EVENTS_CONFIG_DIR: dir,
        ASANA_ACCESS_TOKEN_FILE: file,
        ASANA_BASE_URL: 'http://127.0.0.1:9/api/1.0',
      },
    });
    expect(run.code, run.stderr).toBe(3);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain(`ASANA_ACCESS_TOKEN_FILE (${file}) holds a control character (0x01) at position 4`);
    expect(run.stderr).not.toContain('secretvalue');
  });

  it('user, password and token-like parameters of a base URL are never printed', async () => {
    const bed = await startBed();
    const base = bed.emulator.url.replace('http://', 'http://bob:hunter2@') + '/nothing';
    const run = await runInProcess(['tail', bed.project, '--once', '--json'], {
      env: bed.env({ ASANA_BASE_URL: base }),
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/is not the Asana API/);
    expect(run.stderr).not.toMatch(/hunter2/);
    expect(run.stderr).toContain('REDACTED');
    // A query string is refused by the settings check, and its value is not echoed whole.
    for (const env of [{ ASANA_BASE_URL: `${base}?access_token=tok123&x=1` }, {}]) {
      const args = ['tail', bed.project, '--once', '--json'];
      if (!('ASANA_BASE_URL' in env)) args.push('--asana-base-url', `${base}?access_token=tok123&x=1`);
      const refused = await runInProcess(args, { env: bed.env(env) });
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/must be an http\(s\) URL without a query string or fragment/);
      expect(refused.stderr).not.toMatch(/hunter2|tok123/);
      expect(refused.stderr).toContain('REDACTED');
    }
  });
});

describe('a base URL that is not the API', () => {
  it.each([
    [
      "Asana pointed at Box's API",
      'ASANA_BASE_URL',
      '/2.0',
      ['tail', 'PROJECT', '--once'],
      /is not the Asana API: it answered 4\d\d with a Box error \(this is Box's API\) \(check ASANA_BASE_URL/,
    ],
    [
      "Box pointed at Asana's API",
      'BOX_BASE_URL',
      '/api/1.0',
      ['tail', 'box', '--once'],
      /is not the Box API: it answered 4\d\d .*\(check BOX_BASE_URL/,
    ],
    [
      'a base URL with no API behind it',
      'ASANA_BASE_URL',
      '/nothing/here',
      ['tail', 'PROJECT', '--once'],
      /is not the Asana API: it (answered 404|has no route)/,
    ],
  ] as const)(
    '%s: exit 2 naming the variable, not blamed on the gid, not retried',
    async (_what, variable, suffix, args, message) => {
      const bed = await startBed();
      const run = await runCli(
        args.map((a) => (a === 'PROJECT' ? bed.project : a)),
        bed.env({ [variable]: `${bed.emulator.url}${suffix}`, BOX_ACCESS_TOKEN: 'x' }),
      );
      expect(run.code, run.stderr).toBe(2);
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/was not found|retry/);
      // A request for one vendor sent to the other is off the spec on purpose here.
      bed.emulator.violations.length = 0;
    },
  );
});

describe('the proxy setting and the answer cap as a user sets them', () => {
  it('config.json "proxy" routes through the proxy; HTTP_PROXY beats it; --proxy beats both', async () => {
    const bed = await startBed();
    const proxy = await startForwardProxy();
    const other = await startForwardProxy();
    try {
      fs.writeFileSync(path.join(bed.stateDir, 'config.json'), JSON.stringify({ proxy: proxy.url }));
      const viaConfig = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
      expect(viaConfig.code, viaConfig.stderr).toBe(0);
      expect(proxy.requests.length).toBeGreaterThan(0);

      proxy.requests.length = 0;
      const viaEnv = await runCli(['tail', bed.project, '--once', '--json'], bed.env({ HTTP_PROXY: other.url }));
      expect(viaEnv.code, viaEnv.stderr).toBe(0);
      expect([proxy.requests.length, other.requests.length > 0]).toEqual([0, true]);

      other.requests.length = 0;
      const viaFlag = await runCli(
        ['tail', bed.project, '--once', '--json', '--proxy', proxy.url],
        bed.env({ HTTP_PROXY: other.url }),
      );
      expect(viaFlag.code, viaFlag.stderr).toBe(0);
      expect([proxy.requests.length > 0, other.requests.length]).toEqual([true, 0]);
    } finally {
      await proxy.close();
      await other.close();
    }
  });

  it('--max-answer-size 1MiB: an answer past it is cut there and retried', async () => {
    const bed = await startBed();
    const env = bed.env();
    expect((await runCli(['tail', bed.project, '--once', '--json'], env)).code).toBe(0);
    const events = bed.emulator.asana.appendEvents(bed.project, 2);
    bed.emulator.faults.add({ kind: 'endless', path: '/events' });
    const run = await runCli(['tail', bed.project, '--once', '--json', '--max-answer-size', '1MiB'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(events);
    expect(run.stderr).toMatch(/the answer was larger than 1 MiB and was cut off \(--max-answer-size\)/);
  });
});
