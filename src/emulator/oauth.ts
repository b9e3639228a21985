// The token endpoints: Box's POST /oauth2/token (Client Credentials Grant and JWT assertions)
// and Asana's POST /-/oauth_token (refresh token grant), with tokens that expire after a
// configurable lifetime so renewal can be exercised in seconds. An API request with an expired
// issued token gets a 401 in the vendor's format; tokens not issued here behave as before.
import crypto, { type KeyObject } from 'node:crypto';
import { asanaError, boxError, json, type Incoming, type Reply } from './reply.js';

export interface OAuthEmulatorOptions {
  box?: Partial<{
    clientId: string;
    clientSecret: string;
    enterpriseId: string;
    userIds: string[];
    jwtPublicKey: string | KeyObject;
    jwtPublicKeyId: string;
  }>;
  asana?: Partial<{ clientId: string; clientSecret: string; refreshTokens: string[]; rotateRefreshTokens: boolean }>;
  /** Lifetime of issued access tokens (default 3600 s, like both vendors). */
  accessTokenLifetimeS?: number;
  /** Accept only tokens issued here on the APIs (default: any non-empty token, as before). */
  requireIssuedTokens?: boolean;
}

export const OAUTH_DEFAULTS = {
  box: {
    clientId: 'emulatorboxclientid0000000000001',
    clientSecret: 'emulator-box-client-secret-0001',
    enterpriseId: '900001',
    userIds: ['900101'],
    jwtPublicKeyId: 'emu4pk1d',
  },
  asana: {
    clientId: '1200000000000001',
    clientSecret: 'emulator-asana-client-secret-0001',
    refreshTokens: ['1/900000000001:emulatorrefreshtoken0001'],
  },
};

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface TokenRequestRecord {
  vendor: 'asana' | 'box';
  grant: string;
  status: number;
  error?: string;
  time: number;
}

interface IssuedToken {
  vendor: 'asana' | 'box';
  expiresAt: number;
}

export class OAuthServer {
  readonly box: {
    clientId: string;
    clientSecret: string;
    enterpriseId: string;
    userIds: string[];
    jwtPublicKeyId: string;
    jwtPublicKey?: KeyObject;
  };
  readonly asana: { clientId: string; clientSecret: string; refreshTokens: Set<string>; rotate: boolean };
  lifetimeS: number;
  readonly requireIssued: boolean;
  /** Every token request, for tests (bodies hold secrets and are not kept). */
  readonly tokenRequests: TokenRequestRecord[] = [];
  readonly #issued = new Map<string, IssuedToken>();
  readonly #seenJti = new Set<string>();

  constructor(
    options: OAuthEmulatorOptions,
    private readonly url: () => string,
    private readonly now: () => number,
  ) {
    const box = { ...OAUTH_DEFAULTS.box, ...options.box };
    const key = options.box?.jwtPublicKey;
    this.box = {
      ...box,
      jwtPublicKey: key === undefined ? undefined : typeof key === 'string' ? crypto.createPublicKey(key) : key,
    };
    const asana = { ...OAUTH_DEFAULTS.asana, ...options.asana };
    this.asana = {
      clientId: asana.clientId,
      clientSecret: asana.clientSecret,
      refreshTokens: new Set(asana.refreshTokens),
      rotate: options.asana?.rotateRefreshTokens ?? false,
    };
    this.lifetimeS = options.accessTokenLifetimeS ?? 3600;
    this.requireIssued = options.requireIssuedTokens ?? false;
  }

