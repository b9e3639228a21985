// `events emulator`: the local Asana/Box emulator as a standalone server, so users can rehearse
// jq pipelines, cron scripts and outages (POST /_emulator/faults) offline.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IO } from '../core/io.js';
import type { OptionsOf } from '../config/settings.js';
import { UnavailableError, UsageError } from '../core/errors.js';
import { readCertAndKey } from '../app/pem-files.js';

/** The flags of `events emulator`, checked by their rows of the settings table (ranges included). */
type EmulatorFlags = OptionsOf<'emulator'>;

export async function emulatorCommand(flags: EmulatorFlags, io: IO): Promise<number> {
  const port = flags.port ?? 4010;
  const activityMs = flags.activity ?? 2000;
  const host = flags.host ?? '127.0.0.1';
  const { parseRateLimit } = await import('../emulator/rate-limit.js');
  const budget = flags.rateLimit === undefined ? undefined : parseRateLimit(flags.rateLimit);
  if (flags.rateLimit !== undefined && !budget)
    throw new UsageError(
      `--rate-limit must be requests per window, like 150/10s or 1500/min, not "${flags.rateLimit}"`,
      'for example --rate-limit 150/10s',
    );
  const concurrency = flags.concurrencyLimit ?? 50;
  const lifetime = flags.tokenLifetime ?? 3600;
  const jwtFile = flags.writeBoxJwtConfig;
  const { startEmulator } = await import('../emulator/index.js');
  const boxHugePositions = flags.boxHugePositions === true;
  const { OAUTH_DEFAULTS, boxJwtConfigJson, generateBoxJwtKeyPair } = await import('../emulator/oauth.js');
  // A fresh key pair per run: the config file is only good against this emulator.
  const keys = jwtFile ? generateBoxJwtKeyPair() : undefined;
  const tls = await tlsFromFlags(flags, host);
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator({
      host,
      port,
      activity: activityMs > 0 ? { intervalMs: activityMs } : false,
      boxHugePositions,
      rateLimit: { ...budget, concurrency },
      oauth: { accessTokenLifetimeS: lifetime, box: keys ? { jwtPublicKey: keys.publicKeyPem } : {} },
      ...(tls ? { tls: tls.pem } : {}),
    });
  } catch (error) {
    tls?.cleanup();
    throw listenFailed(error, host, port);
  }
  const { asana } = emulator;
  const box = emulator.oauth.box;
  if (jwtFile && keys) {
    const text = boxJwtConfigJson(keys, {
      clientId: box.clientId,
      clientSecret: box.clientSecret,
      publicKeyId: box.jwtPublicKeyId,
      enterpriseId: box.enterpriseId,
    });
    try {
      fs.writeFileSync(jwtFile, text, { mode: 0o600 });
      fs.chmodSync(jwtFile, 0o600); // an existing file keeps its mode otherwise
    } catch (error) {
      await emulator.close();
      tls?.cleanup();
      throw new UsageError(
        `cannot write --write-box-jwt-config ${jwtFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        'choose a writable path',
      );
    }
  }
  // Throw-away credentials of the emulator's own apps: printing them is the point.
  const refresh = OAUTH_DEFAULTS.asana.refreshTokens[0]!;
  // Clients (events itself, curl through Node, scripts) must trust the run's private CA.
  const trust = tls?.caFile ? `NODE_EXTRA_CA_CERTS=${tls.caFile} ` : '';
  io.stdout.write(
    [
      `events emulator listening on ${emulator.url}`,
      ...(tls?.caFile
        ? [
            `  TLS: a certificate for ${tls.hosts.join(', ')} from a private CA made for this run; run clients with NODE_EXTRA_CA_CERTS=${tls.caFile}`,
          ]
        : tls
          ? [`  TLS: the certificate of --cert ${tls.certFile}`]
          : []),
      `  Asana: ASANA_BASE_URL=${emulator.url}/api/1.0  (any bearer token)`,
      `  Box:   BOX_BASE_URL=${emulator.url}/2.0  (stream positions ${boxHugePositions ? 'above 2^60: stress mode' : 'safe integers, as in real accounts'})`,
      `  workspace ${asana.workspaceGid}; projects ${asana.projectGids.join(', ')}`,
      `  limits per token: ${budget ? `${budget.requests} requests per ${budget.windowMs / 1000} s, ` : ''}${concurrency} in flight (over them: 429)`,
      `  try:   ${trust}ASANA_BASE_URL=${emulator.url}/api/1.0 ASANA_ACCESS_TOKEN=x events tail ${asana.projectGids[0]}`,
      `  control: GET ${emulator.url}/_emulator, POST /_emulator/asana/events, /_emulator/asana/expire, /_emulator/faults`,
      `  issued access tokens live ${lifetime} s`,
      `  Box Client Credentials Grant:`,
      `    BOX_BASE_URL=${emulator.url}/2.0 BOX_CLIENT_ID=${box.clientId} BOX_CLIENT_SECRET=${box.clientSecret} BOX_ENTERPRISE_ID=${box.enterpriseId}`,
      jwtFile
        ? `  Box JWT (config written to ${jwtFile}, mode 0600):`
        : '  Box JWT: pass --write-box-jwt-config FILE for a config.json of a generated key pair',
      ...(jwtFile ? [`    BOX_BASE_URL=${emulator.url}/2.0 BOX_JWT_CONFIG=${path.resolve(jwtFile)}`] : []),
      `  Asana OAuth refresh:`,
      `    ASANA_BASE_URL=${emulator.url}/api/1.0 ASANA_CLIENT_ID=${emulator.oauth.asana.clientId} ASANA_CLIENT_SECRET=${emulator.oauth.asana.clientSecret} ASANA_REFRESH_TOKEN=${refresh}`,
      'Ctrl-C to stop',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => io.stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  await emulator.close();
  tls?.cleanup();
  // Stopped by Ctrl-C (130) or SIGTERM (143), as tail: a script can tell a signal from a clean end.
  const reason: unknown = io.stop.signal.reason;
  return typeof reason === 'number' ? reason : 0;
}

interface TlsSetup {
  pem: { cert: string; key: string };
  /** The generated CA's certificate, for NODE_EXTRA_CA_CERTS; undefined with --cert. */
  caFile?: string;
  certFile?: string;
  hosts: string[];
  cleanup(): void;
}

/**
 * --cert/--key: the user's certificate, checked before listening. --tls alone: a private CA and a
 * leaf for the loopback names (and --host), made for this run; the CA goes to a temp folder that
 * is removed on exit, and its private key never leaves memory.
 */
async function tlsFromFlags(flags: EmulatorFlags, host: string): Promise<TlsSetup | undefined> {
  const { cert: certFile, key: keyFile } = flags;
  if (certFile === undefined && keyFile === undefined) {
    if (flags.tls !== true) return undefined;
    const { makeCa, makeLeaf } = await import('../emulator/certificates.js');
    const hosts = ['localhost', '127.0.0.1', '::1'];
    if (host !== '0.0.0.0' && host !== '::' && !hosts.includes(host)) hosts.push(host);
    const ca = makeCa({ commonName: 'events emulator CA (this run only)' });
    const leaf = makeLeaf(ca, { hosts });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-emulator-tls-'));
    const caFile = path.join(dir, 'ca.pem');
    fs.writeFileSync(caFile, ca.cert);
    return { pem: leaf, caFile, hosts, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  if (certFile === undefined)
    throw new UsageError(
      '--key needs --cert: the certificate that goes with the key',
      'pass both --cert FILE and --key FILE, or --tls alone for a generated certificate',
    );
  if (keyFile === undefined)
    throw new UsageError(
      '--cert needs --key: the private key of the certificate',
      'pass both --cert FILE and --key FILE, or --tls alone for a generated certificate',
    );
  const { cert, key } = await readCertAndKey(certFile, keyFile);
  return { pem: { cert, key }, certFile, hosts: [], cleanup: () => undefined };
}

/** EADDRINUSE and friends are the user's to fix (another port or address), not a bug. */
function listenFailed(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (code === 'EADDRINUSE')
    return new UnavailableError(
      `cannot listen on ${where}: the port is already in use`,
      `stop what uses it, or pass another --port (0 picks a free one)`,
    );
  if (code === 'EADDRNOTAVAIL')
    return new UnavailableError(
      `cannot listen on ${where}: ${host} is not an address of this machine`,
      'pass --host 127.0.0.1 (the default) or an address of this machine',
    );
  if (code === 'EACCES')
    return new UnavailableError(
      `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`,
      'pass a --port above 1023',
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new UsageError(`--host ${host} is not an address or a known host name`, 'for example --host 127.0.0.1');
  return error;
}
