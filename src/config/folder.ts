// Where the config folder is (config.json, and the state folder's cursors and locks under it):
// EVENTS_CONFIG_DIR or the per-user folder, never a path that depends on where a run starts.
import os from 'node:os';
import path from 'node:path';
import envPaths from 'env-paths';
import { ConfigError } from '../core/errors.js';

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
