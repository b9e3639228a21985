// Where each setting comes from: a flag beats the environment, which beats the config file
// (config.json in the config folder). Access tokens come from the environment only: never from
// a flag (visible in `ps`) nor from a file this tool writes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from './errors.js';

export interface FileSettings {
  asanaBaseUrl?: string;
  boxBaseUrl?: string;
  interval?: number;
  group?: string;
  color?: string;
  timeout?: number;
  /** Seconds between two listings of projects:/team: references. */
  relist?: number;
}

/**
 * EVENTS_CONFIG_DIR, else conf's default per-user folder for the project "events"
 * (env-paths: $XDG_CONFIG_HOME/events on Linux, ~/Library/Preferences/events on macOS,
 * %APPDATA%\events\Config on Windows), computed here so --help never loads conf.
 */
export function configDir(env: NodeJS.ProcessEnv): string {
  const explicit = env['EVENTS_CONFIG_DIR'];
  if (explicit) return path.resolve(explicit);
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Preferences', 'events');
  if (process.platform === 'win32') return path.join(env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), 'events', 'Config');
  return path.join(env['XDG_CONFIG_HOME'] || path.join(home, '.config'), 'events');
}

export function readFileSettings(dir: string): FileSettings {
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as FileSettings;
  } catch {
    // reported below
  }
  throw new UsageError(`the config file ${file} is not a JSON object`, 'fix it or remove it');
}

/** First defined of flag, environment, file, default. */
export function pick<T>(...values: Array<T | undefined>): T | undefined {
  return values.find((v) => v !== undefined && v !== '');
}

export function parseSeconds(name: string, value: string | number | undefined, { allowZero = true } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new UsageError(`${name} must be a number of seconds${allowZero ? '' : ' above 0'}, not "${value}"`, `for example ${name} 5`);
  }
  return n;
}
