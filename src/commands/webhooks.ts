// `events webhooks list|remove`: the webhooks `events tail --webhook-url` created, as its state
// folder records them (state/webhooks.ts). list asks Asana whether each is live when a token is
// set (GET /webhooks/{gid}); remove deletes them at Asana (DELETE /webhooks/{gid}) and forgets
// them. No secret is ever printed: a record shows only whether one is stored.
import { AuthError, NotFoundError, UsageError } from '../core/errors.js';
import type { IO } from '../core/io.js';
import type { ProviderContext } from '../core/provider.js';
import { isExpander, parseReference } from '../core/refs.js';
import type { Webhook } from '../core/wake.js';
import { HOW_TO_CONFIGURE, resolveAuth } from '../auth/resolve.js';
import { configDir } from '../config/folder.js';
import { readFileSettings } from '../config/file.js';
import { pick, type FileSettings, type OptionsOf } from '../config/settings.js';
import { redactedLines, redactValue } from '../lib/redact.js';
import { userAgent } from '../lib/version.js';
import { DEFAULT_ASANA_BASE_URL } from '../providers/defaults.js';
import type { AsanaWebhooksClient } from '../providers/asana/webhooks.js';
import { CursorStore } from '../state/cursors.js';
import { acquireLock } from '../state/lock.js';
import { WebhookStore, type WebhookRecord } from '../state/webhooks.js';

/** Asana's side of the stored webhooks, on the API host `events tail` would use now. */
interface Asana {
  host: string;
  client: AsanaWebhooksClient;
  ctx: ProviderContext;
  close(): Promise<void>;
}

export async function webhooksList(flags: OptionsOf<'webhooks list'>, io: IO): Promise<number> {
  const dir = configDir(io.env);
  const settings = readFileSettings(dir, redactedLines(io.stderr, 'events: '));
  const group = flags.group ?? settings.group;
  const records = new WebhookStore(dir, { create: false }).list(group === undefined ? {} : { group }, (file, error) =>
    io.stderr.write(`events: warning: unreadable webhook state file ${file}: ${error.message}\n`),
  );
  // Without credentials the list still shows what is stored; "live" is then unknown.
  const asana = records.length ? await connect(io, settings, false) : undefined;
  if (records.length && !asana)
    io.stderr.write('events: note: no Asana credentials (ASANA_ACCESS_TOKEN): not asking Asana which are live\n');
  const rows = [];
  try {
    for (const record of records) rows.push({ ...row(record), live: await liveAt(asana, record) });
  } finally {
    await asana?.close();
  }
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(rows.map((r) => redactValue(r)))}\n`);
    return 0;
  }
  if (!rows.length) {
    io.stderr.write(
      `events: no webhooks stored${group ? ` in group ${group}` : ''} (events tail --webhook-url creates them)\n`,
    );
    return 0;
  }
  const table = [
    ['GROUP', 'SUBSCRIPTION', 'WEBHOOK', 'TARGET', 'LIVE'],
    ...rows.map((r) => [
      r.group,
      r.subscription,
      r.webhook_gid ?? '-',
      r.target,
      r.live === null ? '?' : r.live ? 'yes' : 'no',
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((cells) => cells[i]!.length)));
  for (const cells of table)
    io.stdout.write(
      `${cells
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}

