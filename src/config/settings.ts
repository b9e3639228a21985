// The settings table: every flag of every command in one row each (its value and how that is
// checked, what an empty value means, help; for a setting also its variable, config.json key and
// default). src/cli/program.ts makes the commander options, --help and the completions from it,
// src/config/flag-rules.ts checks every value with it, readFileSettings (config/file.ts) checks
// config.json with it, `events config` knows its keys from it, and resolveSettings gives the commands one typed
// object. Precedence: a flag beats the environment, which beats config.json (in the config
// folder, config/folder.ts), which beats the default. Access tokens come from the environment only: never from a
// flag (visible in `ps`) nor from a file this tool writes.
import { BOUNDS, checkBound, describeBound, describeSize, parseSize, type Bound } from '../core/bounds.js';
import { MAX_SHARDS } from '../core/shard.js';
import { UsageError } from '../core/errors.js';
import { parseRate, RATE_BOUNDS } from '../core/rate.js';
import { redactText } from '../lib/redact.js';
import { closest, orList } from '../lib/suggest.js';
import { groupDigits } from '../lib/digits.js';
import { isLoopback } from '../lib/loopback.js';

/** Every command that takes flags, by its path (`auth` is `auth status`). */
export type CommandName =
  | 'tail'
  | 'snapshot'
  | 'auth'
  | 'demo'
  | 'emulator'
  | 'state list'
  | 'state show'
  | 'state reset'
  | 'state path'
  | 'config list'
  | 'webhooks list'
  | 'webhooks remove';
/** The commands whose settings resolve flag, then variable, then config.json, then default. */
export type SettingCommand = 'tail' | 'snapshot' | 'auth';

/** A consumer group names a file: letters, digits, dot, dash, underscore. */
export const GROUP_NAME = /^[A-Za-z0-9._-]{1,64}$/;
export const COLOR_CHOICES = ['auto', 'always', 'never'] as const;
export const ON_EXPIRE_CHOICES = ['recrawl', 'warn', 'fail'] as const;
export const PROVIDER_CHOICES = ['asana', 'box'] as const;

interface Row<C extends readonly CommandName[]> {
  /** The flag and its value, as commander spells it; its camelCase name is the row's key. */
  flag: string;
  /** Which commands take the flag. */
  commands: C;
  /** --help text; per command where they differ. */
  help: string | Partial<Record<CommandName, string>>;
  /**
   * What docs/flags.md says, when it says more than --help (links, defaults): for the first of
   * `commands`, and every command whose --help text of the flag is the same.
   */
  doc?: string;
  /** Not in --help, the completions or docs/flags.md: knobs for tests. */
  hidden?: boolean;
}

/** What a value must be, for the one wording of a bad one: `--x must be …, not "v" (for example --x 5)`. */
interface Checked {
  mustBe: string;
  /** A good value, for "for example --interval 5". */
  example: string;
  /** The fix for a bad value, when it is more than an example. */
  hint?: string;
  /**
   * What an empty value means. 'refused' (when not given): a usage error naming the flag, so a
   * cron line's unset variable never silently drops a flag (`--output ''` never means stdout,
   * `--group ''` never `default`); 'unset': as if the flag were not given.
   */
  empty?: 'refused' | 'unset';
  /** `-` alone is a value (stdin or stdout), not a flag given where the value belongs. */
  stdio?: boolean;
  /** The value names a file: shells complete paths. */
  file?: boolean;
}

interface BooleanSpec<C extends readonly CommandName[]> extends Row<C> {}
interface ValueSpec<T, C extends readonly CommandName[]> extends Row<C>, Checked {
  /** The value of the flag (or variable, or config.json entry), or undefined when it is not one. */
  parse(raw: string | number): T | undefined;
  choices?: readonly string[];
}
/** Repeatable, and each value a comma list: --action added --action changed, --action added,changed. */
interface ListSpec<C extends readonly CommandName[]> extends Row<C>, Checked {}
interface SettingSpec<
  T,
  D extends T | undefined,
  C extends readonly SettingCommand[],
  A extends readonly CommandName[],
> extends ValueSpec<T, C> {
  /** The environment variable, when there is one (empty counts as unset). */
  env?: string;
  /** config.json may hold it, under the row's key. */
  config: boolean;
  default: D;
  /** How --help shows the default, when not as the value itself. */
  defaultText?: string;
  /** What a good value is in config.json, where examples are JSON ("600/min"), when it differs. */
  fileMustBe?: string;
  /** `events config set` stores the text as written ("600/min", "64MiB"), not the number. */
  keepText?: boolean;
  /** Commands that take the flag as a plain value: no variable, no config.json, no default. */
  alsoOn?: A;
}

