// Which way in a provider uses, decided from the environment. Precedence, per provider:
//   Asana: ASANA_ACCESS_TOKEN, then ASANA_CLIENT_ID + ASANA_CLIENT_SECRET + ASANA_REFRESH_TOKEN.
//   Box:   BOX_ACCESS_TOKEN, then BOX_JWT_CONFIG, then BOX_CLIENT_ID + BOX_CLIENT_SECRET with
//          BOX_USER_ID (act as that user) or BOX_ENTERPRISE_ID (the app's service account).
// Every secret may come from NAME_FILE instead (see secrets.ts). A half-configured method is an
// error naming what is missing, never a silent fall-through to another method.
import { AuthError, UsageError } from '../core/errors.js';
import { isLoopback, type HttpClient } from '../net/http.js';
import type { RetryPolicy, RetryReport } from '../net/retry.js';
import { asanaRefreshGrant } from './asana-refresh.js';
import { boxCcgGrant, type BoxSubject } from './box-ccg.js';
import { boxJwtGrant, loadBoxJwtConfig } from './box-jwt.js';
import { readSecret, type Secret } from './secrets.js';
import { OAuthTokenSource, StaticTokenSource, type TokenSource } from './token-source.js';

export type AuthProvider = 'asana' | 'box';

export interface AuthDeps {
  http: Pick<HttpClient, 'postForm'>;
  retry: RetryPolicy;
  /** The provider's API base URL: its origin is the default token endpoint's. */
  baseUrl: string;
  allowInsecureHttp?: boolean;
  /** Warnings for stderr (a config file others can read). */
  warn?: (line: string) => void;
  report?: RetryReport;
  now?: () => number;
}

/** What to tell a user who configured nothing. */
export const HOW_TO_CONFIGURE: Record<AuthProvider, string> = {
  asana:
    'export ASANA_ACCESS_TOKEN=<personal access token> (Asana: My Settings > Apps > Developer apps), or ASANA_CLIENT_ID, ASANA_CLIENT_SECRET and ASANA_REFRESH_TOKEN of an OAuth app; each also as NAME_FILE=<path>',
  box: 'export BOX_ACCESS_TOKEN=<access token>, or BOX_JWT_CONFIG=<config.json>, or BOX_CLIENT_ID and BOX_CLIENT_SECRET with BOX_ENTERPRISE_ID or BOX_USER_ID; secrets also as NAME_FILE=<path>',
};

export function resolveAuth(provider: AuthProvider, env: NodeJS.ProcessEnv, deps: AuthDeps): TokenSource | undefined {
  return provider === 'asana' ? resolveAsana(env, deps) : resolveBox(env, deps);
}

function resolveAsana(env: NodeJS.ProcessEnv, deps: AuthDeps): TokenSource | undefined {
  const access = readSecret(env, 'ASANA_ACCESS_TOKEN');
  if (access) return new StaticTokenSource('asana', access.value, access.source);
  const parts = required(env, 'Asana OAuth refresh', ['ASANA_CLIENT_ID', 'ASANA_CLIENT_SECRET', 'ASANA_REFRESH_TOKEN']);
  if (!parts) return undefined;
  const [id, secret, refresh] = parts;
  const redirect = env['ASANA_REDIRECT_URI']?.trim() || undefined;
  const tokenUrl = tokenEndpoint(env, 'ASANA_TOKEN_URL', deps, '/-/oauth_token');
  return new OAuthTokenSource({
    provider: 'Asana',
    method: 'Asana OAuth refresh token grant',
    variables: [id!.source, secret!.source, refresh!.source],
    id: `asana:oauth:${id!.value}`,
    tokenUrl,
    grant: asanaRefreshGrant(id!.value, secret!.value, refresh!.value, redirect),
    http: deps.http,
    retry: deps.retry,
    report: deps.report,
    now: deps.now,
  });
}

