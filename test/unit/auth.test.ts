// The pure parts of unattended auth: secrets trimming, the renewal margin, JWT assertions, and the
// OAuth token source's sharing and renewal rules (with an injected token endpoint and clock).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/wait-until.js';
import { ASSERTION_LIFETIME_S, loadBoxJwtConfig, signAssertion } from '../../src/auth/box-jwt.js';
import { readSecret } from '../../src/auth/secrets.js';
import { OAuthTokenSource, renewalMarginMs } from '../../src/auth/token-source.js';
import { AuthError, UsageError } from '../../src/core/errors.js';
import type { HttpResponse } from '../../src/net/http.js';
import { boxJwtConfigJson, generateBoxJwtKeyPair } from '../../src/emulator/oauth.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-auth-unit-'));

describe('renewalMarginMs: 10% of the lifetime, within [1 s, 5 min]', () => {
  it.each([
    [2_000, 1_000],
    [6_000, 1_000],
    [30_000, 3_000],
    [600_000, 60_000],
    [3_600_000, 300_000],
  ])('%i ms -> %i ms', (lifetime, margin) => expect(renewalMarginMs(lifetime)).toBe(margin));
});

describe('readSecret', () => {
  const file = (text: string): string => {
    const p = path.join(fs.mkdtempSync(path.join(dir, 's-')), 'secret');
    fs.writeFileSync(p, text);
    return p;
  };
  it.each([
    [{ T: 'abc' }, { value: 'abc', source: 'T' }],
    [{ T: '  abc\r\n' }, { value: 'abc', source: 'T' }],
    [{ T: '' }, undefined],
    [{ T: ' \n' }, undefined],
    [{}, undefined],
  ])('%j -> %j', (env, expected) => expect(readSecret(env, 'T')).toEqual(expected));

  it('reads NAME_FILE, trimmed, and names the file as the source', () => {
    const p = file('tok\r\n\n');
    expect(readSecret({ T_FILE: p }, 'T')).toEqual({ value: 'tok', source: `T_FILE (${p})` });
  });

  it('both forms: usage error; unreadable or empty file: auth error naming the file', () => {
    expect(() => readSecret({ T: 'a', T_FILE: '/x' }, 'T')).toThrow(UsageError);
    expect(() => readSecret({ T_FILE: path.join(dir, 'missing') }, 'T')).toThrow(
      `cannot read T_FILE ${path.join(dir, 'missing')} (ENOENT)`,
    );
    expect(() => readSecret({ T_FILE: path.join(dir, 'missing') }, 'T')).toThrow(AuthError);
    expect(() => readSecret({ T_FILE: file('\n') }, 'T')).toThrow(/is empty/);
  });
});

describe('Box JWT assertions', () => {
  const keys = generateBoxJwtKeyPair();
  const key = crypto.createPrivateKey({ key: keys.privateKeyPem, format: 'pem', passphrase: keys.passphrase });
  const decode = (part: string): Record<string, unknown> =>
    JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

  it('RS256 with kid; iss, sub, box_sub_type, aud, a fresh jti and exp 45 s ahead', () => {
    const input = {
      clientId: 'cid',
      keyId: 'kid1',
      key,
      subject: { type: 'user' as const, id: '42' },
      audience: 'https://api.box.com/oauth2/token',
      nowS: 1_800_000_000,
    };
    const a = signAssertion(input);
    const b = signAssertion(input);
    const [h, c, s] = a.split('.') as [string, string, string];
    expect(decode(h)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'kid1' });
    const claims = decode(c);
    expect(claims).toMatchObject({
      iss: 'cid',
      sub: '42',
      box_sub_type: 'user',
      aud: 'https://api.box.com/oauth2/token',
      exp: 1_800_000_000 + 45,
    });
    expect(ASSERTION_LIFETIME_S).toBeLessThanOrEqual(60);
    expect(String(claims['jti']).length).toBeGreaterThanOrEqual(32);
    expect(String(claims['jti']).length).toBeLessThanOrEqual(128);
    expect(decode(b.split('.')[1]!)['jti']).not.toBe(claims['jti']);
    expect(crypto.verify('sha256', Buffer.from(`${h}.${c}`), keys.publicKeyPem, Buffer.from(s, 'base64url'))).toBe(
      true,
    );
  });

  it('loads the developer console config; a wrong passphrase or a missing field is an AuthError', () => {
    const app = { clientId: 'cid', clientSecret: 'sec', publicKeyId: 'kid1', enterpriseId: '77' };
    const good = path.join(dir, 'config.json');
    fs.writeFileSync(good, boxJwtConfigJson(keys, app), { mode: 0o600 });
    const warnings: string[] = [];
    expect(loadBoxJwtConfig(good, (w) => warnings.push(w))).toMatchObject({
      clientId: 'cid',
      clientSecret: 'sec',
      publicKeyId: 'kid1',
      enterpriseId: '77',
    });
    expect(warnings).toEqual([]);
    const config = JSON.parse(fs.readFileSync(good, 'utf8')) as { boxAppSettings: { appAuth: Record<string, string> } };
    config.boxAppSettings.appAuth['passphrase'] = 'nope';
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(config));
    expect(() => loadBoxJwtConfig(path.join(dir, 'bad.json'))).toThrow(/cannot decrypt the private key/);
    delete config.boxAppSettings.appAuth['publicKeyID'];
    fs.writeFileSync(path.join(dir, 'nokid.json'), JSON.stringify(config));
    expect(() => loadBoxJwtConfig(path.join(dir, 'nokid.json'))).toThrow(/has no boxAppSettings\.appAuth\.publicKeyID/);
  });

  it('an empty file or {} says it is empty, before (and without) the warning about a readable key', () => {
    for (const [name, content] of [
      ['empty.json', ''],
      ['braces.json', '{}'],
    ] as const) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content, { mode: 0o644 });
      fs.chmodSync(file, 0o644);
      const warnings: string[] = [];
      expect(() => loadBoxJwtConfig(file, (w) => warnings.push(w))).toThrow(
        new RegExp(`^BOX_JWT_CONFIG ${file.replace(/[.]/g, '\\.')} is empty`),
      );
      expect(warnings).toEqual([]);
    }
  });
});