export type BooleanFlag<C extends readonly CommandName[] = readonly CommandName[]> = BooleanSpec<C> & {
  kind: 'boolean';
};
export type ValueFlag<T = unknown, C extends readonly CommandName[] = readonly CommandName[]> = ValueSpec<T, C> & {
  kind: 'value';
};
export type ListFlag<C extends readonly CommandName[] = readonly CommandName[]> = ListSpec<C> & { kind: 'list' };
/** A flag whose value a variable or config.json may give too, with a default: `Settings` holds them. */
export type Setting<
  T = unknown,
  D extends T | undefined = T | undefined,
  C extends readonly SettingCommand[] = readonly SettingCommand[],
  A extends readonly CommandName[] = readonly CommandName[],
> = SettingSpec<T, D, C, A> & { kind: 'value' };
export type FlagRow = BooleanFlag | ValueFlag | ListFlag | Setting;

const flag = <const C extends readonly CommandName[]>(row: BooleanSpec<C>): BooleanFlag<C> => ({
  kind: 'boolean',
  ...row,
});
const value = <T, const C extends readonly CommandName[]>(row: ValueSpec<T, C>): ValueFlag<T, C> => ({
  kind: 'value',
  ...row,
});
const list = <const C extends readonly CommandName[]>(row: ListSpec<C>): ListFlag<C> => ({ kind: 'list', ...row });
function setting<
  T,
  D extends T | undefined = undefined,
  const C extends readonly SettingCommand[] = readonly SettingCommand[],
  const A extends readonly CommandName[] = [],
>(row: SettingSpec<T, D, C, A>): Setting<T, D, C, A> {
  return { kind: 'value', ...row };
}

const ALL = ['tail', 'snapshot', 'auth'] as const;

const httpUrl = (raw: string | number): string | undefined => {
  if (typeof raw !== 'string') return undefined;
  try {
    const { protocol } = new URL(raw);
    return protocol === 'https:' || protocol === 'http:' ? raw : undefined;
  } catch {
    return undefined; // not a URL
  }
};
/**
 * A base URL: paths are appended to it as text ("<base>/events?…"), so a query string or a
 * fragment in it would end up in the middle of every request's path.
 */
const baseUrl = (raw: string | number): string | undefined =>
  typeof raw === 'string' && !/[?#]/.test(raw) ? httpUrl(raw) : undefined;
/**
 * --webhook-url: Asana only delivers to https; plain http only to a loopback host (the emulator,
 * tests). `/hooks/<id>` is appended to it, so no query string or fragment either.
 */
const webhookUrl = (raw: string | number): string | undefined => {
  const url = baseUrl(raw);
  if (url === undefined) return undefined;
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || isLoopback(hostname) ? url : undefined;
};
/** --listen: host:port ([::1]:8787 for IPv6), a port from 1 to 65535 (--webhook-url must name it). */
export function parseListen(raw: string | number): { host: string; port: number } | undefined {
  if (typeof raw !== 'string') return undefined;
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/]+)):(\d{1,5})$/.exec(raw);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65_535) return undefined;
  return { host: (match[1] ?? match[2])!, port };
}
const numberIn = (bound: Bound) => ({
  parse: (raw: string | number) => checkBound(bound, raw),
  mustBe: describeBound(bound),
  example: bound.example,
});
const choice = <C extends string>(values: readonly C[]) => ({
  choices: values,
  parse: (raw: string | number) => ((values as readonly (string | number)[]).includes(raw) ? (raw as C) : undefined),
  mustBe: orList(values),
});
/** Any text but the empty one (which the row's `empty` decides). */
const text = (mustBe: string, example: string) => ({
  parse: (raw: string | number) => (typeof raw === 'string' && raw !== '' ? raw : undefined),
  mustBe,
  example,
});
/** A plain decimal whole number from min to max. */
const whole = (min: number, max: number) => (raw: string | number) => {
  const n = typeof raw === 'number' ? raw : /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
};
const SEE_FILTERS = 'see [filters](filters.md)';

/**
 * Every flag of every command, in the order --help lists them: the one place a flag, its value
 * and its rules, its variable and its config.json key are declared. commander's options, --help,
 * the completions, docs/flags.md and the checks of every value are made from it.
 */
