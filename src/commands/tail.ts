// Flags, environment and config file in; a TailConfig out; then the core does the work.
import { UsageError } from '../core/errors.js';
import type { IO } from '../core/io.js';
import type { ColorChoice } from '../output/color.js';
import { validateAsanaFields } from '../providers/asana/provider.js';
import { checkWindow, parseWhen } from '../core/when.js';
import { validateCrawlFields } from '../providers/asana/crawl.js';
import { parseReference, type Reference } from '../core/refs.js';
import { readRefsFile } from '../app/refs-file.js';
import { parseShard } from '../core/shard.js';
import { configDir } from '../config/folder.js';
import { readFileSettings } from '../config/file.js';
import {
  parseListen,
  proxyChoice,
  settingSource,
  resolveSettings,
  type OptionsOf,
  type OptionValues,
  type SettingCommand,
  type Settings,
} from '../config/settings.js';
import { badValue } from '../core/bounds.js';
import { checkFilters, fieldsNeededBy, type FilterSpec } from '../core/filter.js';
import { FILTER_VALUES } from '../providers/filter-values.js';
import { runTail, type TailConfig } from '../app/tail.js';
import type { OnExpire } from '../follow/loop.js';
import { CursorStore } from '../state/cursors.js';
import { userAgent } from '../lib/version.js';
import { redactedLines } from '../lib/redact.js';

/**
 * The settings of a run of `command`: commander's flags and variables, then config.json beneath
 * them (unknown keys warn through `warn`), then the defaults.
 */
export function commandSettings(
  command: SettingCommand,
  options: OptionValues,
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void,
): Settings {
  return resolveSettings(command, options, readFileSettings(configDir(env), warn), env);
}

/** The flags of `events tail` that are not settings, as the program checked them. */
export type TailFlags = OptionsOf<'tail'>;

/**
 * Flags and resolved settings into a TailConfig. Warnings (unknown Box event types, a --since
 * that a stored cursor overrides) go to `warn`, one line each.
 */
export function buildTailConfig(
  resources: string[],
  flags: TailFlags,
  settings: Settings,
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void = () => undefined,
  fileRefs: Reference[] = [],
): TailConfig {
  const refs = dedupeRefs([...resources.map(parseReference), ...fileRefs]);
  if (!refs.length) {
    throw new UsageError(
      flags.refsFile === undefined
        ? 'no resource to follow'
        : `the references file ${flags.refsFile === '-' ? '(stdin)' : flags.refsFile} names no resource`,
      "name one or more resources (gid, Asana URL, projects:<workspace gid>, box, ...) or --refs-file FILE with one per line; see 'events tail --help'",
    );
  }
  const dir = configDir(env);
  const { group } = settings;
  const once = flags.once === true;
  const filters: FilterSpec = {
    actions: flags.action,
    resourceTypes: flags.resourceType,
    fields: flags.field,
    users: flags.user,
    eventTypes: flags.eventType,
  };
  checkFilters(filters, FILTER_VALUES, warn, [...new Set(refs.map((r) => r.provider))]);
  // A filter on a field that --fields left out would drop every event: request it as well.
  const fields = flags.fields
    ? [...new Set([...validateAsanaFields(flags.fields), ...fieldsNeededBy(filters)])]
    : undefined;
  const crawlFields = flags.crawlFields ? validateCrawlFields(flags.crawlFields) : undefined;
  const retryBaseMs = flags.retryBaseMs ?? 1000;
  const retryCapMs = flags.retryCapMs ?? 30_000;
  if (retryCapMs < retryBaseMs)
    throw badValue('--retry-cap-ms', `at least --retry-base-ms (${retryBaseMs})`, retryCapMs, String(retryBaseMs * 30));

  const window = timeWindow(refs, flags.since, flags.until);
  const { boxBaseUrl } = settings;
  if (window.since)
    window.since = storedCursorWins(refs, window.since, { dir, group, boxBaseUrl, quiet: flags.quiet === true }, warn);

  return {
    refs,
    once,
    json: flags.json === true,
    group,
    intervalMs: 1000 * settings.interval,
    fields,
    crawlFields,
    snapshot: flags.snapshot === true,
    color: settings.color as ColorChoice,
    quiet: flags.quiet === true,
    verbose: flags.verbose === true,
    asana: { baseUrl: settings.asanaBaseUrl },
    box: {
      baseUrl: boxBaseUrl,
      fromStart: flags.fromStart === true,
      eventTypes: flags.eventType,
      since: window.since,
      until: window.until,
    },
    stateDir: dir,
    timeoutMs: 1000 * settings.timeout,
    retry: {
      baseMs: retryBaseMs,
      capMs: retryCapMs,
      // Follow mode outlives outages; a cron run gives up and lets the next run try again.
      giveUpAfterMs: once ? 1000 * settings.giveUp : undefined,
    },
    lockWaitMs: 1000 * settings.waitLock,
    onExpire: settings.onExpire as OnExpire,
    allowInsecureHttp: flags.allowInsecureHttp === true,
    output: settings.output,
    filters,
    maxEvents: settings.maxEvents,
    shard: flags.shard === undefined ? undefined : parseShard(flags.shard),
    relistMs: 1000 * settings.relist,
    ratePerMin: settings.rate,
    proxy: proxyChoice(settings),
    maxAnswerBytes: settings.maxAnswerSize,
    userAgent: userAgent(),
    webhooks: webhookConfig(settings, once),
  };
}