  /** Every access token issued so far (tests scan output for them). */
  get issuedTokens(): string[] {
    return [...this.#issued.keys()];
  }

  isIssued(token: string): boolean {
    return this.#issued.has(token);
  }

  /** Ends every issued token now, as a revocation does: the next API request gets a 401. */
  revokeIssued(): void {
    for (const token of this.#issued.values()) token.expiresAt = 0;
  }

  handle(req: Incoming, path: string): Reply | undefined {
    if (path !== '/oauth2/token' && path !== '/-/oauth_token') return undefined;
    const vendor = path === '/oauth2/token' ? 'box' : 'asana';
    const form = new URLSearchParams(req.body);
    const grant = form.get('grant_type') ?? '';
    const reply = this.#answer(req, vendor, form, grant);
    const error = reply.status === 200 ? undefined : (JSON.parse(reply.body) as { error?: string }).error;
    this.tokenRequests.push({ vendor, grant, status: reply.status, error, time: this.now() });
    return reply;
  }

  /** The 401 an API answers for an expired (or, when required, foreign) token; undefined: go on. */
  check(req: Incoming, vendor: 'asana' | 'box'): Reply | undefined {
    if (!req.token) return undefined;
    const issued = this.#issued.get(req.token);
    if (issued && issued.vendor === vendor && this.now() < issued.expiresAt) return undefined;
    if (!issued && !this.requireIssued) return undefined;
    return this.unauthorized(
      vendor,
      issued && issued.vendor === vendor
        ? 'The access token provided has expired.'
        : 'The access token provided is invalid.',
    );
  }

  /** A 401 in the vendor's format. */
  unauthorized(vendor: 'asana' | 'box', why: string): Reply {
    return vendor === 'asana'
      ? asanaError(401, 'Not Authorized')
      : boxError(401, 'Unauthorized', {
          'www-authenticate': `Bearer realm="Service", error="invalid_token", error_description="${why}"`,
        });
  }

  /** GET /users/me, the cheapest authenticated request of either API. */
  usersMe(vendor: 'asana' | 'box'): Reply {
    return vendor === 'asana'
      ? json(200, {
          data: { gid: '900000000001', resource_type: 'user', name: 'Emulator User', email: 'emulator@example.com' },
        })
      : json(200, {
          type: 'user',
          id: this.box.userIds[0] ?? '900101',
          name: 'Emulator User',
          login: 'emulator@example.com',
        });
  }

  #answer(req: Incoming, vendor: 'asana' | 'box', form: URLSearchParams, grant: string): Reply {
    if (req.method !== 'POST') return oauthError(405, 'invalid_request', 'The token endpoint accepts POST only');
    if (!String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded'))
      return oauthError(400, 'invalid_request', 'Invalid grant_type parameter or parameter missing');
    if (vendor === 'asana') return this.#asana(form, grant);
    if (grant === 'client_credentials') return this.#boxCcg(form);
    if (grant === JWT_BEARER) return this.#boxJwt(form);
    return oauthError(400, 'unsupported_grant_type', 'Invalid grant_type parameter or parameter missing');
  }

  #asana(form: URLSearchParams, grant: string): Reply {
    if (grant !== 'refresh_token')
      return oauthError(
        400,
        'unsupported_grant_type',
        'The authorization grant type is not supported by the authorization server.',
      );
    if (form.get('client_id') !== this.asana.clientId || form.get('client_secret') !== this.asana.clientSecret) {
      return oauthError(401, 'invalid_client', 'The client_id and/or client_secret provided are invalid.');
    }
    const refresh = form.get('refresh_token') ?? '';
    if (!this.asana.refreshTokens.has(refresh))
      return oauthError(400, 'invalid_grant', 'The refresh token is invalid or has been revoked.');
    const extra: Record<string, unknown> = {
      data: { id: 900000000001, gid: '900000000001', name: 'Emulator User', email: 'emulator@example.com' },
    };
    if (this.asana.rotate) {
      this.asana.refreshTokens.delete(refresh);
      const next = `1/900000000001:${crypto.randomBytes(16).toString('hex')}`;
      this.asana.refreshTokens.add(next);
      extra['refresh_token'] = next;
    }
    return this.#issue('asana', extra);
  }

  #boxClient(form: URLSearchParams): Reply | undefined {
    if (form.get('client_id') !== this.box.clientId || form.get('client_secret') !== this.box.clientSecret) {
      return oauthError(400, 'invalid_client', 'The client credentials are invalid');
    }
    return undefined;
  }