export const FLAGS = {
  json: flag({
    flag: '--json',
    commands: [
      'tail',
      'snapshot',
      'demo',
      'auth',
      'state list',
      'state show',
      'state reset',
      'state path',
      'config list',
      'webhooks list',
      'webhooks remove',
    ],
    help: {
      tail: 'one JSON object per line on stdout',
      snapshot: 'JSON lines on stdout (the default with --output)',
      demo: 'print JSON lines instead of human lines',
      auth: 'a JSON array on stdout',
      'state list': 'a JSON array on stdout',
      'state show': 'a JSON array of the stored records on stdout',
      'state reset': 'print {"removed": [files]} on stdout',
      'state path': 'print {"path": ...} on stdout',
      'config list': 'a JSON object on stdout',
      'webhooks list': 'a JSON array on stdout',
      'webhooks remove': 'print {"removed": [webhooks]} on stdout',
    },
    doc: 'one JSON object per line on stdout, nothing else ever on stdout',
  }),
  once: flag({
    flag: '--once',
    commands: ['tail'],
    help: 'read everything new, save the cursor and exit (for cron)',
    doc: 'drain, save, exit (for cron)',
  }),
  refsFile: value({
    flag: '--refs-file <file>',
    commands: ['tail'],
    help: 'also follow the references in FILE, one per line (# comments; - for stdin)',
    doc: 'also follow the references in FILE, one per line (`#` comments; `-` for stdin); see [Following a whole workspace](scale.md#following-a-whole-workspace)',
    ...text('a file name (- for stdin)', 'refs.txt'),
    stdio: true,
    file: true,
  }),
  shard: value({
    flag: '--shard <K/N>',
    commands: ['tail'],
    help: 'follow only shard K of N: the references (and listed projects) whose hash lands in K',
    doc: `follow only the references (and listed projects) whose hash lands in shard K of N (1 ≤ K ≤ N ≤ ${groupDigits(MAX_SHARDS)}); see [Big installations](scale.md#big-installations)`,
    ...text('K/N, shard K of N', '2/3'),
  }),
  fields: list({
    flag: '--fields <list>',
    commands: ['tail'],
    help: 'Asana opt_fields for events, e.g. user.name,resource.name,change.new_value',
    doc: "Asana `opt_fields` for events: `user.name,resource.name,parent.name,change.new_value`, … (validated against the API's list)",
    mustBe: 'a comma list of Asana event fields',
    example: 'user.name,resource.name',
  }),
  snapshot: flag({
    flag: '--snapshot',
    commands: ['tail'],
    help: 'on a first run, also print the current state of each resource',
    doc: 'on a first run, also write the current state of each resource',
  }),
  crawlFields: list({
    flag: '--crawl-fields <list>',
    commands: ['tail', 'snapshot'],
    help: {
      tail: 'opt_fields for snapshot and re-crawl requests (default: a useful set)',
      snapshot: 'opt_fields for the requests (default: a useful set)',
    },
    doc: '`opt_fields` for snapshot and re-crawl requests',
    mustBe: 'a comma list of Asana fields',
    example: 'name,notes',
  }),
  fromStart: flag({
    flag: '--from-start',
    commands: ['tail'],
    help: 'Box: on a first run, read all retained events instead of starting now',
  }),
  action: list({
    flag: '--action <name>',
    commands: ['tail'],
    help: 'Asana: only events with this action (added, changed, removed, deleted, undeleted); repeatable',
    doc: `Asana: only events with this action (\`added\`, \`changed\`, \`removed\`, \`deleted\`, \`undeleted\`); repeatable; ${SEE_FILTERS}`,
    mustBe: 'added, changed, removed, deleted or undeleted',
    example: 'changed',
  }),
  resourceType: list({
    flag: '--resource-type <type>',
    commands: ['tail'],
    help: 'only events on this kind of resource (Asana task, story, ...; Box file, folder, ...; an Asana type the spec does not list is refused); repeatable',
    doc: `only events on this kind of resource (Asana \`task\`, \`story\`, …; Box \`file\`, \`folder\`, …); repeatable; ${SEE_FILTERS}`,
    mustBe: 'a resource type',
    example: 'task',
  }),
  field: list({
    flag: '--field <name>',
    commands: ['tail'],
    help: 'Asana: only changes of this field (e.g. completed, assignee; custom_fields for any custom field; a field the spec does not list is refused); repeatable',
    doc: `Asana: only changes of this field (\`completed\`, \`assignee\`; \`custom_fields\` for any custom field); repeatable; ${SEE_FILTERS}`,
    mustBe: 'a field name',
    example: 'completed',
  }),
  user: list({
    flag: '--user <who>',
    commands: ['tail'],
    help: 'only events by this user (gid/id, name or e-mail login); repeatable',
    doc: `only events by this user (gid/id, name or e-mail login); repeatable; ${SEE_FILTERS}`,
    mustBe: 'a user gid, name or e-mail login',
    example: 'alice@example.com',
  }),
  eventType: list({
    flag: '--event-type <type>',
    commands: ['tail'],
    help: 'Box: only these event types (sent as event_type on enterprise streams; a type the spec does not list gets a warning); repeatable',
    doc: `Box: only these event types (sent as \`event_type\` on enterprise streams); repeatable; ${SEE_FILTERS}`,
    mustBe: 'a Box event type',
    example: 'ITEM_UPLOAD',
  }),
  since: value({
    flag: '--since <when>',
    commands: ['tail'],
    help: 'box:admin_logs: events created after this (ISO date or 2h, 7d); on a first run only: a stored cursor wins',
    doc: `\`box:admin_logs\`: only events created after this (ISO date or \`2h\`, \`7d\`); on a first run only (a stored cursor wins); ${SEE_FILTERS}`,
    ...text('a date or a duration', '7d'),
  }),
  until: value({
    flag: '--until <when>',
    commands: ['tail'],
    help: 'box:admin_logs: events created before this (ISO date or 2h, 7d)',
    doc: `\`box:admin_logs\`: only events created before this (ISO date or \`2h\`, \`7d\`); ${SEE_FILTERS}`,
    ...text('a date or a duration', '2h'),
  }),
  check: flag({
    flag: '--check',
    commands: ['auth'],
    help: 'also try a static access token (GET /users/me); OAuth methods always get a token',
  }),
  asanaBaseUrl: setting({
    flag: '--asana-base-url <url>',
    env: 'ASANA_BASE_URL',
    config: true,
    commands: ALL,
    help: 'Asana API base URL',
    doc: 'Asana API base URL (also `ASANA_BASE_URL`); an emulator: see [emulator.md](emulator.md)',
    default: 'https://app.asana.com/api/1.0',
    parse: baseUrl,
    mustBe: 'an http(s) URL without a query string or fragment, such as "https://app.asana.com/api/1.0"',
    example: 'https://app.asana.com/api/1.0',
  }),
  boxBaseUrl: setting({
    flag: '--box-base-url <url>',
    env: 'BOX_BASE_URL',
    config: true,
    commands: ['tail', 'auth'],
    help: 'Box API base URL',
    doc: 'Box API base URL (also `BOX_BASE_URL`)',
    default: 'https://api.box.com/2.0',
    parse: baseUrl,
    mustBe: 'an http(s) URL without a query string or fragment, such as "https://api.box.com/2.0"',
    example: 'https://api.box.com/2.0',
  }),
  interval: setting({
    flag: '--interval <seconds>',
    config: true,
    commands: ['tail'],
    help: 'pause between polls when caught up',
    doc: 'pause between polls when caught up (default 5)',
    default: 5,
    ...numberIn(BOUNDS.interval),
  }),
  group: setting({
    flag: '--group <name>',
    config: true,
    commands: ['tail'],
    alsoOn: ['state list', 'state show', 'state reset', 'webhooks list', 'webhooks remove'],
    help: {
      tail: 'consumer group: separate cursors for separate consumers',
      'webhooks list': 'only this consumer group (default: the group in config.json, else every group)',
      'webhooks remove': 'only this consumer group (default: the group in config.json, else every group)',
      'state list': 'only this consumer group (default: the group in config.json, else every group)',
      'state show': 'only this consumer group (default: the group in config.json, else every group)',
      'state reset': 'consumer group (default: the group in config.json, else "default")',
    },
    doc: 'consumer group: separate cursors for separate consumers (default `default`)',
    default: 'default',
    parse: (raw) => (typeof raw === 'string' && GROUP_NAME.test(raw) ? raw : undefined),
    mustBe: 'a name of letters, digits, dot, dash or underscore',
    example: 'export',
  }),
  color: setting({
    flag: '--color <when>',
    config: true,
    commands: ['tail', 'snapshot'],
    alsoOn: ['demo'],
    help: 'colour output',
    doc: 'colour: `auto` (the default: on a terminal), `always` or `never`; see [output.md](output.md)',
    default: 'auto',
    ...choice(COLOR_CHOICES),
    example: 'never',
  }),
  onExpire: setting({
    flag: '--on-expire <mode>',
    config: false,
    commands: ['tail'],
    help: 'when a stored cursor has expired',
    doc: 'what an expired cursor does: `recrawl` (the default), `warn` or `fail`',
    default: 'recrawl',
    ...choice(ON_EXPIRE_CHOICES),
    example: 'fail',
  }),
  timeout: setting({
    flag: '--timeout <seconds>',
    config: true,
    commands: ALL,
    help: 'give up on one request after this long',
    doc: 'limit for one request: connect, headers and body (default 30)',
    default: 30,
    ...numberIn(BOUNDS.timeout),
  }),
  giveUp: setting({
    flag: '--give-up <seconds>',
    config: false,
    commands: ['tail', 'snapshot'],
    help: {
      tail: 'with --once: stop retrying a failing service after this long and exit 75',
      snapshot: 'stop retrying a failing service after this long and exit 75',
    },
    doc: 'with `--once`: stop retrying a failing service after this long, exit 75 (default 120)',
    default: 120,
    ...numberIn(BOUNDS.giveUp),
  }),
  waitLock: setting({
    flag: '--wait-lock <seconds>',
    config: false,
    commands: ['tail'],
    help: 'wait this long for another events process on the same cursor (0: fail at once)',
    doc: 'wait this long for another process on the same cursor (default 0: fail at once)',
    default: 0,
    ...numberIn(BOUNDS.waitLock),
  }),
  relist: setting({
    flag: '--relist <seconds>',
    config: true,
    commands: ['tail'],
    help: 'read the project lists of projects: and team: again this often',
    doc: 'read the project lists of `projects:` and `team:` again this often (default 600)',
    default: 600,
    ...numberIn(BOUNDS.relist),
  }),
  webhookUrl: setting({
    flag: '--webhook-url <url>',
    env: 'EVENTS_WEBHOOK_URL',
    config: true,
    commands: ['tail'],
    help: 'Asana: the public https URL that reaches --listen; webhooks then wake each subscription at once',
    doc: 'Asana: the public https URL that reaches `--listen` (a reverse proxy or a tunnel; also `EVENTS_WEBHOOK_URL`); webhooks then wake each subscription at once, see [webhooks.md](webhooks.md)',
    default: undefined,
    parse: webhookUrl,
    mustBe: 'an https URL without a query string (Asana only delivers to https; http is allowed for a loopback host)',
    example: 'https://hooks.example.com',
  }),
  listen: setting({
    flag: '--listen <host:port>',
    config: true,
    commands: ['tail'],
    help: 'with --webhook-url: where the webhook receiver listens',
    doc: 'with `--webhook-url`: where the webhook receiver listens (default `127.0.0.1:8787`)',
    default: '127.0.0.1:8787',
    parse: (raw) => (parseListen(raw) ? (raw as string) : undefined),
    mustBe: 'host:port, a port from 1 to 65535',
    example: '127.0.0.1:8787',
  }),
  webhookPoll: setting({
    flag: '--webhook-poll <seconds>',
    config: true,
    commands: ['tail'],
    help: 'with --webhook-url: poll a subscription whose webhook is live this often all the same (the safety net)',
    doc: 'with `--webhook-url`: poll a subscription whose webhook is live this often all the same, and check the webhooks (default 300)',
    default: 300,
    ...numberIn(BOUNDS.webhookPoll),
  }),
  cert: setting({
    flag: '--cert <file>',
    config: true,
    commands: ['tail'],
    alsoOn: ['emulator'],
    help: {
      tail: 'with --webhook-url: the receiver serves HTTPS with this PEM certificate (chain); needs --key',
      emulator: 'serve HTTPS with this PEM certificate (chain) instead; needs --key',
    },
    default: undefined,
    ...text('a file name', 'cert.pem'),
    file: true,
  }),
  key: setting({
    flag: '--key <file>',
    config: true,
    commands: ['tail'],
    alsoOn: ['emulator'],
    help: { tail: 'the PEM private key of --cert', emulator: 'the PEM private key of --cert' },
    default: undefined,
    ...text('a file name', 'key.pem'),
    file: true,
  }),
  rate: setting({
    flag: '--rate <n/min>',
    config: true,
    commands: ['tail'],
    help: 'requests per minute per token, fixed (default: start at the documented budget, learn from 429s)',
    doc: 'requests per minute per token, fixed (`600/min`, `10/s`; 1 to 100,000 a minute); default: learned from 429s, see [Many subscriptions on one token](scale.md#many-subscriptions-on-one-token)',
    default: undefined,
    parse: parseRate,
    mustBe: `requests per minute from ${RATE_BOUNDS.min} to ${groupDigits(RATE_BOUNDS.max)}, like 600/min or 10/s`,
    fileMustBe: `requests per minute from ${RATE_BOUNDS.min} to ${groupDigits(RATE_BOUNDS.max)}, like "600/min" or "10/s"`,
    example: '600/min',
    keepText: true,
  }),
  maxEvents: setting({
    flag: '--max-events <n>',
    config: false,
    commands: ['tail'],
    help: 'stop after printing N events; the cursor is saved exactly after the last one printed',
    doc: 'stop after printing N events, cursor saved exactly after the last',
    default: undefined,
    ...numberIn(BOUNDS.maxEvents),
  }),
  output: setting({
    flag: '--output <file>',
    config: false,
    commands: ['tail', 'snapshot'],
    help: {
      tail: 'append JSON lines to FILE (fsynced before the cursor is saved)',
      snapshot: 'write JSON lines to FILE, replaced atomically (readers never see half a snapshot)',
    },
    doc: 'append JSON lines to FILE, fsynced before the cursor is saved (`-`: stdout)',
    default: undefined,
    ...text('a file name', 'export.jsonl'),
    stdio: true,
    file: true,
  }),
  proxy: setting({
    flag: '--proxy <url>',
    config: true,
    commands: ALL,
    help: 'forward proxy for API requests (overrides HTTPS_PROXY)',
    doc: 'forward proxy for API requests (overrides `HTTPS_PROXY`)',
    default: undefined,
    parse: httpUrl,
    mustBe: 'an http(s) URL such as "http://proxy.example.com:3128"',
    example: 'http://proxy.example.com:3128',
  }),
  maxAnswerSize: setting({
    flag: '--max-answer-size <bytes>',
    env: 'EVENTS_MAX_ANSWER_SIZE',
    config: true,
    commands: ALL,
    help: 'largest answer accepted from the API; bigger ones are cut off and retried',
    doc: 'largest answer accepted from the API (`64MiB`, `500KiB` or plain bytes; 1MiB to 1GiB; default 64MiB); bigger ones are cut off and retried',
    default: 64 * 2 ** 20,
    defaultText: '64MiB',
    parse: (raw) => parseSize(BOUNDS.maxAnswerSize, raw),
    mustBe: describeSize(BOUNDS.maxAnswerSize),
    example: '64MiB',
    keepText: true,
  }),
  allowInsecureHttp: flag({
    flag: '--allow-insecure-http',
    commands: ['tail', 'snapshot', 'auth'],
    help: {
      tail: 'allow sending the access token over plain http to a non-loopback host',
      snapshot: 'allow sending the access token over plain http to a non-loopback host',
      auth: 'allow sending credentials over plain http to a non-loopback host',
    },
  }),
  quiet: flag({
    flag: '-q, --quiet',
    commands: ['tail', 'snapshot'],
    help: 'print nothing on stderr but errors',
    doc: 'nothing on stderr but errors',
  }),
  verbose: flag({
    flag: '--verbose',
    commands: ['tail', 'snapshot', 'auth'],
    help: {
      tail: 'print requests, retries and stack traces on stderr',
      snapshot: 'print requests, retries and stack traces on stderr',
      auth: 'print requests and stack traces on stderr',
    },
    doc: 'requests, retries, dropped duplicates and stack traces on stderr',
  }),
  retryBaseMs: value({
    flag: '--retry-base-ms <ms>',
    commands: ['tail', 'snapshot'],
    help: 'the first pause before a retry',
    hidden: true,
    ...numberIn(BOUNDS.retryBaseMs),
  }),
  retryCapMs: value({
    flag: '--retry-cap-ms <ms>',
    commands: ['tail', 'snapshot'],
    help: 'the longest pause between retries',
    hidden: true,
    ...numberIn(BOUNDS.retryCapMs),
  }),
  provider: value({
    flag: '--provider <name>',
    commands: ['demo'],
    help: 'which emulated service (default asana)',
    ...choice(PROVIDER_CHOICES),
    example: 'box',
  }),
  projects: flag({
    flag: '--projects',
    commands: ['demo'],
    help: 'Asana: follow every project of the workspace (projects:<gid>), as new ones appear and old ones are archived',
  }),
  port: value({
    flag: '--port <n>',
    commands: ['emulator'],
    help: 'port to listen on (default 4010)',
    ...numberIn(BOUNDS.port),
  }),
  host: value({
    flag: '--host <host>',
    commands: ['emulator', 'state reset'],
    help: {
      emulator: 'address to listen on (default 127.0.0.1)',
      'state reset': 'the API host of the cursor (default: the host of ASANA_BASE_URL/BOX_BASE_URL, as tail uses)',
    },
    ...text('a host name or address', '127.0.0.1:4010'),
  }),
  activity: value({
    flag: '--activity <ms>',
    commands: ['emulator'],
    help: 'simulate activity every this many milliseconds (0: none; default 2000)',
    ...numberIn(BOUNDS.activityMs),
  }),
  tokenLifetime: value({
    flag: '--token-lifetime <seconds>',
    commands: ['emulator'],
    help: 'lifetime of access tokens its token endpoints issue (default 3600)',
    parse: whole(1, 86_400),
    mustBe: 'whole seconds from 1 to 86400',
    example: '60',
  }),
  writeBoxJwtConfig: value({
    flag: '--write-box-jwt-config <file>',
    commands: ['emulator'],
    help: 'write a Box JWT config.json (mode 0600) for a generated key pair the emulator accepts',
    ...text('a file name', 'box-config.json'),
    file: true,
  }),
  boxHugePositions: flag({
    flag: '--box-huge-positions',
    commands: ['emulator'],
    help: 'stress mode: Box stream positions above 2^60, which JSON.parse rounds (default: safe integers as in real accounts)',
  }),
  rateLimit: value({
    flag: '--rate-limit <n/window>',
    commands: ['emulator'],
    help: 'per-token request budget, e.g. 150/10s or 1500/min: over it, 429 with Retry-After (default: none)',
    ...text('requests per window, like 150/10s or 1500/min', '150/10s'),
  }),
  concurrencyLimit: value({
    flag: '--concurrency-limit <n>',
    commands: ['emulator'],
    help: 'per-token requests in flight before 429 (default 50, as Asana)',
    parse: whole(1, 100_000),
    mustBe: 'a whole number from 1 to 100000',
    example: '50',
  }),
  tls: flag({
    flag: '--tls',
    commands: ['emulator'],
    help: 'serve HTTPS with a certificate for localhost, 127.0.0.1 and ::1 from a private CA made for this run (prints its NODE_EXTRA_CA_CERTS file)',
  }),
  allHosts: flag({
    flag: '--all-hosts',
    commands: ['state reset'],
    help: "the cursors of every API host (an emulator's and the real API's)",
  }),
  all: flag({
    flag: '--all',
    commands: ['webhooks remove'],
    help: 'every webhook events created (in --group, or every group)',
  }),
};

