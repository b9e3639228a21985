// Where each setting comes from: a flag beats the environment, which beats the config file
// (config.json in the config folder). Access tokens come from the environment only: never from
// a flag (visible in `ps`) nor from a file this tool writes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BOUNDS, checkBound, describeBound, type Bound } from '../core/bounds.js';
import { ConfigError, UsageError } from '../core/errors.js';
import { parseRate, RATE_BOUNDS } from '../net/governor.js';
import { closest, orList } from '../lib/suggest.js';

export interface FileSettings {
  asanaBaseUrl?: string;
  boxBaseUrl?: string;
  interval?: number;
  group?: string;
  color?: string;
  timeout?: number;
  /** Seconds between two listings of projects:/team: references. */
  relist?: number;
  /** Requests per minute per token (a number) or "600/min": like --rate. */
  rate?: number | string;
}

/** A consumer group names a file: letters, digits, dot, dash, underscore. */
export const GROUP_NAME = /^[A-Za-z0-9._-]{1,64}$/;
export const COLOR_CHOICES = ['auto', 'always', 'never'] as const;

type Check = (value: unknown) => { ok: true; value: unknown } | { ok: false; mustBe: string };

const url: Check = (v) => {
  let parsed: URL | undefined;
  try {
    parsed = typeof v === 'string' ? new URL(v) : undefined;
  } catch {
    // not a URL: said below
  }
  return parsed && (parsed.protocol === 'https:' || parsed.protocol === 'http:') ? { ok: true, value: v } : { ok: false, mustBe: 'an http(s) URL such as "https://app.asana.com/api/1.0"' };
};
const number = (bound: Bound): Check => (v) => {
  const n = typeof v === 'number' || typeof v === 'string' ? checkBound(bound, v) : undefined;
  return n === undefined ? { ok: false, mustBe: describeBound(bound) } : { ok: true, value: n };
};

/** Every key config.json may hold, and what its value must be. */
const KEYS: Record<keyof FileSettings, Check> = {
  asanaBaseUrl: url,
  boxBaseUrl: url,
  interval: number(BOUNDS.interval),
  group: (v) => (typeof v === 'string' && GROUP_NAME.test(v) ? { ok: true, value: v } : { ok: false, mustBe: 'a group name of letters, digits, dot, dash or underscore' }),
  color: (v) => (typeof v === 'string' && (COLOR_CHOICES as readonly string[]).includes(v) ? { ok: true, value: v } : { ok: false, mustBe: orList(COLOR_CHOICES.map((c) => JSON.stringify(c))) }),
  timeout: number(BOUNDS.timeout),
  relist: number(BOUNDS.relist),
  rate: (v) =>
    (typeof v === 'number' || typeof v === 'string') && parseRate(v) !== undefined
      ? { ok: true, value: v }
      : { ok: false, mustBe: `requests per minute from ${RATE_BOUNDS.min} to ${RATE_BOUNDS.max.toLocaleString('en-US')}, like "600/min" or "10/s"` },
};

/**
 * EVENTS_CONFIG_DIR, else conf's default per-user folder for the project "events"
 * (env-paths: $XDG_CONFIG_HOME/events on Linux, ~/Library/Preferences/events on macOS,
 * %APPDATA%\events\Config on Windows), computed here so --help never loads conf.
 * An empty variable counts as unset. A relative or `~` path is an error rather than a folder
 * created under whatever directory cron happens to start in (or one literally named `~`).
 */
export function configDir(env: NodeJS.ProcessEnv): string {
  const explicit = env['EVENTS_CONFIG_DIR'];
  if (explicit) return absolute('EVENTS_CONFIG_DIR', explicit);
  // The XDG spec: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env['XDG_CONFIG_HOME'];
  if (process.platform !== 'darwin' && process.platform !== 'win32' && xdg && path.isAbsolute(xdg)) return path.join(xdg, 'events');
  if (process.platform === 'win32' && env['APPDATA']) return path.join(env['APPDATA'], 'events', 'Config');
  const home = absolute('HOME', os.homedir());
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Preferences', 'events');
  if (process.platform === 'win32') return path.join(home, 'AppData', 'Roaming', 'events', 'Config');
  return path.join(home, '.config', 'events');
}

