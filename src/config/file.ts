// How config.json is read: the JSON object in the config folder, then each key checked against
// its row of the settings table (config/settings.ts).
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';
import { describeJsonError } from '../lib/json-error.js';
import { redactText } from '../lib/redact.js';
import { closest, orList } from '../lib/suggest.js';
import { SETTINGS, settingKeys, type FileSettings, type Setting, type SettingKey } from './settings.js';

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
    const row = SETTINGS[key as SettingKey] as Setting;
    const parsed = typeof raw === 'string' || typeof raw === 'number' ? row.parse(raw) : undefined;
    const mustBe = row.choices ? orList(row.choices.map((c) => JSON.stringify(c))) : (row.fileMustBe ?? row.mustBe);
    if (parsed === undefined)
      throw new ConfigError(
        `${file}: "${key}" must be ${mustBe}, not ${typeof raw === 'string' ? JSON.stringify(redactText(raw)) : JSON.stringify(raw)}`,
        `fix the value of "${key}", or remove the key: events config unset ${key}`,
      );
    settings[key] = parsed;
  }
  return settings;
}