type Table = typeof FLAGS;
export type FlagKey = keyof Table;
/** The rows that are settings: a variable or config.json may give them too, and they have a default. */
export type SettingKey = { [K in FlagKey]: Table[K] extends { config: boolean } ? K : never }[FlagKey];
/** The setting rows of the table. */
export const SETTINGS = Object.fromEntries(Object.entries(FLAGS).filter(([, row]) => 'config' in row)) as {
  [K in SettingKey]: Table[K];
};
type ValueOf<S> = S extends { parse(raw: string | number): infer T; default: infer D }
  ? undefined extends D
    ? T | undefined
    : Exclude<T, undefined>
  : never;
/** Every setting, resolved: typed as its row parses it. */
export type Settings = { -readonly [K in SettingKey]: ValueOf<Table[K]> };
/** What config.json holds (checked): the settings with a config key. */
export type FileSettings = Partial<Settings>;

/** Whether `command` takes row R as a plain flag (not resolved as a setting). */
type PlainOn<C extends CommandName, R> = R extends { config: boolean }
  ? R extends { alsoOn?: readonly (infer A)[] }
    ? C extends A
      ? true
      : false
    : false
  : R extends { commands: readonly (infer N)[] }
    ? C extends N
      ? true
      : false
    : false;
/** What a flag's value is once checked: true for a boolean, the items of a list, a value as its row parses it. */
type FlagValue<R> = R extends { kind: 'boolean' }
  ? boolean
  : R extends { kind: 'list' }
    ? string[]
    : R extends { parse(raw: string | number): infer T }
      ? Exclude<T, undefined>
      : never;
