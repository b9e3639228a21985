// Flags, environment and config file in; a TailConfig out; then the core does the work.
import { UsageError } from '../errors.js';
import type { ProgramContext } from '../cli.js';
import type { ColorChoice } from '../output/color.js';
import { DEFAULT_ASANA_BASE_URL, validateAsanaFields } from '../providers/asana.js';
import { DEFAULT_BOX_BASE_URL } from '../providers/box.js';
import { parseWhen } from '../when.js';
import { validateCrawlFields } from '../providers/asana-crawl.js';
import { parseReference, type Reference } from '../refs.js';
import { readRefsFile } from '../refs-file.js';
import { parseShard } from '../shard.js';
import { configDir, parseSeconds, pick, readFileSettings } from '../settings.js';
import { runTail, type TailConfig } from '../follow/run.js';
import type { OnExpire } from '../follow/loop.js';
import { userAgent } from '../version.js';

const GROUP = /^[A-Za-z0-9._-]{1,64}$/;

/** --relist bounds: at least a second; at most a day (Node timers overflow past 2^31 ms). */
const RELIST_MIN_S = 1;
const RELIST_MAX_S = 86_400;

export function buildTailConfig(resources: string[], flags: Record<string, unknown>, env: NodeJS.ProcessEnv, fileRefs: Reference[] = []): TailConfig {
  const str = (name: string): string | undefined => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const refs = [...resources.map(parseReference), ...fileRefs];
  if (!refs.length) {
    throw new UsageError(
      flags['refsFile'] === undefined ? 'no resource to follow' : `the references file ${str('refsFile') === '-' ? '(stdin)' : str('refsFile')} names no resource`,
      'name one or more resources (gid, Asana URL, projects:<workspace gid>, box, ...) or --refs-file FILE with one per line',
    );
  }
  const dir = configDir(env);
  const file = readFileSettings(dir);

  const group = pick(str('group'), file.group, 'default')!;
  if (!GROUP.test(group)) throw new UsageError(`--group "${group}" is not a valid name`, 'use letters, digits, dot, dash or underscore');
  const color = pick(str('color'), file.color, 'auto') as ColorChoice;
  if (!['auto', 'always', 'never'].includes(color)) throw new UsageError(`--color must be auto, always or never, not "${color}"`, 'for example --color never');
  const onExpire = (str('onExpire') ?? 'recrawl') as OnExpire;
  if (!['recrawl', 'warn', 'fail'].includes(onExpire)) throw new UsageError(`--on-expire must be recrawl, warn or fail, not "${onExpire}"`, 'for example --on-expire fail');
  const fields = str('fields') ? validateAsanaFields(str('fields')!.split(',').map((f) => f.trim()).filter(Boolean)) : undefined;
  const once = flags['once'] === true;
  const list = (name: string): string[] | undefined => {
    const value = flags[name];
    const items = Array.isArray(value) ? (value as string[]) : typeof value === 'string' ? value.split(',').map((f) => f.trim()).filter(Boolean) : [];
    return items.length ? items : undefined;
  };
  const maxEvents = str('maxEvents');
  if (maxEvents !== undefined && !/^[1-9]\d*$/.test(maxEvents)) throw new UsageError(`--max-events must be a whole number above 0, not "${maxEvents}"`, 'for example --max-events 100');
  const relist = parseSeconds('--relist', pick<string | number>(str('relist'), file.relist) ?? 600, { allowZero: false })!;
  if (relist < RELIST_MIN_S || relist > RELIST_MAX_S) throw new UsageError(`--relist must be from ${RELIST_MIN_S} to ${RELIST_MAX_S} seconds, not ${relist}`, 'for example --relist 600 (ten minutes, the default)');
  const crawlFields = list('crawlFields') ? validateCrawlFields(list('crawlFields')!) : undefined;

  return {
    refs: dedupeRefs(refs),
    once,
    json: flags['json'] === true,
    group,
    intervalMs: 1000 * parseSeconds('--interval', pick<string | number>(str('interval'), file.interval) ?? 5, { allowZero: false })!,
    fields,
    crawlFields,
    snapshot: flags['snapshot'] === true,
    color,
    quiet: flags['quiet'] === true,
    verbose: flags['verbose'] === true,
    asana: { baseUrl: pick(str('asanaBaseUrl'), env['ASANA_BASE_URL'], file.asanaBaseUrl, DEFAULT_ASANA_BASE_URL)!, token: env['ASANA_ACCESS_TOKEN'] || undefined },
    box: {
      baseUrl: pick(str('boxBaseUrl'), env['BOX_BASE_URL'], file.boxBaseUrl, DEFAULT_BOX_BASE_URL)!,
      token: env['BOX_ACCESS_TOKEN'] || undefined,
      fromStart: flags['fromStart'] === true,
      eventTypes: list('eventType'),
      since: str('since') ? parseWhen('--since', str('since')!) : undefined,
      until: str('until') ? parseWhen('--until', str('until')!) : undefined,
    },
    stateDir: dir,
    timeoutMs: 1000 * parseSeconds('--timeout', pick<string | number>(str('timeout'), file.timeout) ?? 30, { allowZero: false })!,
    retry: {
      baseMs: Number(str('retryBaseMs') ?? 1000),
      capMs: Number(str('retryCapMs') ?? 30_000),
      // Follow mode outlives outages; a cron run gives up and lets the next run try again.
      giveUpAfterMs: once ? 1000 * parseSeconds('--give-up', str('giveUp') ?? 120)! : undefined,
    },
    lockWaitMs: 1000 * parseSeconds('--wait-lock', str('waitLock') ?? 0)!,
    onExpire,
    allowInsecureHttp: flags['allowInsecureHttp'] === true,
    output: str('output'),
    filters: { actions: list('action'), resourceTypes: list('resourceType'), fields: list('field'), users: list('user'), eventTypes: list('eventType') },
    maxEvents: maxEvents === undefined ? undefined : Number(maxEvents),
    shard: str('shard') === undefined ? undefined : parseShard(str('shard')!),
    relistMs: Math.round(relist * 1000),
    userAgent: userAgent(),
  };
}

/** The same subscription named twice (a gid and its URL) is read once. */
function dedupeRefs<T extends { id: string }>(refs: T[]): T[] {
  const seen = new Set<string>();
  return refs.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
}

export async function tailCommand(resources: string[], flags: Record<string, unknown>, ctx: ProgramContext): Promise<number> {
  const refsFile = typeof flags['refsFile'] === 'string' ? (flags['refsFile'] as string) : undefined;
  const fileRefs = refsFile === undefined ? [] : await readRefsFile(refsFile, process.stdin);
  const config = buildTailConfig(resources, flags, process.env, fileRefs);
  return runTail(config, { stdout: process.stdout, stderr: process.stderr, env: process.env, stop: ctx.stop });
}
