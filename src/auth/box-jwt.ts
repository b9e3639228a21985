// Box JWT app auth: the developer console's config.json holds the app's client id and secret, an
// encrypted PKCS#8 private key and its passphrase. Each token request signs a fresh RS256
// assertion that lives 45 s (Box accepts at most 60 s) and carries a never-reused jti.
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { AuthError } from '../core/errors.js';
import type { BoxSubject } from './box-ccg.js';
import type { Grant } from './token-source.js';

/** Seconds an assertion is valid; Box refuses an exp more than 60 s ahead. */
export const ASSERTION_LIFETIME_S = 45;

export interface BoxJwtApp {
  clientId: string;
  clientSecret: string;
  publicKeyId: string;
  privateKey: KeyObject;
  enterpriseId: string | undefined;
}

export interface AssertionInput {
  clientId: string;
  keyId: string;
  key: KeyObject;
  subject: BoxSubject;
  audience: string;
  nowS: number;
  jti?: string;
}

export function signAssertion(input: AssertionInput): string {
  const header = { alg: 'RS256', typ: 'JWT', kid: input.keyId };
  const claims = {
    iss: input.clientId,
    sub: input.subject.id,
    box_sub_type: input.subject.type,
    aud: input.audience,
    // 32 bytes of randomness as 43 base64url characters: within Box's 16-128.
    jti: input.jti ?? crypto.randomBytes(32).toString('base64url'),
    exp: input.nowS + ASSERTION_LIFETIME_S,
  };
  const signingInput = `${b64(header)}.${b64(claims)}`;
  const signature = crypto.sign('sha256', Buffer.from(signingInput), input.key).toString('base64url');
  return `${signingInput}.${signature}`;
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Reads and decrypts the config file once, up front: a bad file fails before any request.
 * `warn` hears (once) about a file that group or others may read.
 */
export function loadBoxJwtConfig(path: string, warn?: (line: string) => void): BoxJwtApp {
  let text: string;
  let mode: number;
  try {
    text = fs.readFileSync(path, 'utf8');
    mode = fs.statSync(path).mode;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new AuthError(
      `cannot read BOX_JWT_CONFIG ${path} (${code})`,
      'point BOX_JWT_CONFIG at the config.json the Box developer console downloads, readable by this user',
    );
  }
  const download = 'use the config.json the Box developer console downloads (with a public/private key pair added)';
  if (text.trim() === '') throw new AuthError(`BOX_JWT_CONFIG ${path} is empty`, download);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new AuthError(
      `BOX_JWT_CONFIG ${path} is not JSON`,
      'use the config.json the Box developer console downloads',
    );
  }
  // `{}` is an empty file, said first: not a missing field, nor a warning about a key it lacks.
  if (config && typeof config === 'object' && !Array.isArray(config) && Object.keys(config).length === 0)
    throw new AuthError(`BOX_JWT_CONFIG ${path} is empty ({})`, download);
  const settings = object(config?.['boxAppSettings']);
  const appAuth = object(settings?.['appAuth']);
  const field = (value: unknown, name: string): string => {
    if (typeof value === 'string' && value.trim() !== '') return value;
    throw new AuthError(`BOX_JWT_CONFIG ${path} has no ${name}`, download);
  };
  const clientId = field(settings?.['clientID'], 'boxAppSettings.clientID');
  const clientSecret = field(settings?.['clientSecret'], 'boxAppSettings.clientSecret');
  const publicKeyId = field(appAuth?.['publicKeyID'], 'boxAppSettings.appAuth.publicKeyID');
  const pem = field(appAuth?.['privateKey'], 'boxAppSettings.appAuth.privateKey');
  // Only now is it known to hold a private key worth warning about.
  if ((mode & 0o044) !== 0)
    warn?.(
      `events: warning: ${path} (BOX_JWT_CONFIG) holds a private key and is readable by group or others; chmod 600 ${path}`,
    );
  const passphrase = typeof appAuth?.['passphrase'] === 'string' ? appAuth['passphrase'] : '';
  const enterprise = config?.['enterpriseID'];
  let privateKey: KeyObject;
  try {
    privateKey = crypto.createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch {
    throw new AuthError(
      `cannot decrypt the private key in BOX_JWT_CONFIG ${path} with its appAuth.passphrase`,
      'download a fresh config.json, or check that privateKey and passphrase belong together',
    );
  }
  if (privateKey.asymmetricKeyType !== 'rsa')
    throw new AuthError(
      `the private key in BOX_JWT_CONFIG ${path} is not an RSA key`,
      'Box signs JWT assertions with RSA keys',
    );
  return {
    clientId,
    clientSecret,
    publicKeyId,
    privateKey,
    enterpriseId: typeof enterprise === 'string' || typeof enterprise === 'number' ? String(enterprise) : undefined,
  };
}

export function boxJwtGrant(
  app: BoxJwtApp,
  subject: BoxSubject,
  audience: string,
  now: () => number = Date.now,
): Grant {
  return {
    form: () => ({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: signAssertion({
        clientId: app.clientId,
        keyId: app.publicKeyId,
        key: app.privateKey,
        subject,
        audience,
        nowS: Math.floor(now() / 1000),
      }),
      client_id: app.clientId,
      client_secret: app.clientSecret,
    }),
  };
}

function object(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