/**
 * The flags of `command` that are not settings, typed by their rows: what a command receives
 * from the program (settings come resolved, as `Settings`).
 */
export type OptionsOf<C extends CommandName> = {
  [K in FlagKey as PlainOn<C, Table[K]> extends true ? K : never]?: FlagValue<Table[K]>;
};

const rows = (): Array<[SettingKey, Setting]> => Object.entries(SETTINGS) as Array<[SettingKey, Setting]>;

/** Every setting at its default, then `values` over them (for runs without flags: the demo). */
export function defaultSettings(values: Partial<Settings> = {}): Settings {
  const defaults = Object.fromEntries(rows().map(([key, row]) => [key, row.default])) as Settings;
  return { ...defaults, ...values };
}

/** The part of a commander Command that resolveSettings uses (config/ does not import commander). */
export interface OptionValues {
  getOptionValue(key: string): unknown;
  getOptionValueSource(key: string): string | undefined;
  setOptionValueWithSource(key: string, value: unknown, source: string | undefined): unknown;
}

/**
 * The settings of one run of `command`: a flag (checked as commander parsed it), else the
 * variable in `env` (recorded with source 'env'), else config.json (source 'config'), else the
 * default. An empty variable counts as unset (a cron line's `VAR=$UNSET`); a bad one is a usage
 * error naming the variable. Rows the command has no flag for take config.json's value or the default.
 */
