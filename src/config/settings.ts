// The settings table: every setting with a value that a flag, an environment variable or
// config.json can give, in one row each (flag, variable, config key, what it must be, default,
// help). src/cli/program.ts makes the commander options from it, readFileSettings checks
// config.json with it, `events config` knows its keys from it, and resolveSettings gives the
// commands one typed object. Precedence: a flag beats the environment, which beats config.json
// (in the config folder), which beats the default. Access tokens come from the environment only:
// never from a flag (visible in `ps`) nor from a file this tool writes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import envPaths from 'env-paths';
import { BOUNDS, badValue, checkBound, describeBound, describeSize, parseSize, type Bound } from '../core/bounds.js';
import { ConfigError, UsageError } from '../core/errors.js';
import { parseRate, RATE_BOUNDS } from '../core/rate.js';
import { closest, orList } from '../lib/suggest.js';
import { groupDigits } from '../lib/digits.js';
import { describeJsonError } from '../lib/json-error.js';

/** The commands whose options come from the table (`auth` is `auth status`). */
export type SettingCommand = 'tail' | 'snapshot' | 'auth';

/** A consumer group names a file: letters, digits, dot, dash, underscore. */
export const GROUP_NAME = /^[A-Za-z0-9._-]{1,64}$/;
export const COLOR_CHOICES = ['auto', 'always', 'never'] as const;
export const ON_EXPIRE_CHOICES = ['recrawl', 'warn', 'fail'] as const;

export interface Setting<T, D extends T | undefined = T | undefined> {
  /** The flag and its value, as commander spells it; its camelCase name is the row's key. */
  flag: string;
  /** The environment variable, when there is one (empty counts as unset). */
  env?: string;
  /** config.json may hold it, under the row's key. */
  config: boolean;
  /** Which commands take the flag. */
  commands: readonly SettingCommand[];
  /** --help text; per command where they differ. */
  help: string | Record<string, string>;
  choices?: readonly string[];
  default: D;
  /** How --help shows the default, when not as the value itself. */
  defaultText?: string;
  /** The value of the flag, variable or config.json entry, or undefined when it is not one. */
  parse(raw: string | number): T | undefined;
  /** What a good value is: "--interval must be …". */
  mustBe: string;
  /** The same for config.json, where examples are JSON ("600/min"), when it differs. */
  fileMustBe?: string;
  /** A good value, for "for example --interval 5". */
  example: string;
  /** The fix for a bad flag, when it is more than an example. */
  hint?: string;
  /** `events config set` stores the text as written ("600/min", "64MiB"), not the number. */
  keepText?: boolean;
}