/** A token endpoint whose answers the test releases one by one. */
function endpoint() {
  const calls: Array<{
    form: Record<string, string>;
    answer: (res: Partial<HttpResponse> & { status: number }) => void;
  }> = [];
  let issued = 0;
  const http = {
    postForm: (_url: URL, form: Record<string, string>) =>
      new Promise<HttpResponse>((resolve) =>
        calls.push({ form, answer: (res) => resolve({ headers: {}, body: '', ...res }) }),
      ),
  };
  const ok = (lifetimeS = 100) => ({
    status: 200,
    body: JSON.stringify({ access_token: `t${++issued}`, expires_in: lifetimeS }),
  });
  return { http, calls, ok };
}
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function source(http: { postForm(url: URL, form: Record<string, string>): Promise<HttpResponse> }, now: () => number) {
  return new OAuthTokenSource({
    provider: 'Box',
    method: 'Box Client Credentials Grant',
    variables: ['BOX_CLIENT_ID', 'BOX_CLIENT_SECRET'],
    id: 'box:test',
    tokenUrl: new URL('https://api.box.com/oauth2/token'),
    grant: { form: () => ({ grant_type: 'client_credentials' }) },
    http,
    retry: { baseMs: 1, capMs: 1 },
    now,
  });
}

describe('OAuthTokenSource', () => {
  it('concurrent callers share one request; the token is reused until the margin, then renewed once', async () => {
    let clock = 0;
    const { http, calls, ok } = endpoint();
    const auth = source(http, () => clock);
    const waiting = Promise.all([auth.token(), auth.token(), auth.token()]);
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]!.answer(ok(100));
    expect(await waiting).toEqual(['t1', 't1', 't1']);
    clock = 89_999; // 100 s lifetime, 10 s margin
    expect(await auth.token()).toBe('t1');
    expect(calls).toHaveLength(1);
    clock = 90_000;
    const renewed = Promise.all([auth.token(), auth.token()]);
    await tick();
    expect(calls).toHaveLength(2);
    calls[1]!.answer(ok(100));
    expect(await renewed).toEqual(['t2', 't2']);
  });

  it('after a 401: a newer token is returned without a request; the current one is renewed once for all callers', async () => {
    const { http, calls, ok } = endpoint();
    const auth = source(http, () => 0);
    const first = auth.token();
    await tick();
    calls[0]!.answer(ok());
    expect(await first).toBe('t1');
    const renewals = Promise.all([auth.renewAfter401('t1'), auth.renewAfter401('t1'), auth.renewAfter401('t1')]);
    await tick();
    expect(calls).toHaveLength(2);
    calls[1]!.answer(ok());
    expect(await renewals).toEqual(['t2', 't2', 't2']);
    // A subscription that was still holding t1 learns of t2 without a third request.
    expect(await auth.renewAfter401('t1')).toBe('t2');
    expect(calls).toHaveLength(2);
  });

  it('retries a token endpoint that is down; turns invalid_client into an AuthError with the sanitised description', async () => {
    const { http, calls, ok } = endpoint();
    const auth = source(http, () => 0);
    const got = auth.token();
    await tick();
    calls[0]!.answer({ status: 503, body: '{}' });
    await waitUntil(() => calls.length === 2, 'the retry');
    expect(calls).toHaveLength(2);
    calls[1]!.answer(ok());
    expect(await got).toBe('t1');

    const failing = source(http, () => 0);
    const refused = failing.token();
    await tick();
    calls[2]!.answer({
      status: 400,
      body: JSON.stringify({
        error: 'invalid_client',
        error_description: 'The client\u001b[31m credentials\nare invalid',
      }),
    });
    const error = await refused.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).exitCode).toBe(3);
    expect((error as AuthError).message).toBe(
      "Box Client Credentials Grant failed: Box's token endpoint answered 400 invalid_client: The client credentials are invalid",
    );
    expect((error as AuthError).hint).toBe('check BOX_CLIENT_ID, BOX_CLIENT_SECRET');
  });
});