  #boxSubjectOk(type: string | null | undefined, id: string | null | undefined): boolean {
    return (
      (type === 'enterprise' && id === this.box.enterpriseId) ||
      (type === 'user' && id !== null && id !== undefined && this.box.userIds.includes(id))
    );
  }

  #boxCcg(form: URLSearchParams): Reply {
    const bad = this.#boxClient(form);
    if (bad) return bad;
    if (!this.#boxSubjectOk(form.get('box_subject_type'), form.get('box_subject_id')))
      return oauthError(400, 'invalid_grant', 'Grant credentials are invalid');
    return this.#issue('box', { restricted_to: [] });
  }

  #boxJwt(form: URLSearchParams): Reply {
    const bad = this.#boxClient(form);
    if (bad) return bad;
    const problem = this.#verifyAssertion(form.get('assertion') ?? '');
    if (problem) return oauthError(400, 'invalid_grant', problem);
    return this.#issue('box', { restricted_to: [] });
  }

  /** Box's checks of a JWT assertion; the error_description on failure. */
  #verifyAssertion(assertion: string): string | undefined {
    const key = this.box.jwtPublicKey;
    if (!key) return 'This app has no public key configured';
    const parts = assertion.split('.');
    if (parts.length !== 3) return 'Invalid JWT: expected three parts';
    const [h, c, s] = parts as [string, string, string];
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return 'Invalid JWT: undecodable header or claims';
    }
    const hash = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' }[String(header['alg'])];
    if (!hash) return `Unsupported signing algorithm ${String(header['alg'])}`;
    if (header['kid'] !== this.box.jwtPublicKeyId) return "Please check the 'kid' header: no such public key";
    if (!crypto.verify(hash, Buffer.from(`${h}.${c}`), key, Buffer.from(s, 'base64url')))
      return 'Signature verification error. The public key identified by "kid" must correspond to the private key used for signing.';
    if (claims['iss'] !== this.box.clientId) return "Please check the 'iss' claim.";
    if (!this.#boxSubjectOk(String(claims['box_sub_type']), String(claims['sub'])))
      return "Please check the 'sub' claim.";
    if (claims['aud'] !== `${this.url()}/oauth2/token`) return "Please check the 'aud' claim. Should be the token URL.";
    const jti = claims['jti'];
    if (typeof jti !== 'string' || jti.length < 16 || jti.length > 128)
      return "Please check the 'jti' claim. It must be 16 to 128 characters.";
    if (this.#seenJti.has(jti)) return "Please check the 'jti' claim. A unique 'jti' value is required.";
    const exp = claims['exp'];
    const nowS = this.now() / 1000;
    if (typeof exp !== 'number' || exp <= nowS || exp > nowS + 60)
      return "Please check the 'exp' claim. It must be in the future and at most 60 seconds ahead.";
    this.#seenJti.add(jti);
    return undefined;
  }

  #issue(vendor: 'asana' | 'box', extra: Record<string, unknown>): Reply {
    const token = `emu_${crypto.randomBytes(24).toString('base64url')}`;
    this.#issued.set(token, { vendor, expiresAt: this.now() + this.lifetimeS * 1000 });
    return json(200, { access_token: token, expires_in: this.lifetimeS, token_type: 'bearer', ...extra });
  }
}

function oauthError(status: number, error: string, description: string): Reply {
  return json(status, { error, error_description: description });
}

export interface BoxJwtKeyPair {
  publicKeyPem: string;
  /** Encrypted PKCS#8 PEM, as the Box developer console hands it out. */
  privateKeyPem: string;
  passphrase: string;
}

/** A fresh RSA key pair with an encrypted private key (for `events emulator` and tests). */
export function generateBoxJwtKeyPair(): BoxJwtKeyPair {
  const passphrase = crypto.randomBytes(16).toString('hex');
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey, passphrase };
}

/** The developer console's config.json for a JWT app. */
export function boxJwtConfigJson(
  keys: BoxJwtKeyPair,
  app: { clientId: string; clientSecret: string; publicKeyId: string; enterpriseId: string },
): string {
  const config = {
    boxAppSettings: {
      clientID: app.clientId,
      clientSecret: app.clientSecret,
      appAuth: { publicKeyID: app.publicKeyId, privateKey: keys.privateKeyPem, passphrase: keys.passphrase },
    },
    enterpriseID: app.enterpriseId,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
