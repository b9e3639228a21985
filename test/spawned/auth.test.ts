// Unattended auth. Box Client Credentials Grant and JWT, Asana OAuth refresh, secrets
// from files, `events auth status`, against the emulator's token endpoints with tokens of a few
// seconds, so a follow run of ~10 s spans several expiries.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { eventsOf, type CliResult } from '../helpers/run-result.js';
import { RunningCli } from '../helpers/spawn.js';
import { runInProcess } from '../helpers/run-in-process.js';
import { testBedPerTest, type TestBed } from '../helpers/test-bed.js';
import {
  boxJwtConfigJson,
  generateBoxJwtKeyPair,
  OAUTH_DEFAULTS,
  type BoxJwtKeyPair,
  type OAuthEmulatorOptions,
} from '../../src/emulator/oauth.js';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import { signAssertion } from '../../src/auth/box-jwt.js';

let bed: TestBed;
const startBed = testBedPerTest();
async function open(oauth: OAuthEmulatorOptions, options: EmulatorOptions = {}): Promise<void> {
  bed = await startBed({ oauth: { requireIssuedTokens: true, ...oauth }, ...options });
}

let keys: BoxJwtKeyPair;
let otherKeys: BoxJwtKeyPair;
/** Outside the state folder: the config holds the private key. */
const secretsDir = tempDir('events-secrets-');
beforeAll(() => {
  keys = generateBoxJwtKeyPair();
  otherKeys = generateBoxJwtKeyPair();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ids = (records: unknown[]): string[] => records.map((r) => (r as { event_id: string }).event_id);
const box = OAUTH_DEFAULTS.box;
const asana = OAUTH_DEFAULTS.asana;

/** Environments without ASANA_ACCESS_TOKEN (the test bed sets one by default). */
function boxEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return bed.env({ ASANA_ACCESS_TOKEN: undefined, BOX_BASE_URL: `${bed.emulator.url}/2.0`, ...extra });
}
function ccgEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return boxEnv({
    BOX_CLIENT_ID: box.clientId,
    BOX_CLIENT_SECRET: box.clientSecret,
    BOX_ENTERPRISE_ID: box.enterpriseId,
    ...extra,
  });
}
function writeJwtConfig(pair: BoxJwtKeyPair, mode = 0o600): string {
  const file = path.join(fs.mkdtempSync(path.join(secretsDir, 'jwt-')), 'config.json');
  fs.writeFileSync(
    file,
    boxJwtConfigJson(pair, {
      clientId: box.clientId,
      clientSecret: box.clientSecret,
      publicKeyId: box.jwtPublicKeyId,
      enterpriseId: box.enterpriseId,
    }),
    { mode },
  );
  fs.chmodSync(file, mode);
  return file;
}
function jwtEnv(file: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return boxEnv({ BOX_JWT_CONFIG: file, ...extra });
}
function asanaEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return bed.env({
    ASANA_ACCESS_TOKEN: undefined,
    ASANA_CLIENT_ID: asana.clientId,
    ASANA_CLIENT_SECRET: asana.clientSecret,
    ASANA_REFRESH_TOKEN: asana.refreshTokens[0],
    ASANA_TOKEN_URL: `${bed.emulator.url}/-/oauth_token`,
    ...extra,
  });
}

const apiRequests = (prefix: string) => bed.emulator.requests.filter((r) => r.path.startsWith(prefix));
const tokenRequests = (vendor: 'asana' | 'box') => bed.emulator.oauth.tokenRequests.filter((r) => r.vendor === vendor);
const eventRequests = () => bed.emulator.requests.filter((r) => r.path.endsWith('/events'));

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** No secret, whole or as a line of a PEM, in the outputs or in any file of the state folder. */
function expectNoSecrets(outputs: string[], secrets: string[]): void {
  const needles = secrets
    .flatMap((s) => (s.includes('\n') ? s.split('\n').filter((line) => line.length >= 40) : [s]))
    .filter((s) => s.length >= 8);
  expect(needles.length).toBeGreaterThan(0);
  const files = filesUnder(bed.stateDir);
  expect(files.length).toBeGreaterThan(0); // at least the cursor: the scan looked at something
  const haystacks = [
    ...outputs.map((text, i) => ({ where: `output ${i}`, text })),
    ...files.map((f) => ({ where: f, text: fs.readFileSync(f, 'utf8') })),
  ];
  for (const { where, text } of haystacks)
    for (const needle of needles)
      if (text.includes(needle)) throw new Error(`a secret (${needle.slice(0, 6)}…) appears in ${where}`);
}