function setting<T, D extends T | undefined = undefined>(row: Setting<T, D>): Setting<T, D> {
  return row;
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

/** Every setting: the one place a flag, its variable and its config.json key are declared. */
export const SETTINGS = {
  asanaBaseUrl: setting({
    flag: '--asana-base-url <url>',
    env: 'ASANA_BASE_URL',
    config: true,
    commands: ALL,
    help: 'Asana API base URL',
    default: 'https://app.asana.com/api/1.0',
    parse: httpUrl,
    mustBe: 'an http(s) URL such as "https://app.asana.com/api/1.0"',
    example: 'https://app.asana.com/api/1.0',
  }),
  boxBaseUrl: setting({
    flag: '--box-base-url <url>',
    env: 'BOX_BASE_URL',
    config: true,
    commands: ['tail', 'auth'],
    help: 'Box API base URL',
    default: 'https://api.box.com/2.0',
    parse: httpUrl,
    mustBe: 'an http(s) URL such as "https://api.box.com/2.0"',
    example: 'https://api.box.com/2.0',
  }),
  interval: setting({
    flag: '--interval <seconds>',
    config: true,
    commands: ['tail'],
    help: 'pause between polls when caught up',
    default: 5,
    ...numberIn(BOUNDS.interval),
  }),
  group: setting({
    flag: '--group <name>',
    config: true,
    commands: ['tail'],
    help: 'consumer group: separate cursors for separate consumers',
    default: 'default',
    parse: (raw) => (typeof raw === 'string' && GROUP_NAME.test(raw) ? raw : undefined),
    mustBe: 'a name of letters, digits, dot, dash or underscore',
    example: 'export',
  }),
  color: setting({
    flag: '--color <when>',
    config: true,
    commands: ['tail', 'snapshot'],
    help: 'colour output',
    default: 'auto',
    ...choice(COLOR_CHOICES),
    example: 'never',
  }),
  onExpire: setting({
    flag: '--on-expire <mode>',
    config: false,
    commands: ['tail'],
    help: 'when a stored cursor has expired',
    default: 'recrawl',
    ...choice(ON_EXPIRE_CHOICES),
    example: 'fail',
  }),
  timeout: setting({
    flag: '--timeout <seconds>',
    config: true,
    commands: ALL,
    help: 'give up on one request after this long',
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
    default: 120,
    ...numberIn(BOUNDS.giveUp),
  }),
  waitLock: setting({
    flag: '--wait-lock <seconds>',
    config: false,
    commands: ['tail'],
    help: 'wait this long for another events process on the same cursor (0: fail at once)',
    default: 0,
    ...numberIn(BOUNDS.waitLock),
  }),
  relist: setting({
    flag: '--relist <seconds>',
    config: true,
    commands: ['tail'],
    help: 'read the project lists of projects: and team: again this often',
    default: 600,
    ...numberIn(BOUNDS.relist),
  }),
  rate: setting({
    flag: '--rate <n/min>',
    config: true,
    commands: ['tail'],
    help: 'requests per minute per token, fixed (default: start at the documented budget, learn from 429s)',
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
    default: undefined,
    parse: (raw) => (typeof raw === 'string' && raw !== '' ? raw : undefined),
    mustBe: 'a file name',
    example: 'export.jsonl',
  }),
  proxy: setting({
    flag: '--proxy <url>',
    config: true,
    commands: ALL,
    help: 'forward proxy for API requests (overrides HTTPS_PROXY)',
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
    default: 64 * 2 ** 20,
    defaultText: '64MiB',
    parse: (raw) => parseSize(BOUNDS.maxAnswerSize, raw),
    mustBe: describeSize(BOUNDS.maxAnswerSize),
    example: '64MiB',
    keepText: true,
  }),
};

export type SettingKey = keyof typeof SETTINGS;
type ValueOf<S> = S extends Setting<infer T, infer D> ? (undefined extends D ? T | undefined : T) : never;
/** Every setting, resolved: typed as its row parses it. */
export type Settings = { -readonly [K in SettingKey]: ValueOf<(typeof SETTINGS)[K]> };
/** What config.json holds (checked): the settings with a config key. */
export type FileSettings = Partial<Settings>;

const rows = (): Array<[SettingKey, Setting<unknown>]> =>
  Object.entries(SETTINGS) as Array<[SettingKey, Setting<unknown>]>;

/** The rows whose flag `command` takes, in table order. */
export function settingsOf(command: SettingCommand): Array<[SettingKey, Setting<unknown>]> {
  return rows().filter(([, row]) => row.commands.includes(command));
}

/** The --help text of a row's flag on `command`. */
export function helpOf(row: Setting<unknown>, command: SettingCommand): string {
  return typeof row.help === 'string' ? row.help : (row.help[command] ?? Object.values(row.help)[0]!);
}

/** Every setting at its default, then `values` over them (for runs without flags: the demo). */
export function defaultSettings(values: Partial<Settings> = {}): Settings {
  const defaults = Object.fromEntries(rows().map(([key, row]) => [key, row.default])) as Settings;
  return { ...defaults, ...values };
}

/**
 * What a row's argParser keeps for a value that is not one: the check waits until the value's
 * source is known, so a bad variable is named as the variable and an empty one counts as unset.
 */
export class BadValue {
  constructor(readonly raw: string) {}
}

/** The argParser of a row: the parsed value, or a BadValue for resolveSettings to report. */
export function parseOption(key: SettingKey, raw: string): unknown {
  const value = raw === '' ? undefined : (SETTINGS[key] as Setting<unknown>).parse(raw);
  return value === undefined ? new BadValue(raw) : value;
}

/** The part of a commander Command that resolveSettings uses (config/ does not import commander). */
export interface OptionValues {
  getOptionValue(key: string): unknown;
  getOptionValueSource(key: string): string | undefined;
  setOptionValueWithSource(key: string, value: unknown, source: string | undefined): unknown;
}

/**
 * The settings of one run: commander has already put a flag over its variable; a setting given by
 * neither takes config.json's value (recorded with source 'config'), else the default. Rows the
 * command has no flag for take config.json's value or the default.
 */
export function resolveSettings(command: SettingCommand, options: OptionValues, file: FileSettings): Settings {
  const resolved: Record<string, unknown> = {};
  const sources: Record<string, SettingSource> = {};
  for (const [key, row] of rows()) {
    const has = row.commands.includes(command);
    const value = has ? options.getOptionValue(key) : undefined;
    const source = has ? options.getOptionValueSource(key) : undefined;
    if (value instanceof BadValue) {
      if (source === 'cli') throw badValue(row.flag.split(' ')[0]!, row.mustBe, value.raw, row.example, row.hint);
      if (value.raw !== '')
        throw new UsageError(
          `${row.env} must be ${row.mustBe}, not ${JSON.stringify(value.raw)}`,
          `for example ${row.env}=${row.example}, or unset it`,
        );
      // An empty variable counts as unset (a cron line's `VAR=$UNSET`).
    } else if (source === 'cli' || source === 'env') {
      resolved[key] = value;
      sources[key] = source;
      continue;
    }
    const fromFile = row.config ? file[key] : undefined;
    resolved[key] = fromFile ?? row.default;
    sources[key] = fromFile !== undefined ? 'config' : 'default';
    if (has && fromFile !== undefined) options.setOptionValueWithSource(key, fromFile, 'config');
    else if (has && value instanceof BadValue)
      options.setOptionValueWithSource(key, row.default, row.default === undefined ? undefined : 'default');
  }
  SOURCES.set(resolved, sources);
  return resolved as Settings;
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

/**
 * EVENTS_CONFIG_DIR, else the per-user folder conf would pick for the project "events" with no
 * suffix: env-paths("events", { suffix: "" }).config ($XDG_CONFIG_HOME/events on Linux,
 * ~/Library/Preferences/events on macOS, %APPDATA%\events\Config on Windows); conf itself loads
 * only to write. An empty variable counts as unset. A relative or `~` path is an error rather than
 * a folder created under whatever directory cron happens to start in (or one literally named `~`).
 */
export function configDir(env: NodeJS.ProcessEnv): string {
  const explicit = env['EVENTS_CONFIG_DIR'];
  if (explicit) return absolute('EVENTS_CONFIG_DIR', explicit);
  const xdg = env['XDG_CONFIG_HOME'];
  const unix = process.platform !== 'darwin' && process.platform !== 'win32';
  if ((unix && xdg && path.isAbsolute(xdg)) || (process.platform === 'win32' && env['APPDATA']))
    return envPaths('events', { suffix: '' }).config;
  const home = absolute('HOME', os.homedir());
  // The XDG spec: a relative XDG_CONFIG_HOME is invalid and must be ignored (env-paths would use it).
  if (unix && xdg) return path.join(home, '.config', 'events');
  return envPaths('events', { suffix: '' }).config;
}

function absolute(variable: string, value: string): string {
  const fix =
    variable === 'HOME'
      ? 'set HOME to your home folder, or EVENTS_CONFIG_DIR to the folder for events'
      : `set ${variable} to an absolute path`;
  if (value === '')
    throw new ConfigError(`${variable} is empty, so there is no folder for cursors and config.json`, fix);
  if (value.startsWith('~'))
    throw new ConfigError(
      `${variable} is "${value}": only a shell expands "~", and not inside quotes`,
      `write $HOME instead of ~, or ${fix}`,
    );
  if (!path.isAbsolute(value))
    throw new ConfigError(
      `${variable} is "${value}", a relative path (it would depend on the folder each run starts in)`,
      fix,
    );
  return path.resolve(value);
}

/**
 * The JSON object in config.json of `dir`, unchecked; {} when there is none. A file that cannot
 * be read, is not JSON or not an object is an error naming the file and the fix.
 */
export function readConfigObject(dir: string): Record<string, unknown> {
  const file = path.join(dir, 'config.json');
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    if (code === 'EISDIR')
      throw new ConfigError(`${file} is a folder, not a file`, 'remove it, or replace it with a JSON file of settings');
    throw new ConfigError(
      `cannot read ${file} (${code ?? (error as Error).message})`,
      'fix its permissions or remove it',
    );
  }
  let value: unknown;
  try {
    // Editors on Windows save UTF-8 with a byte order mark, which JSON.parse rejects.
    value = JSON.parse(content.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(
      `${file} is not valid JSON: ${describeJsonError(content.replace(/^\uFEFF/, ''), error)}`,
      'fix it in an editor, or remove it and set the settings again with events config set',
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(`${file} is not a JSON object`, 'write {"group": "export"}, for example, or remove it');
  return value as Record<string, unknown>;
}

/**
 * config.json of `dir`, checked; {} when there is none. Problems name the file and the key: a bad
 * value is an error, an unknown key a warning (via `warn`).
 */
export function readFileSettings(dir: string, warn: (line: string) => void = () => undefined): FileSettings {
  const file = path.join(dir, 'config.json');
  const value = readConfigObject(dir);
  const settings: Record<string, unknown> = {};
  const known = settingKeys();
  for (const [key, raw] of Object.entries(value)) {
    if (!known.includes(key)) {
      const guess = closest(key, known);
      warn(
        `warning: ${file}: unknown key "${key}" is ignored${guess ? ` (did you mean "${guess}"?)` : ` (known keys: ${known.join(', ')})`}`,
      );
      continue;
    }
    const row = SETTINGS[key as SettingKey] as Setting<unknown>;
    const parsed = typeof raw === 'string' || typeof raw === 'number' ? row.parse(raw) : undefined;
    const mustBe = row.choices ? orList(row.choices.map((c) => JSON.stringify(c))) : (row.fileMustBe ?? row.mustBe);
    if (parsed === undefined)
      throw new ConfigError(
        `${file}: "${key}" must be ${mustBe}, not ${JSON.stringify(raw)}`,
        `fix the value of "${key}", or remove the key: events config unset ${key}`,
      );
    settings[key] = parsed;
  }
  return settings;
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
  const row = SETTINGS[key as SettingKey] as Setting<unknown>;
  const parsed = raw === '' ? undefined : row.parse(raw);
  if (parsed === undefined)
    throw new UsageError(
      `"${key}" must be ${row.mustBe}, not ${JSON.stringify(raw)}`,
      `for example: events config set ${key} ${row.example}`,
    );
  return row.keepText ? raw : parsed;
}

/** First defined of flag, environment, file, default. */
export function pick<T>(...values: Array<T | undefined>): T | undefined {
  return values.find((v) => v !== undefined && v !== '');
}
