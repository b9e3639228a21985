// `events auth status`: which way in each provider uses (from which variables or files), and
// whether a token can be had right now: one token request for OAuth methods, and for a static
// token a GET /users/me only with --check. Values of secrets and tokens are never printed.
import type { HttpResponse } from '../net/http.js';
import { HOW_TO_CONFIGURE, resolveAuth, type AuthProvider } from '../auth/resolve.js';
import { OAuthTokenSource, type TokenSource } from '../auth/token-source.js';
import { EventsError, ExitCode } from '../core/errors.js';
import { proxyChoice, resolveSettings, type OptionsOf, type OptionValues } from '../config/settings.js';
import { configDir } from '../config/folder.js';
import { readFileSettings } from '../config/file.js';
import type { IO } from '../core/io.js';
import { userAgent } from '../lib/version.js';
import { redactedLines, redactValue } from '../lib/redact.js';
import { GIVE_UP_HINT } from '../net/retry.js';

type AuthFlags = OptionsOf<'auth'>;

export interface AuthStatusRow {
  provider: AuthProvider;
  configured: boolean;
  method: string | null;
  variables: string[];
  token_url: string | null;
  /** obtained (OAuth), accepted (static, --check), not checked (static), failed, not configured. */
  token: 'obtained' | 'accepted' | 'not checked' | 'failed' | 'not configured';
  lifetime_s: number | null;
  error: string | null;
  exitCode: number;
}

export async function authStatus(
  provider: AuthProvider | undefined,
  flags: AuthFlags,
  options: OptionValues,
  io: IO,
): Promise<number> {
  const file = readFileSettings(configDir(io.env), redactedLines(io.stderr, 'events: '));
  const settings = resolveSettings('auth', options, file, io.env);
  const baseUrls: Record<AuthProvider, string> = { asana: settings.asanaBaseUrl, box: settings.boxBaseUrl };
  const timeoutMs = 1000 * settings.timeout;
  const debug = flags.verbose === true ? redactedLines(io.stderr, 'events: debug: ') : undefined;
  const { HttpClient } = await import('../net/http.js');
  const http = new HttpClient({
    userAgent: userAgent(),
    timeoutMs,
    debug,
    env: io.env,
    proxy: proxyChoice(settings),
    maxAnswerBytes: settings.maxAnswerSize,
  });
  const providers: AuthProvider[] = provider ? [provider] : ['asana', 'box'];
  const rows: AuthStatusRow[] = [];
  try {
    // A token URL or an error may quote a URL with credentials: the rows are redacted once, here.
    for (const name of providers) rows.push(redactValue(await statusOf(name, baseUrls[name], flags, http, io)));
  } finally {
    await http.close();
  }
  if (flags.json) io.stdout.write(`${JSON.stringify(rows.map(({ exitCode: _, ...row }) => row))}\n`);
  else for (const row of rows) io.stdout.write(describe(row));
  // Nothing configured at all (or not the one asked for) means no token either.
  const failed = rows.find((r) => r.exitCode !== 0);
  if (failed) return failed.exitCode;
  return rows.some((r) => r.configured) ? ExitCode.ok : ExitCode.auth;
}

async function statusOf(
  provider: AuthProvider,
  baseUrl: string,
  flags: AuthFlags,
  http: import('../net/http.js').HttpClient,
  io: IO,
): Promise<AuthStatusRow> {
  const row: AuthStatusRow = {
    provider,
    configured: false,
    method: null,
    variables: [],
    token_url: null,
    token: 'not configured',
    lifetime_s: null,
    error: null,
    exitCode: 0,
  };
  let source: TokenSource | undefined;
  try {
    // One token request: a token endpoint that is down fails at once (exit 75), no retries.
    const retry = { baseMs: 1000, capMs: 1000, giveUpAfterMs: 0, giveUpHint: GIVE_UP_HINT.once, random: () => 1 };
    source = resolveAuth(provider, io.env, {
      http,
      retry,
      baseUrl,
      allowInsecureHttp: flags.allowInsecureHttp === true,
      warn: redactedLines(io.stderr),
    });
    if (!source) return row;
    row.configured = true;
    row.method = source.method;
    row.variables = source.variables;
    if (source instanceof OAuthTokenSource) {
      row.token_url = source.tokenUrl.href;
      await source.token(io.stop.signal);
      row.token = 'obtained';
      row.lifetime_s = source.lifetimeS ?? null;
    } else if (flags.check === true) {
      const res = await http.request({
        url: new URL(`${baseUrl.replace(/\/+$/, '')}/users/me`),
        token: await source.token(),
        signal: io.stop.signal,
      });
      if (res.status !== 200)
        return fail(
          row,
          `${provider === 'asana' ? 'Asana' : 'Box'} answered ${res.status} to GET /users/me${said(res)}`,
          res.status === 401 || res.status === 403 ? ExitCode.auth : ExitCode.temporary,
        );
      row.token = 'accepted';
    } else {
      row.token = 'not checked';
    }
    return row;
  } catch (error) {
    if (error instanceof EventsError)
      return fail(row, `${error.message}${error.hint ? ` (${error.hint})` : ''}`, error.exitCode);
    if (error instanceof Error && 'code' in error) return fail(row, error.message, ExitCode.temporary); // a NetworkError on --check
    throw error;
  }
}

function fail(row: AuthStatusRow, message: string, exitCode: number): AuthStatusRow {
  return { ...row, token: 'failed', error: message, exitCode };
}

function said(res: HttpResponse): string {
  return res.status === 401 ? ' (the token is invalid or expired)' : '';
}

function describe(row: AuthStatusRow): string {
  const label = `${row.provider}:`.padEnd(7);
  if (!row.configured && row.token === 'not configured')
    return `${label}not configured (${HOW_TO_CONFIGURE[row.provider]})\n`;
  const lines = [
    `${label}${row.method ?? 'configuration error'}${row.variables.length ? ` from ${row.variables.join(', ')}` : ''}`,
  ];
  const where = row.token_url ? ` from ${row.token_url}` : '';
  if (row.token === 'obtained') lines.push(`       token obtained${where}, valid ${row.lifetime_s ?? '?'} s`);
  if (row.token === 'accepted') lines.push('       static token, accepted by GET /users/me');
  if (row.token === 'not checked')
    lines.push('       static token, not checked (pass --check to try it with GET /users/me)');
  if (row.token === 'failed') lines.push(`       no token${where}: ${row.error}`);
  return `${lines.join('\n')}\n`;
}