/**
 * --webhook-url and its companions; undefined without it (nothing changes then). Companions given
 * as flags without --webhook-url, --once with it, and --cert without --key are usage errors.
 */
function webhookConfig(settings: Settings, once: boolean): TailConfig['webhooks'] {
  const companions = (['listen', 'webhookPoll', 'cert', 'key'] as const).filter(
    (key) => settingSource(settings, key) === 'cli',
  );
  const url = settings.webhookUrl;
  if (url === undefined) {
    const flag = companions.map((key) => FLAG_OF[key])[0];
    if (flag)
      throw new UsageError(
        `${flag} only works with --webhook-url (webhooks are off without it)`,
        `add --webhook-url <public https URL>, or drop ${flag}; see docs/webhooks.md`,
      );
    return undefined;
  }
  const from = {
    cli: '--webhook-url',
    env: 'EVENTS_WEBHOOK_URL',
    config: 'webhookUrl in config.json',
    default: '--webhook-url',
  }[settingSource(settings, 'webhookUrl')];
  // config.json's webhookUrl is a standing preference for the runs that follow; a cron run's
  // --once has nothing to wake and reads as it always did. Asked for on this run, it is a mistake.
  if (once && from === 'webhookUrl in config.json') return undefined;
  if (once)
    throw new UsageError(
      `--once does not take webhooks (${from}): a webhook wakes a tail that keeps running, and --once ends when it has read everything`,
      `run without --once, or drop ${from} for cron runs`,
    );
  if ((settings.cert === undefined) !== (settings.key === undefined))
    throw new UsageError(
      settings.cert === undefined
        ? '--key needs --cert: the certificate that goes with the key'
        : '--cert needs --key: the private key of the certificate',
      'pass both --cert FILE and --key FILE for HTTPS, or neither (a reverse proxy ends TLS)',
    );
  return {
    url,
    listen: parseListen(settings.listen)!,
    tls: settings.cert === undefined ? undefined : { certFile: settings.cert, keyFile: settings.key! },
    pollMs: 1000 * settings.webhookPoll,
  };
}

const FLAG_OF = { listen: '--listen', webhookPoll: '--webhook-poll', cert: '--cert', key: '--key' } as const;

/** --since/--until: Box admin_logs only (Asana cannot read back in time), and in order. */
function timeWindow(
  refs: Reference[],
  since: string | undefined,
  until: string | undefined,
): { since?: string; until?: string } {
  if (since === undefined && until === undefined) return {};
  const flag = since !== undefined ? '--since' : '--until';
  const asana = refs.find((r) => r.provider === 'asana');
  if (asana)
    throw new UsageError(
      `${flag} does not work on Asana (${asana.label}): its events API only reads forward from a sync token`,
      'use --since/--until with box:admin_logs, or --snapshot for the current state of an Asana resource',
    );
  const window = {
    since: since === undefined ? undefined : parseWhen('--since', since),
    until: until === undefined ? undefined : parseWhen('--until', until),
  };
  checkWindow(window.since, window.until);
  return window;
}

/**
 * A stored cursor wins over --since: the window's start only chooses where a first run begins,
 * so a cron line with `--since 7d` neither re-reads the week every run nor skips what lies
 * between the stored position and the new start. `events state reset` reads the window again.
 */
function storedCursorWins(
  refs: Reference[],
  since: string,
  where: { dir: string; group: string; boxBaseUrl: string; quiet: boolean },
  warn: (line: string) => void,
): string | undefined {
  // Only a valid window can be overridden: anything else stays for the provider to refuse.
  const boxRefs = refs.filter((r) => r.provider === 'box');
  const ref = boxRefs[0];
  if (boxRefs.length !== 1 || ref?.provider !== 'box' || ref.streamType !== 'admin_logs') return since;
  let host: string;
  try {
    host = new URL(where.boxBaseUrl).host;
  } catch {
    return since; // reported as a bad BOX_BASE_URL when the provider is built
  }
  const stored = new CursorStore(where.dir)
    .file({ provider: 'box', host, subscription: ref.id, group: where.group })
    .load();
  if (!stored) return since;
  if (!where.quiet)
    warn(
      `note: ${ref.label} (group ${where.group}) has a stored cursor, which wins over --since: reading goes on from where the last run stopped (\`events state reset ${ref.id}\` reads the window again)`,
    );
  return undefined;
}

/** The same subscription named twice (a gid and its URL) is read once. */
function dedupeRefs<T extends { id: string }>(refs: T[]): T[] {
  const seen = new Set<string>();
  return refs.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
}

/** `events tail`: the settings, the references file, a TailConfig, then `run` (runTail) does the work. */
export async function tailCommand(
  resources: string[],
  flags: TailFlags,
  options: OptionValues,
  io: IO,
  run: typeof runTail = runTail,
): Promise<number> {
  const warn = redactedLines(io.stderr, 'events: ');
  // Checked before the references file is read: a bad variable must not consume stdin first.
  const settings = commandSettings('tail', options, io.env, warn);
  const fileRefs = flags.refsFile === undefined ? [] : await readRefsFile(flags.refsFile, io.stdin, warn);
  const config = buildTailConfig(resources, flags, settings, io.env, warn, fileRefs);
  return run(config, io);
}