export async function webhooksRemove(refs: string[], flags: OptionsOf<'webhooks remove'>, io: IO): Promise<number> {
  if (!refs.length && flags.all !== true)
    throw new UsageError(
      'name the subscriptions whose webhooks to remove, or pass --all',
      "for example events webhooks remove 1204567890123456; see 'events webhooks list'",
    );
  if (refs.length && flags.all === true)
    throw new UsageError('pass references or --all, not both', 'for example events webhooks remove --all');
  const ids = new Set(
    refs.map((text) => {
      const ref = parseReference(text);
      if (isExpander(ref) || ref.provider !== 'asana' || ref.kind !== 'resource')
        throw new UsageError(
          `${ref.label} has no webhook of its own: webhooks belong to projects, tasks and other Asana resources`,
          "name them by gid; see 'events webhooks list'",
        );
      return ref.id;
    }),
  );
  const dir = configDir(io.env);
  const settings = readFileSettings(dir, redactedLines(io.stderr, 'events: '));
  const group = flags.group ?? settings.group;
  const store = new WebhookStore(dir, { create: false });
  const records = store
    .list(group === undefined ? {} : { group })
    .filter((r) => flags.all === true || ids.has(r.subscription));
  if (!records.length)
    throw new NotFoundError(
      `no stored webhook${refs.length ? ` for ${refs.join(', ')}` : 's'}${group ? ` in group ${group}` : ''}`,
      "see 'events webhooks list' for what is stored",
    );
  const asana = (await connect(io, settings, true))!;
  const cursors = new CursorStore(dir, { create: false });
  const removed: Array<ReturnType<typeof row> & { deleted: boolean }> = [];
  try {
    for (const record of records) {
      if (record.host !== asana.host)
        throw new UsageError(
          `the webhook of ${record.subscription} (group ${record.group}) was created on ${record.host}, not on ${asana.host}`,
          `set ASANA_BASE_URL to that host's API (as the tail that created it ran), then remove it again`,
        );
      // A running tail holds the lock: it would create the webhook again at its next check.
      const release = await acquireLock(cursors.lockPath(record), {
        waitMs: 0,
        description: `${record.subscription} (group ${record.group})`,
        advice: 'stop that process (or let it end), then remove its webhook again',
      });
      try {
        const deleted = record.webhookGid !== undefined && (await asana.client.delete(record.webhookGid, asana.ctx));
        new WebhookStore(dir).remove(record);
        removed.push({ ...row(record), deleted });
      } finally {
        release();
      }
      if (!flags.json)
        io.stderr.write(
          `events: ${removed.at(-1)!.deleted ? `deleted webhook ${record.webhookGid} at Asana` : 'the webhook was already gone at Asana'}, and forgot it: ${record.subscription} (group ${record.group})\n`,
        );
    }
  } finally {
    await asana.close();
  }
  if (flags.json) io.stdout.write(`${JSON.stringify({ removed: removed.map((r) => redactValue(r)) })}\n`);
  return 0;
}

/** What a record shows: never its secret. */
function row(record: WebhookRecord) {
  return {
    provider: record.provider,
    host: record.host,
    group: record.group,
    subscription: record.subscription,
    resource: record.resource,
    webhook_gid: record.webhookGid ?? null,
    target: record.target,
    saved_at: record.savedAt,
  };
}

/** Whether Asana has the webhook active with the stored target; null when it cannot be asked. */
async function liveAt(asana: Asana | undefined, record: WebhookRecord): Promise<boolean | null> {
  if (!asana || record.host !== asana.host) return null;
  if (record.webhookGid === undefined) return false;
  const found: Webhook | undefined = await asana.client.get(record.webhookGid, asana.ctx);
  return found !== undefined && found.active && found.target === record.target;
}

/**
 * The Asana API `events tail` would use now (ASANA_BASE_URL, else config.json, else the real
 * one); undefined without credentials, or an error when `required`.
 */
async function connect(io: IO, settings: FileSettings, required: boolean): Promise<Asana | undefined> {
  const baseUrl = pick(io.env['ASANA_BASE_URL'], settings.asanaBaseUrl, DEFAULT_ASANA_BASE_URL)!;
  const [{ HttpClient }, { checkTransport }, { AsanaWebhooksClient }] = await Promise.all([
    import('../net/http.js'),
    import('../app/tail.js'),
    import('../providers/asana/webhooks.js'),
  ]);
  checkTransport(baseUrl, false, 'ASANA_BASE_URL');
  const http = new HttpClient({
    userAgent: userAgent(),
    timeoutMs: 1000 * (settings.timeout ?? 30),
    env: io.env,
    proxy: settings.proxy === undefined ? undefined : { url: settings.proxy, from: 'config' },
    maxAnswerBytes: settings.maxAnswerSize,
  });
  const retry = { baseMs: 1000, capMs: 30_000, giveUpAfterMs: 1000 * (settings.timeout ?? 30) };
  const auth = resolveAuth('asana', io.env, { http, retry, baseUrl, warn: redactedLines(io.stderr) });
  if (!auth) {
    await http.close();
    if (required) throw new AuthError('no Asana credentials: ASANA_ACCESS_TOKEN is not set', HOW_TO_CONFIGURE.asana);
    return undefined;
  }
  return {
    host: new URL(baseUrl).host,
    client: new AsanaWebhooksClient({ baseUrl, auth, http, retry }),
    ctx: { signal: io.stop.signal, report: { retrying: () => undefined, recovered: () => undefined } },
    close: () => http.close(),
  };
}