/**
 * A follow run of ~10 s over a Box user stream (long polling) and the enterprise stream, with
 * events arriving all along; returns the result and what was delivered.
 */
async function followBox(env: NodeJS.ProcessEnv, runMs = 10_000): Promise<{ result: CliResult; delivered: unknown[] }> {
  const delivered: unknown[] = [
    ...bed.emulator.box.appendEvents(3, 'enterprise'),
    ...bed.emulator.box.appendEvents(3, 'user'),
  ];
  const tail = new RunningCli(
    ['tail', 'box:admin_logs', 'box:all', '--json', '--from-start', '--interval', '0.3', '--verbose'],
    env,
  );
  const started = Date.now();
  for (let i = 0; Date.now() - started < runMs; i++) {
    await sleep(350); // the pace of new events, not a synchronisation
    delivered.push(...bed.emulator.box.appendEvents(1, i % 2 ? 'user' : 'enterprise'));
  }
  await tail.waitFor(() => eventsOf(tail.stdout).length >= delivered.length, 10_000, 'every event');
  tail.kill('SIGTERM');
  const result = await tail.done;
  return { result, delivered };
}

/** Renewals once per lifetime (not per request), and at most one 401 per expiry. */
function expectRenewalsPerLifetime(vendor: 'asana' | 'box', lifetimeS: number, runMs: number, apiPrefix: string): void {
  const tokens = tokenRequests(vendor);
  expect(tokens.every((t) => t.status === 200)).toBe(true);
  const expiries = Math.floor(runMs / (lifetimeS * 1000));
  expect(expiries).toBeGreaterThanOrEqual(3);
  // Each token renewed before it ran out: at least one request per lifetime...
  expect(tokens.length).toBeGreaterThanOrEqual(expiries);
  // ...and no more than one per (lifetime - the 1 s margin), plus the first.
  expect(tokens.length).toBeLessThanOrEqual(Math.ceil(runMs / ((lifetimeS - 1) * 1000)) + 1);
  // Concurrent subscriptions share each renewal: no two token requests at the same moment.
  const gaps = tokens.slice(1).map((t, i) => t.time - tokens[i]!.time);
  expect(Math.min(...gaps)).toBeGreaterThan(500);
  const api = apiRequests(apiPrefix);
  expect(api.length).toBeGreaterThan(4 * tokens.length);
  expect(api.filter((r) => r.status === 401).length).toBeLessThanOrEqual(expiries + 1);
  // Every API request carried a token the emulator issued.
  const issued = new Set(bed.emulator.oauth.issuedTokens);
  expect(api.every((r) => issued.has(String(r.headers['authorization']).replace(/^Bearer /, '')))).toBe(true);
}

