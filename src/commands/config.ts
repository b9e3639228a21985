// `events config list|get|set|unset|path`: the user settings in config.json (the state folder),
// checked by the same rules `tail` applies when it reads them. Written through conf (see
// src/config/store.ts for what that takes); cursors never go through it. What `list` and `get`
// print passes the one redaction rule: a proxy's password stays in the file (mode 0600), never on
// a screen or in a pasted log.
import path from 'node:path';
import { NotFoundError } from '../core/errors.js';
import { checkSetting, settingKeys } from '../config/settings.js';
import { configDir } from '../config/folder.js';
import { readConfigObject, readFileSettings } from '../config/file.js';
import type { OptionsOf } from '../config/settings.js';
import type { IO } from '../core/io.js';
import { folderError, isFileSystemError, makeStateFolder } from '../state/folder.js';
import { redactedLines, redactValue } from '../lib/redact.js';

/** What these commands use of the IO (no stdin, no stop: they never wait). */
type Out = Pick<IO, 'stdout' | 'stderr' | 'env'>;

const warnTo = (out: Out): ((line: string) => void) => redactedLines(out.stderr, 'events: ');

export function configList(flags: OptionsOf<'config list'>, out: Out): number {
  const settings = redactValue(readFileSettings(configDir(out.env), warnTo(out)));
  if (flags.json)
    out.stdout.write(`${JSON.stringify(settings)}
`);
  else for (const [key, value] of Object.entries(settings)) out.stdout.write(`${key} = ${JSON.stringify(value)}\n`);
  return 0;
}

export function configGet(key: string, out: Out): number {
  checkKey(key);
  const value = redactValue((readFileSettings(configDir(out.env), warnTo(out)) as Record<string, unknown>)[key]);
  if (value === undefined)
    throw new NotFoundError(`"${key}" is not set in config.json`, `events config set ${key} <value> sets it`);
  out.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
  return 0;
}

export async function configSet(key: string, raw: string, out: Out): Promise<number> {
  const value = checkSetting(key, raw);
  const dir = configDir(out.env);
  // A config.json that is not a JSON object is reported (exit 78) rather than overwritten; bad
  // values in it are not checked here: set and unset are how the user fixes them.
  readConfigObject(dir);
  await writeConfig(dir, (conf) => conf.set(key, value));
  return 0;
}

export async function configUnset(key: string, out: Out): Promise<number> {
  checkKey(key);
  const dir = configDir(out.env);
  readConfigObject(dir);
  await writeConfig(dir, (conf) => conf.delete(key));
  return 0;
}

/**
 * The folder first, made by our own walk (conf's recursive mkdir spins for good under /proc);
 * a disk that is full or read-only is the state folder's error (exit 73), not an internal one.
 */
async function writeConfig(
  dir: string,
  change: (conf: Awaited<ReturnType<typeof import('../config/store.js').openConfig>>) => void,
): Promise<void> {
  makeStateFolder(dir);
  const { openConfig } = await import('../config/store.js');
  try {
    change(await openConfig(dir));
  } catch (error) {
    throw isFileSystemError(error) ? folderError('write', path.join(dir, 'config.json'), error) : error;
  }
}

export function configPath(out: Out): number {
  out.stdout.write(`${path.join(configDir(out.env), 'config.json')}\n`);
  return 0;
}

function checkKey(key: string): void {
  if (!settingKeys().includes(key)) checkSetting(key, '');
}