function absolute(variable: string, value: string): string {
  const fix = variable === 'HOME' ? 'set HOME to your home folder, or EVENTS_CONFIG_DIR to the folder for events' : `set ${variable} to an absolute path`;
  if (value === '') throw new ConfigError(`${variable} is empty, so there is no folder for cursors and config.json`, fix);
  if (value.startsWith('~')) throw new ConfigError(`${variable} is "${value}": only a shell expands "~", and not inside quotes`, `write $HOME instead of ~, or ${fix}`);
  if (!path.isAbsolute(value)) throw new ConfigError(`${variable} is "${value}", a relative path (it would depend on the folder each run starts in)`, fix);
  return path.resolve(value);
}

/**
 * config.json of `dir`; {} when there is none. Problems name the file and the key: a bad value
 * or a file that is not a JSON object is an error, an unknown key a warning (via `warn`).
 */
export function readFileSettings(dir: string, warn: (line: string) => void = () => undefined): FileSettings {
  const file = path.join(dir, 'config.json');
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    if (code === 'EISDIR') throw new ConfigError(`${file} is a folder, not a file`, 'remove it, or replace it with a JSON file of settings');
    throw new ConfigError(`cannot read ${file} (${code ?? (error as Error).message})`, 'fix its permissions or remove it');
  }
  let value: unknown;
  try {
    // Editors on Windows save UTF-8 with a byte order mark, which JSON.parse rejects.
    value = JSON.parse(content.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON (${(error as Error).message})`, 'fix it or remove it');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${file} is not a JSON object`, 'write {"group": "export"}, for example, or remove it');
  const settings: Record<string, unknown> = {};
  const known = Object.keys(KEYS);
  for (const [key, raw] of Object.entries(value)) {
    const check = KEYS[key as keyof FileSettings];
    if (!check) {
      const guess = closest(key, known);
      warn(`warning: ${file}: unknown key "${key}" is ignored${guess ? ` (did you mean "${guess}"?)` : ` (known keys: ${known.join(', ')})`}`);
      continue;
    }
    const result = check(raw);
    if (!result.ok) throw new ConfigError(`${file}: "${key}" must be ${result.mustBe}, not ${JSON.stringify(raw)}`, `fix the value of "${key}", or remove the key`);
    settings[key] = result.value;
  }
  return settings as FileSettings;
}

/** The keys config.json may hold. */
export function settingKeys(): string[] {
  return Object.keys(KEYS);
}

/** `events config set KEY VALUE`: the value as config.json stores it, or a usage error naming the key. */
export function checkSetting(key: string, raw: string): unknown {
  const check = KEYS[key as keyof FileSettings];
  if (!check) {
    const guess = closest(key, Object.keys(KEYS));
    throw new UsageError(`config.json has no setting "${key}"`, guess ? `did you mean ${guess}?` : `the settings are ${Object.keys(KEYS).join(', ')}`);
  }
  const result = check(raw);
  if (!result.ok) throw new UsageError(`"${key}" must be ${result.mustBe}, not ${JSON.stringify(raw)}`, `for example: events config set ${key} ${EXAMPLES[key as keyof FileSettings]}`);
  return result.value;
}

const EXAMPLES: Record<keyof FileSettings, string> = {
  asanaBaseUrl: 'https://app.asana.com/api/1.0',
  boxBaseUrl: 'https://api.box.com/2.0',
  interval: BOUNDS.interval.example,
  group: 'export',
  color: 'never',
  timeout: BOUNDS.timeout.example,
  relist: BOUNDS.relist.example,
  rate: '600/min',
};

/** First defined of flag, environment, file, default. */
export function pick<T>(...values: Array<T | undefined>): T | undefined {
  return values.find((v) => v !== undefined && v !== '');
}