export function resolveSettings(
  command: SettingCommand,
  options: OptionValues,
  file: FileSettings,
  env: NodeJS.ProcessEnv,
): Settings {
  const resolved: Record<string, unknown> = {};
  const sources: Record<string, SettingSource> = {};
  for (const [key, row] of rows()) {
    const has = row.commands.includes(command);
    const flagged = has && options.getOptionValueSource(key) === 'cli' ? options.getOptionValue(key) : undefined;
    const fromEnv = has && flagged === undefined && row.env ? variable(row, env[row.env]) : undefined;
    const fromFile = row.config ? file[key] : undefined;
    const [value, source]: [unknown, SettingSource] =
      flagged !== undefined
        ? [flagged, 'cli']
        : fromEnv !== undefined
          ? [fromEnv, 'env']
          : fromFile !== undefined
            ? [fromFile, 'config']
            : [row.default, 'default'];
    resolved[key] = value;
    sources[key] = source;
    if (has && (source === 'env' || source === 'config')) options.setOptionValueWithSource(key, value, source);
  }
  SOURCES.set(resolved, sources);
  return resolved as Settings;
}

/** A variable's value as its row parses it; undefined when unset or empty. */
function variable(row: Setting, raw: string | undefined): unknown {
  if (raw === undefined || raw === '') return undefined;
  const parsed = row.parse(raw);
  // A refused URL is echoed without its credentials (a base URL's ?access_token=…).
  if (parsed === undefined)
    throw new UsageError(
      `${row.env} must be ${row.mustBe}, not ${JSON.stringify(redactText(raw))}`,
      `for example ${row.env}=${row.example}, or unset it`,
    );
  return parsed;
}