function resolveBox(env: NodeJS.ProcessEnv, deps: AuthDeps): TokenSource | undefined {
  const access = readSecret(env, 'BOX_ACCESS_TOKEN');
  if (access) return new StaticTokenSource('box', access.value, access.source);
  const user = plain(env, 'BOX_USER_ID');
  const enterprise = plain(env, 'BOX_ENTERPRISE_ID');
  const jwtPath = env['BOX_JWT_CONFIG']?.trim();
  if (jwtPath) {
    const app = loadBoxJwtConfig(jwtPath, deps.warn);
    const subject: BoxSubject | undefined = user
      ? { type: 'user', id: user.value }
      : enterprise
        ? { type: 'enterprise', id: enterprise.value }
        : app.enterpriseId
          ? { type: 'enterprise', id: app.enterpriseId }
          : undefined;
    if (!subject)
      throw new AuthError(
        `BOX_JWT_CONFIG ${jwtPath} has no enterpriseID`,
        'set BOX_ENTERPRISE_ID, or BOX_USER_ID to act as a user',
      );
    const tokenUrl = tokenEndpoint(env, 'BOX_TOKEN_URL', deps, '/oauth2/token');
    const variables = [
      `BOX_JWT_CONFIG (${jwtPath})`,
      ...(user ? ['BOX_USER_ID'] : enterprise ? ['BOX_ENTERPRISE_ID'] : []),
    ];
    return new OAuthTokenSource({
      provider: 'Box',
      method: 'Box JWT app auth',
      variables,
      id: `box:jwt:${app.clientId}:${subject.type}:${subject.id}`,
      tokenUrl,
      grant: boxJwtGrant(app, subject, tokenUrl.href, deps.now),
      http: deps.http,
      retry: deps.retry,
      report: deps.report,
      now: deps.now,
    });
  }
  const parts = required(env, 'Box Client Credentials Grant', ['BOX_CLIENT_ID', 'BOX_CLIENT_SECRET']);
  if (!parts) {
    const stray = user ?? enterprise;
    if (stray)
      throw new AuthError(
        `${stray.source} is set but no Box app credentials are`,
        'also set BOX_CLIENT_ID and BOX_CLIENT_SECRET (Client Credentials Grant) or BOX_JWT_CONFIG',
      );
    return undefined;
  }
  const [id, secret] = parts;
  const subject = user ?? enterprise;
  if (!subject)
    throw new AuthError(
      'Box Client Credentials Grant needs BOX_ENTERPRISE_ID or BOX_USER_ID, and neither is set',
      "set BOX_ENTERPRISE_ID to act as the app's service account, or BOX_USER_ID to act as a user",
    );
  const tokenUrl = tokenEndpoint(env, 'BOX_TOKEN_URL', deps, '/oauth2/token');
  const type = user ? 'user' : 'enterprise';
  return new OAuthTokenSource({
    provider: 'Box',
    method: 'Box Client Credentials Grant',
    variables: [id!.source, secret!.source, subject.source],
    id: `box:ccg:${id!.value}:${type}:${subject.value}`,
    tokenUrl,
    grant: boxCcgGrant(id!.value, secret!.value, { type, id: subject.value }),
    http: deps.http,
    retry: deps.retry,
    report: deps.report,
    now: deps.now,
  });
}

/** All of `names`, or none (undefined); some but not all is an error naming the missing ones. */
function required(env: NodeJS.ProcessEnv, method: string, names: string[]): Secret[] | undefined {
  const found = names.map((name) => readSecret(env, name));
  if (found.every((s) => s === undefined)) return undefined;
  const missing = names.filter((_, i) => found[i] === undefined);
  if (missing.length) {
    throw new AuthError(
      `${method} is half configured: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`,
      `set ${missing.map((m) => `${m} (or ${m}_FILE)`).join(' and ')}, or unset ${names.filter((n) => !missing.includes(n)).join(', ')}`,
    );
  }
  return found as Secret[];
}

/** Ids, not secrets, but trimmed the same way (a CR from a Windows editor is not part of an id). */
function plain(env: NodeJS.ProcessEnv, name: string): Secret | undefined {
  return readSecret(env, name);
}

function tokenEndpoint(env: NodeJS.ProcessEnv, variable: string, deps: AuthDeps, path: string): URL {
  const override = env[variable]?.trim();
  let url: URL;
  try {
    url = override ? new URL(override) : new URL(path, new URL(deps.baseUrl).origin);
  } catch {
    throw new UsageError(
      `${override ? variable : 'the API base URL'} is not a URL: ${override ?? deps.baseUrl}`,
      `use a URL such as https://api.box.com/oauth2/token`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`${variable} must be an http(s) URL, not ${url.protocol}`, 'use https://…');
  // Client secrets and refresh tokens must not cross a network in clear text.
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !deps.allowInsecureHttp) {
    throw new UsageError(
      `refusing to send credentials over plain http to the token endpoint ${url.host}`,
      'use https, or pass --allow-insecure-http if you really mean it',
    );
  }
  return url;
}