describe('Box app auth across token expiries', () => {
  it(
    'Client Credentials Grant: every event once, one renewal per lifetime, no secret anywhere',
    { timeout: 40_000 },
    async () => {
      await open({ accessTokenLifetimeS: 3 });
      const { result, delivered } = await followBox(ccgEnv());
      expect(result.code).toBe(143);
      const got = ids(eventsOf(result.stdout));
      expect(got.length).toBe(new Set(got).size);
      expect(new Set(got)).toEqual(new Set(ids(delivered)));
      expectRenewalsPerLifetime('box', 3, result.ms, '/2.0/');
      expect(tokenRequests('box').every((t) => t.grant === 'client_credentials')).toBe(true);
      expectNoSecrets([result.stdout, result.stderr], [box.clientSecret, ...bed.emulator.oauth.issuedTokens]);
    },
  );

  it(
    'JWT: every event once, one renewal per lifetime, a fresh jti each time, no secret anywhere',
    { timeout: 40_000 },
    async () => {
      await open({ accessTokenLifetimeS: 3, box: { jwtPublicKey: keys.publicKeyPem } });
      const { result, delivered } = await followBox(jwtEnv(writeJwtConfig(keys)));
      expect(result.code).toBe(143);
      const got = ids(eventsOf(result.stdout));
      expect(got.length).toBe(new Set(got).size);
      expect(new Set(got)).toEqual(new Set(ids(delivered)));
      // The emulator rejects a reused jti: every request succeeding proves each one was fresh.
      expectRenewalsPerLifetime('box', 3, result.ms, '/2.0/');
      expect(tokenRequests('box').every((t) => t.grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer')).toBe(true);
      expect(result.stderr).not.toMatch(/readable by group or others/);
      expectNoSecrets(
        [result.stdout, result.stderr],
        [box.clientSecret, keys.passphrase, keys.privateKeyPem, ...bed.emulator.oauth.issuedTokens],
      );
    },
  );

  it('a revoked token: one 401, one renewal, and the run goes on', { timeout: 20_000 }, async () => {
    await open({ accessTokenLifetimeS: 3600 });
    const first = bed.emulator.box.appendEvents(2, 'enterprise');
    const tail = new RunningCli(['tail', 'box:admin_logs', '--json', '--from-start', '--interval', '0.2'], ccgEnv());
    await tail.waitFor(() => eventsOf(tail.stdout).length >= 2, 10_000, 'the first events');
    bed.emulator.oauth.revokeIssued();
    const more = bed.emulator.box.appendEvents(2, 'enterprise');
    await tail.waitFor(() => eventsOf(tail.stdout).length >= 4, 10_000, 'the events after the revocation');
    tail.kill('SIGTERM');
    const result = await tail.done;
    expect(ids(eventsOf(result.stdout))).toEqual(ids([...first, ...more]));
    expect(apiRequests('/2.0/').filter((r) => r.status === 401)).toHaveLength(1);
    expect(tokenRequests('box')).toHaveLength(2);
  });

  it('a second 401 in a row is exit 3 naming the variables', async () => {
    await open({});
    bed.emulator.faults.add({ kind: 'status', status: 401, path: '/2.0/events', times: 2 });
    const run = await runInProcess(['tail', 'box:admin_logs', '--once', '--json'], { env: ccgEnv() });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^events: Box rejected the access token \(401.*\(a freshly issued token was rejected too: .*\(BOX_CLIENT_ID, BOX_CLIENT_SECRET, BOX_ENTERPRISE_ID\)\)$/m,
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(tokenRequests('box')).toHaveLength(2);
  });

  it('a token endpoint that is down (503, 429) is retried like any request', async () => {
    await open({});
    bed.emulator.faults.add({ kind: 'status', status: 503, path: '/oauth2/token', times: 2 });
    bed.emulator.faults.add({ kind: '429', path: '/oauth2/token', retryAfter: 1 });
    const appended = bed.emulator.box.appendEvents(3, 'enterprise');
    const run = await runInProcess(
      ['tail', 'box:admin_logs', '--once', '--json', '--from-start', '--retry-base-ms', '20'],
      { env: ccgEnv() },
    );
    expect(run.code).toBe(0);
    expect(ids(eventsOf(run.stdout))).toEqual(ids(appended));
    expect(bed.emulator.requests.filter((r) => r.path === '/oauth2/token').map((r) => r.status)).toEqual([
      503, 503, 429, 200,
    ]);
    expect(run.stderr).toMatch(/token request failed \(Box's token endpoint answered 503/);
  });

  it('--once gives up on a token endpoint that stays down: exit 75, no events request', async () => {
    await open({});
    bed.emulator.faults.add({ kind: 'status', status: 500, path: '/oauth2/token', times: 1000 });
    const run = await runInProcess(
      ['tail', 'box:admin_logs', '--once', '--give-up', '1', '--retry-base-ms', '50', '--retry-cap-ms', '200'],
      { env: ccgEnv() },
    );
    expect(run.code).toBe(75);
    expect(eventRequests()).toEqual([]);
  });
});

describe('bad credentials: exit 3, a clear message, no events request', () => {
  it('a wrong client secret', async () => {
    await open({});
    const run = await runInProcess(['tail', 'box:admin_logs', '--once'], {
      env: ccgEnv({ BOX_CLIENT_SECRET: 'not-the-secret' }),
    });
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe(
      "events: Box Client Credentials Grant failed: Box's token endpoint answered 400 invalid_client: The client credentials are invalid (check BOX_CLIENT_ID, BOX_CLIENT_SECRET, BOX_ENTERPRISE_ID)",
    );
    expect(eventRequests()).toEqual([]);
    expect(run.stderr).not.toContain('not-the-secret');
  });

  it('a JWT signed with a key the app does not know', async () => {
    await open({ box: { jwtPublicKey: keys.publicKeyPem } });
    const run = await runInProcess(['tail', 'box:admin_logs', '--once'], { env: jwtEnv(writeJwtConfig(otherKeys)) });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^events: Box JWT app auth failed: Box's token endpoint answered 400 invalid_grant: Signature verification error\..* \(check BOX_JWT_CONFIG \(.*config\.json\)\)\n$/,
    );
    expect(eventRequests()).toEqual([]);
  });

  it('an unreadable config file, a wrong passphrase', async () => {
    await open({ box: { jwtPublicKey: keys.publicKeyPem } });
    const dir = tempDir();
    const unreadable = await runInProcess(['tail', 'box:admin_logs', '--once'], { env: jwtEnv(dir) });
    expect(unreadable.code).toBe(3);
    expect(unreadable.stderr.trim()).toBe(
      `events: cannot read BOX_JWT_CONFIG ${dir} (EISDIR) (point BOX_JWT_CONFIG at the config.json the Box developer console downloads, readable by this user)`,
    );
    const file = writeJwtConfig(keys);
    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as { boxAppSettings: { appAuth: { passphrase: string } } };
    config.boxAppSettings.appAuth.passphrase = 'wrong passphrase';
    fs.writeFileSync(file, JSON.stringify(config));
    const wrong = await runInProcess(['tail', 'box:admin_logs', '--once'], { env: jwtEnv(file) });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(
      /^events: cannot decrypt the private key in BOX_JWT_CONFIG .*config\.json with its appAuth\.passphrase/,
    );
    expect(bed.emulator.requests).toEqual([]);
  });

  it('half-configured methods name what is missing; nothing configured lists every method', async () => {
    await open({});
    const half = await runInProcess(['tail', 'box', '--once'], { env: boxEnv({ BOX_CLIENT_ID: box.clientId }) });
    expect(half.code).toBe(3);
    expect(half.stderr).toMatch(
      /^events: Box Client Credentials Grant is half configured: BOX_CLIENT_SECRET is not set \(set BOX_CLIENT_SECRET \(or BOX_CLIENT_SECRET_FILE\)/,
    );
    const noSubject = await runInProcess(['tail', 'box', '--once'], {
      env: boxEnv({ BOX_CLIENT_ID: box.clientId, BOX_CLIENT_SECRET: box.clientSecret }),
    });
    expect(noSubject.code).toBe(3);
    expect(noSubject.stderr).toMatch(/needs BOX_ENTERPRISE_ID or BOX_USER_ID/);
    const asanaHalf = await runInProcess(['tail', '1204567890123456', '--once'], {
      env: bed.env({ ASANA_ACCESS_TOKEN: undefined, ASANA_REFRESH_TOKEN: 'x1234567890' }),
    });
    expect(asanaHalf.code).toBe(3);
    expect(asanaHalf.stderr).toMatch(
      /Asana OAuth refresh is half configured: ASANA_CLIENT_ID and ASANA_CLIENT_SECRET are not set/,
    );
    const nothing = await runInProcess(['tail', 'box', '--once'], { env: boxEnv() });
    expect(nothing.code).toBe(3);
    expect(nothing.stderr).toMatch(
      /^events: no Box credentials: BOX_ACCESS_TOKEN is not set \(.*BOX_JWT_CONFIG.*BOX_CLIENT_ID and BOX_CLIENT_SECRET with BOX_ENTERPRISE_ID or BOX_USER_ID/,
    );
    expect(bed.emulator.requests).toEqual([]);
  });

  it('a plain-http token URL on another host is refused before anything is sent', async () => {
    await open({});
    const run = await runInProcess(['tail', 'box:admin_logs', '--once'], {
      env: ccgEnv({ BOX_TOKEN_URL: 'http://192.0.2.1/oauth2/token' }),
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'events: refusing to send credentials over plain http to the token endpoint 192.0.2.1 (use https, or pass --allow-insecure-http if you really mean it)',
    );
  });
});

describe('Asana OAuth refresh', () => {
  it(
    'across expiries, with a refresh token that Asana rotates, two projects sharing each renewal',
    { timeout: 40_000 },
    async () => {
      await open({ accessTokenLifetimeS: 3, asana: { rotateRefreshTokens: true } });
      const [p1, p2] = bed.emulator.asana.projectGids as [string, string];
      const tail = new RunningCli(['tail', p1, p2, '--json', '--interval', '0.3', '--verbose'], asanaEnv());
      await tail.waitFor(
        () => eventRequests().filter((r) => r.status === 412).length >= 2,
        10_000,
        'both first sync tokens',
      );
      const delivered: unknown[] = [];
      const started = Date.now();
      for (let i = 0; Date.now() - started < 10_000; i++) {
        await sleep(350);
        delivered.push(...bed.emulator.asana.appendEvents(i % 2 ? p1 : p2, 1));
      }
      await tail.waitFor(() => eventsOf(tail.stdout).length >= delivered.length, 10_000, 'every event');
      tail.kill('SIGTERM');
      const result = await tail.done;
      expect(result.code).toBe(143);
      const got = eventsOf(result.stdout);
      expect(got).toHaveLength(delivered.length);
      expect(new Set(got.map((e) => JSON.stringify(e)))).toEqual(new Set(delivered.map((e) => JSON.stringify(e))));
      // The emulator rotates and forgets each used refresh token: success proves the new one was kept.
      expectRenewalsPerLifetime('asana', 3, result.ms, '/api/1.0/');
      expectNoSecrets(
        [result.stdout, result.stderr],
        [
          asana.clientSecret,
          asana.refreshTokens[0]!,
          ...bed.emulator.oauth.asana.refreshTokens,
          ...bed.emulator.oauth.issuedTokens,
        ],
      );
    },
  );

  it(
    'a refresh token revoked mid-run: the next renewal ends the follow run with exit 3',
    { timeout: 20_000 },
    async () => {
      await open({ accessTokenLifetimeS: 2 });
      const project = bed.emulator.asana.projectGids[0]!;
      const tail = new RunningCli(['tail', project, '--json', '--interval', '0.2'], asanaEnv());
      await tail.waitFor(() => eventRequests().some((r) => r.status === 412), 10_000, 'the first sync token');
      const before = bed.emulator.asana.appendEvents(project, 2);
      await tail.waitFor(() => eventsOf(tail.stdout).length >= 2, 10_000, 'the first events');
      bed.emulator.oauth.asana.refreshTokens.clear();
      const result = await tail.done;
      expect(result.code).toBe(3);
      expect(eventsOf(result.stdout)).toEqual(before);
      expect(result.stderr).toMatch(
        /^events: Asana OAuth refresh token grant failed: Asana's token endpoint answered 400 invalid_grant: The refresh token is invalid or has been revoked\. \(check ASANA_CLIENT_ID, ASANA_CLIENT_SECRET, ASANA_REFRESH_TOKEN\)$/m,
      );
      expect(tokenRequests('asana').map((t) => t.status)).toEqual([200, 400]);
    },
  );

  it("a revoked refresh token: exit 3 with the provider's description and the variables", async () => {
    await open({});
    const project = bed.emulator.asana.projectGids[0]!;
    const run = await runInProcess(['tail', project, '--once'], {
      env: asanaEnv({ ASANA_REFRESH_TOKEN: '1/revoked-refresh-token' }),
    });
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe(
      "events: Asana OAuth refresh token grant failed: Asana's token endpoint answered 400 invalid_grant: The refresh token is invalid or has been revoked. (check ASANA_CLIENT_ID, ASANA_CLIENT_SECRET, ASANA_REFRESH_TOKEN)",
    );
    expect(eventRequests()).toEqual([]);
  });
});

describe('secrets from files and trimming', () => {
  it('_FILE forms with CR/LF endings work for Box CCG and Asana refresh', async () => {
    await open({});
    const dir = fs.mkdtempSync(path.join(secretsDir, 'files-'));
    const write = (name: string, text: string): string => {
      fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
      return path.join(dir, name);
    };
    const appended = bed.emulator.box.appendEvents(2, 'enterprise');
    const env = ccgEnv({
      BOX_CLIENT_SECRET: undefined,
      BOX_CLIENT_SECRET_FILE: write('box-secret', `${box.clientSecret}\r\n`),
      BOX_CLIENT_ID_FILE: write('box-id', ` ${box.clientId}\n`),
      BOX_CLIENT_ID: undefined,
    });
    const boxRun = await runInProcess(['tail', 'box:admin_logs', '--once', '--json', '--from-start'], { env: env });
    expect(boxRun.code).toBe(0);
    expect(ids(eventsOf(boxRun.stdout))).toEqual(ids(appended));
    const project = bed.emulator.asana.projectGids[0]!;
    const asanaRun = await runInProcess(['tail', project, '--once'], {
      env: asanaEnv({
        ASANA_CLIENT_SECRET: undefined,
        ASANA_CLIENT_SECRET_FILE: write('asana-secret', `${asana.clientSecret}\n`),
        ASANA_REFRESH_TOKEN: undefined,
        ASANA_REFRESH_TOKEN_FILE: write('asana-refresh', `${asana.refreshTokens[0]}\r\n`),
      }),
    });
    expect(asanaRun.code).toBe(0);
    expect(tokenRequests('asana').map((t) => t.status)).toEqual([200]);
    const status = await runInProcess(['auth', 'status', '--json'], {
      env: {
        ...env,
        ...asanaEnv({ ASANA_CLIENT_SECRET: undefined, ASANA_CLIENT_SECRET_FILE: path.join(dir, 'asana-secret') }),
      },
    });
    expect(status.code).toBe(0);
    const rows = JSON.parse(status.stdout) as Array<{ provider: string; variables: string[]; token: string }>;
    expect(rows.find((r) => r.provider === 'box')!.variables).toEqual([
      `BOX_CLIENT_ID_FILE (${path.join(dir, 'box-id')})`,
      `BOX_CLIENT_SECRET_FILE (${path.join(dir, 'box-secret')})`,
      'BOX_ENTERPRISE_ID',
    ]);
    expect(rows.map((r) => r.token)).toEqual(['obtained', 'obtained']);
  });

  it('an access token with a trailing CR/LF, inline or from a file, is sent without it', async () => {
    await open({ requireIssuedTokens: false }, { accessTokens: ['static-token-1'] });
    const project = bed.emulator.asana.projectGids[0]!;
    const inline = await runInProcess(['tail', project, '--once', '--give-up', '2'], {
      env: bed.env({ ASANA_ACCESS_TOKEN: 'static-token-1\r\n' }),
    });
    expect(inline.code).toBe(0);
    const file = path.join(fs.mkdtempSync(path.join(secretsDir, 'tok-')), 'token');
    fs.writeFileSync(file, 'static-token-1\r\n');
    const fromFile = await runInProcess(['tail', project, '--once', '--give-up', '2'], {
      env: bed.env({ ASANA_ACCESS_TOKEN: undefined, ASANA_ACCESS_TOKEN_FILE: file }),
    });
    expect(fromFile.code).toBe(0);
    expect(new Set(eventRequests().map((r) => r.headers['authorization']))).toEqual(new Set(['Bearer static-token-1']));
  });

  it('NAME and NAME_FILE together are a usage error; a missing file is exit 3 naming it', async () => {
    await open({});
    const both = await runInProcess(['tail', 'box', '--once'], {
      env: boxEnv({ BOX_ACCESS_TOKEN: 'x', BOX_ACCESS_TOKEN_FILE: '/nonexistent/token' }),
    });
    expect(both.code).toBe(2);
    expect(both.stderr.trim()).toBe(
      'events: both BOX_ACCESS_TOKEN and BOX_ACCESS_TOKEN_FILE are set (unset one of them)',
    );
    const missing = await runInProcess(['tail', 'box', '--once'], {
      env: boxEnv({ BOX_ACCESS_TOKEN_FILE: '/nonexistent/token' }),
    });
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim()).toBe(
      'events: cannot read BOX_ACCESS_TOKEN_FILE /nonexistent/token (ENOENT) (check that the file exists and this user may read it)',
    );
    expect(bed.emulator.requests).toEqual([]);
  });

  it('a JWT config readable by others gets one warning, however many renewals', { timeout: 20_000 }, async () => {
    await open({ accessTokenLifetimeS: 2, box: { jwtPublicKey: keys.publicKeyPem } });
    const file = writeJwtConfig(keys, 0o644);
    const tail = new RunningCli(['tail', 'box:admin_logs', '--json', '--interval', '0.2'], jwtEnv(file));
    await tail.waitFor(() => tokenRequests('box').length >= 3, 10_000, 'three tokens');
    tail.kill('SIGTERM');
    const result = await tail.done;
    expect(result.stderr.match(/readable by group or others/g)).toEqual(['readable by group or others']);
    expect(result.stderr).toContain(`chmod 600 ${file}`);
  });
});

describe('events auth status', () => {
  it('names the method and variables, gets one token, never prints a secret', async () => {
    await open({ box: { jwtPublicKey: keys.publicKeyPem } });
    const file = writeJwtConfig(keys);
    const human = await runInProcess(['auth', 'status', '--verbose'], { env: { ...jwtEnv(file), ...asanaEnv() } });
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(
      [
        'asana: Asana OAuth refresh token grant from ASANA_CLIENT_ID, ASANA_CLIENT_SECRET, ASANA_REFRESH_TOKEN',
        `       token obtained from ${bed.emulator.url}/-/oauth_token, valid 3600 s`,
        `box:   Box JWT app auth from BOX_JWT_CONFIG (${file})`,
        `       token obtained from ${bed.emulator.url}/oauth2/token, valid 3600 s`,
        '',
      ].join('\n'),
    );
    expect(tokenRequests('box')).toHaveLength(1);
    expect(tokenRequests('asana')).toHaveLength(1);
    expect(eventRequests()).toEqual([]);
    const json = await runInProcess(['auth', 'status', 'box', '--json'], { env: jwtEnv(file) });
    expect(JSON.parse(json.stdout)).toEqual([
      {
        provider: 'box',
        configured: true,
        method: 'Box JWT app auth',
        variables: [`BOX_JWT_CONFIG (${file})`],
        token_url: `${bed.emulator.url}/oauth2/token`,
        token: 'obtained',
        lifetime_s: 3600,
        error: null,
      },
    ]);
    fs.writeFileSync(path.join(bed.stateDir, 'marker'), ''); // the scan needs a folder with a file
    expectNoSecrets(
      [human.stdout, human.stderr, json.stdout, json.stderr],
      [
        box.clientSecret,
        keys.passphrase,
        keys.privateKeyPem,
        asana.clientSecret,
        asana.refreshTokens[0]!,
        ...bed.emulator.oauth.issuedTokens,
      ],
    );
  });

  it('exit 3 when a configured method cannot get a token, or nothing is configured', async () => {
    await open({});
    const wrong = await runInProcess(['auth', 'status', 'box', '--json'], {
      env: ccgEnv({ BOX_CLIENT_SECRET: 'wrong-secret-value' }),
    });
    expect(wrong.code).toBe(3);
    const [row] = JSON.parse(wrong.stdout) as Array<{ token: string; error: string }>;
    expect(row).toMatchObject({ token: 'failed' });
    expect(row!.error).toMatch(/invalid_client/);
    expect(wrong.stdout + wrong.stderr).not.toContain('wrong-secret-value');
    const nothing = await runInProcess(['auth', 'status'], { env: boxEnv() });
    expect(nothing.code).toBe(3);
    expect(nothing.stdout).toMatch(
      /^asana: not configured \(export ASANA_ACCESS_TOKEN=.*\nbox:   not configured \(export BOX_ACCESS_TOKEN=/,
    );
  });

  it('a static token is not checked unless --check, which asks GET /users/me', async () => {
    await open({ requireIssuedTokens: false }, { accessTokens: ['good-static-token'] });
    const env = boxEnv({ BOX_ACCESS_TOKEN: 'good-static-token', ASANA_ACCESS_TOKEN: 'bad-static-token' });
    const plain = await runInProcess(['auth', 'status'], { env: env });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('static token, not checked');
    expect(bed.emulator.requests).toEqual([]);
    const checked = await runInProcess(['auth', 'status', 'box', '--check'], { env: env });
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('static token, accepted by GET /users/me');
    const bad = await runInProcess(['auth', 'status', 'asana', '--check', '--json'], {
      env: bed.env({ ASANA_ACCESS_TOKEN: 'bad-static-token' }),
    });
    expect(bad.code).toBe(3);
    expect(JSON.parse(bad.stdout)).toMatchObject([
      { provider: 'asana', method: 'access token', variables: ['ASANA_ACCESS_TOKEN'], token: 'failed' },
    ]);
    expect(bed.emulator.requests.map((r) => `${r.path} ${r.status}`)).toEqual([
      '/2.0/users/me 200',
      '/api/1.0/users/me 401',
    ]);
    expect(checked.stdout + bad.stdout + plain.stdout).not.toMatch(/static-token/);
  });
});

describe("the emulator's token endpoint checks what Box checks", () => {
  it('signature, kid, aud, exp at most 60 s ahead, and no reused jti', async () => {
    await open({ box: { jwtPublicKey: keys.publicKeyPem } });
    const key = crypto.createPrivateKey({ key: keys.privateKeyPem, format: 'pem', passphrase: keys.passphrase });
    const nowS = Math.floor(Date.now() / 1000);
    const base = {
      clientId: box.clientId,
      keyId: box.jwtPublicKeyId,
      key,
      subject: { type: 'enterprise' as const, id: box.enterpriseId },
      audience: `${bed.emulator.url}/oauth2/token`,
      nowS,
    };
    const post = async (assertion: string): Promise<{ status: number; body: Record<string, unknown> }> => {
      const form = new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion,
        client_id: box.clientId,
        client_secret: box.clientSecret,
      });
      const res = await fetch(`${bed.emulator.url}/oauth2/token`, { method: 'POST', body: form });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const jti = 'a'.repeat(32);
    expect((await post(signAssertion({ ...base, jti }))).status).toBe(200);
    expect(await post(signAssertion({ ...base, jti }))).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: expect.stringMatching(/unique 'jti'/) },
    });
    expect((await post(signAssertion({ ...base, nowS: nowS + 30 }))).body['error_description']).toMatch(/'exp' claim/); // exp 75 s ahead
    expect((await post(signAssertion({ ...base, jti: 'short' }))).body['error_description']).toMatch(/'jti' claim/);
    expect(
      (await post(signAssertion({ ...base, audience: 'https://api.box.com/oauth2/token' }))).body['error_description'],
    ).toMatch(/'aud' claim/);
    expect((await post(signAssertion({ ...base, keyId: 'other' }))).body['error_description']).toMatch(/'kid'/);
    expect(
      (await post(signAssertion({ ...base, subject: { type: 'user', id: '1' } }))).body['error_description'],
    ).toMatch(/'sub' claim/);
    const otherKey = crypto.createPrivateKey({
      key: otherKeys.privateKeyPem,
      format: 'pem',
      passphrase: otherKeys.passphrase,
    });
    expect((await post(signAssertion({ ...base, key: otherKey }))).body['error_description']).toMatch(
      /Signature verification error/,
    );
  });
});

describe('events emulator and JWT offline', () => {
  it('writes a ready config.json (mode 0600) and prints env lines that work', { timeout: 20_000 }, async () => {
    const file = path.join(fs.mkdtempSync(path.join(secretsDir, 'emu-')), 'config.json');
    const server = new RunningCli(
      ['emulator', '--port', '0', '--activity', '0', '--token-lifetime', '2', '--write-box-jwt-config', file],
      tempEnv(),
    );
    await server.waitFor(() => /ASANA_REFRESH_TOKEN=\S+/.test(server.stdout), 10_000, 'the banner');
    try {
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const envOf = (line: RegExp): Record<string, string> =>
        Object.fromEntries(
          [...(line.exec(server.stdout)?.[1] ?? '').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]),
        );
      const jwt = envOf(/^ {4}(BOX_BASE_URL=\S+ BOX_JWT_CONFIG=\S+)$/m);
      const ccg = envOf(/^ {4}(BOX_BASE_URL=\S+ BOX_CLIENT_ID=.*)$/m);
      const refresh = envOf(/^ {4}(ASANA_BASE_URL=\S+ ASANA_CLIENT_ID=.*)$/m);
      expect(jwt['BOX_JWT_CONFIG']).toBe(file);
      for (const env of [jwt, ccg, refresh]) {
        const run = await runInProcess(['auth', 'status', '--json'], { env: tempEnv(env) });
        expect(run.code).toBe(0);
        const rows = JSON.parse(run.stdout) as Array<{ token: string; lifetime_s: number | null }>;
        expect(rows.filter((r) => r.token === 'obtained').map((r) => r.lifetime_s)).toEqual([2]);
      }
    } finally {
      server.kill('SIGINT');
      await server.done;
    }
  });
});

function tempEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    EVENTS_CONFIG_DIR: tempDir(),
    ...extra,
  };
}