export type SettingSource = 'cli' | 'env' | 'config' | 'default';
const SOURCES = new WeakMap<object, Record<string, SettingSource>>();

/** --proxy, or config.json's `proxy` (which HTTPS_PROXY and HTTP_PROXY beat: the client knows). */
export function proxyChoice(settings: Settings): { url: string; from: 'flag' | 'config' } | undefined {
  if (settings.proxy === undefined) return undefined;
  return { url: settings.proxy, from: settingSource(settings, 'proxy') === 'config' ? 'config' : 'flag' };
}

/** Where a resolved setting came from (messages name the flag, the variable or config.json). */
export function settingSource(settings: Settings, key: SettingKey): SettingSource {
  return SOURCES.get(settings)?.[key] ?? 'default';
}

/** The keys config.json may hold. */
export function settingKeys(): string[] {
  return rows()
    .filter(([, row]) => row.config)
    .map(([key]) => key);
}

/** `events config set KEY VALUE`: the value as config.json stores it, or a usage error naming the key. */
export function checkSetting(key: string, raw: string): unknown {
  const known = settingKeys();
  if (!known.includes(key)) {
    const guess = closest(key, known);
    throw new UsageError(
      `config.json has no setting "${key}"`,
      guess ? `did you mean ${guess}?` : `the settings are ${known.join(', ')}`,
    );
  }
  const row = SETTINGS[key as SettingKey] as Setting;
  const parsed = raw === '' ? undefined : row.parse(raw);
  const guess = row.choices ? closest(raw, row.choices) : undefined;
  if (parsed === undefined)
    throw new UsageError(
      `"${key}" must be ${row.mustBe}, not ${JSON.stringify(raw)}`,
      guess ? `did you mean ${guess}?` : `for example: events config set ${key} ${row.example}`,
    );
  return row.keepText ? raw : parsed;
}

/** First defined of flag, environment, file, default. */
export function pick<T>(...values: Array<T | undefined>): T | undefined {
  return values.find((v) => v !== undefined && v !== '');
}
