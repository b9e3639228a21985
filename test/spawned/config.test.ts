// config.json and the variables that locate it, and numeric bounds
// shared by flags and config.json. Every check here happens before any request.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, tempDir } from '../helpers/env.js';
import { BIN, collect, runCli } from '../helpers/spawn.js';
import { runInProcess } from '../helpers/run-in-process.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

const oneLine = (text: string): string => {
  expect(text.trim().split('\n')).toHaveLength(1);
  return text.trim();
};

describe('config.json', () => {
  let bed: TestBed;
  beforeEach(async () => {
    bed = await startTestBed();
  });
  afterEach(async () => bed.close());

  const project = (): string => bed.emulator.asana.projectGids[0]!;
  const configFile = (): string => path.join(bed.stateDir, 'config.json');
  const cursorGroups = (): string[] =>
    fs
      .readdirSync(path.join(bed.stateDir, 'cursors'))
      .filter((f) => f.endsWith('.json'))
      .map((f) =>
        f
          .replace(/\.json$/, '')
          .split('__')
          .at(-1)!,
      );

  it('a bad value names the file and the key (not a flag), exit 78', async () => {
    fs.writeFileSync(configFile(), '{"interval": 3600000}');
    const run = await runInProcess(['tail', project(), '--once'], { env: bed.env() });
    expect(run.code).toBe(78);
    const line = oneLine(run.stderr);
    expect(line).toContain(configFile());
    expect(line).toMatch(/"interval" must be a number of seconds from 0\.1 to 86400, not 3600000/);
    expect(line).not.toContain('--interval');
  });

  it('an unknown key is a one-line did-you-mean warning, and the run goes on', async () => {
    fs.writeFileSync(configFile(), '{"gruop": "export", "interval": 5}');
    const run = await runInProcess(['tail', project(), '--once'], { env: bed.env() });
    expect(run.code).toBe(0);
    expect(oneLine(run.stderr)).toBe(
      `events: warning: ${configFile()}: unknown key "gruop" is ignored (did you mean "group"?)`,
    );
  });

  it('a UTF-8 byte order mark is accepted', async () => {
    fs.writeFileSync(configFile(), '\uFEFF{"group": "export"}');
    const run = await runInProcess(['tail', project(), '--once'], { env: bed.env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(cursorGroups()).toEqual(['export']);
  });

  it('a folder in place of the file is an error of its own, exit 78', async () => {
    fs.mkdirSync(configFile());
    const run = await runInProcess(['tail', project(), '--once'], { env: bed.env() });
    expect(run.code).toBe(78);
    expect(oneLine(run.stderr)).toMatch(/config\.json is a folder, not a file/);
  });

  it('a base URL that is not a URL names the key, not the variable', async () => {
    fs.writeFileSync(configFile(), '{"asanaBaseUrl": "app.asana.com"}');
    const run = await runInProcess(['tail', project(), '--once'], { env: bed.env({ ASANA_BASE_URL: undefined }) });
    expect(run.code).toBe(78);
    expect(oneLine(run.stderr)).toMatch(
      /config\.json: "asanaBaseUrl" must be an http\(s\) URL .*, not "app\.asana\.com"/,
    );
  });

  it('snapshot reads config.json the same way: unknown keys warn', async () => {
    fs.writeFileSync(configFile(), '{"colour": "never"}');
    const run = await runInProcess(['snapshot', project(), '--json'], { env: bed.env() });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/unknown key "colour" is ignored \(did you mean "color"\?\)/);
  });

  it('a value that is not JSON names the file', async () => {
    fs.writeFileSync(configFile(), '{"group": export}');
    const run = await runInProcess(['tail', project(), '--once'], { env: bed.env() });
    expect(run.code).toBe(78);
    expect(oneLine(run.stderr)).toContain(`${configFile()} is not valid JSON`);
  });

  it('a corrupt config.json: one line that says where, and none of its bytes', async () => {
    const cases: Array<[content: string, says: string]> = [
      ['{"proxy": "http://u:hunter2@h:1",\n\u0001\u0007garbage\n}', 'unexpected character U+0001 at line 2, column 1'],
      ['\u0000\u0001hunter2\n\nmore', 'unexpected character U+0000'],
      ['{"group": "export"}\nhunter2', 'unexpected "h" at line 2, column 1'],
      ['{"group": "hunter2', 'it ends in the middle of a value'],
    ];
    for (const [content, says] of cases) {
      fs.writeFileSync(configFile(), content);
      const run = await runInProcess(['config', 'list'], { env: bed.env() });
      expect(run.code).toBe(78);
      expect(oneLine(run.stderr)).toBe(
        `events: ${configFile()} is not valid JSON: ${says} (fix it in an editor, or remove it and set the settings again with events config set)`,
      );
    }
  });
});

describe('EVENTS_CONFIG_DIR and HOME', () => {
  /** `events state path` from a scratch folder, so a folder created by mistake would show. */
  async function statePath(
    env: Record<string, string>,
  ): Promise<{ code: number | null; stderr: string; stdout: string; cwd: string }> {
    const cwd = tempDir('events-cwd-');
    const child = spawn(process.execPath, [BIN, 'state', 'path'], {
      cwd,
      env: { PATH: process.env['PATH'], ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const result = await collect(child, Date.now());
    expect(fs.readdirSync(cwd)).toEqual([]);
    return { ...result, cwd };
  }

  it.each([
    [
      { EVENTS_CONFIG_DIR: '~/events', HOME: '/home/someone' },
      /EVENTS_CONFIG_DIR is "~\/events": only a shell expands "~"/,
    ],
    [
      { EVENTS_CONFIG_DIR: 'relative/events', HOME: '/home/someone' },
      /EVENTS_CONFIG_DIR is "relative\/events", a relative path/,
    ],
    [{ HOME: '~' }, /HOME is "~": only a shell expands "~"/],
    [{ HOME: '' }, /HOME is empty/],
  ])('%j is a one-line error, exit 78, and creates nothing', async (env, message) => {
    const run = await statePath(env);
    expect(run.code).toBe(78);
    expect(oneLine(run.stderr)).toMatch(message);
  });

  it('an empty EVENTS_CONFIG_DIR counts as unset; a relative XDG_CONFIG_HOME is ignored (XDG spec)', async () => {
    const run = await statePath({ EVENTS_CONFIG_DIR: '', HOME: '/home/someone', XDG_CONFIG_HOME: 'relative' });
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(
      process.platform === 'darwin' ? '/home/someone/Library/Preferences/events' : '/home/someone/.config/events',
    );
  });
});

describe('numeric bounds', () => {
  const env = (): NodeJS.ProcessEnv =>
    cleanEnv({ EVENTS_CONFIG_DIR: tempDir(), ASANA_ACCESS_TOKEN: 'x', ASANA_BASE_URL: 'http://127.0.0.1:9/api/1.0' });

  it.each([
    [
      ['--interval', '3600000'],
      /^events: --interval must be a number of seconds from 0\.1 to 86400, not "3600000" \(for example --interval 5\)$/,
    ],
    [['--interval', '0'], /--interval must be a number of seconds from 0\.1 to 86400, not "0"/],
    [
      ['--timeout', '3000000'],
      /^events: --timeout must be a number of seconds from 1 to 3600, not "3000000" \(for example --timeout 30\)$/,
    ],
    [['--give-up', '1e9', '--once'], /--give-up must be a number of seconds from 0 to 86400, not "1e9"/],
    [['--wait-lock', '99999999'], /--wait-lock must be a number of seconds from 0 to 86400, not "99999999"/],
    [['--max-events', '3000000000'], /--max-events must be a whole number from 1 to 2147483647, not "3000000000"/],
    [['--max-events', '0'], /--max-events must be a whole number from 1 to 2147483647, not "0"/],
    [['--retry-base-ms', '0'], /--retry-base-ms must be a whole number of milliseconds from 1 to 60000, not "0"/],
    [['--retry-cap-ms', '99999999999'], /--retry-cap-ms must be a whole number of milliseconds from 1 to 3600000/],
  ])('tail %j: exit 2, one line naming the flag, the bound and an example', async (args, message) => {
    const run = await runInProcess(['tail', '1204567890123456', ...args], { env: env() });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toMatch(message);
  });

  it.each([
    [
      ['--activity', '3000000000'],
      /^events: --activity must be a number of milliseconds \(0: none\) from 0 to 86400000, not "3000000000" \(for example --activity 2000\)$/,
    ],
    [
      ['--port', '70000'],
      /^events: --port must be a port number from 0 to 65535, not "70000" \(for example --port 4010\)$/,
    ],
  ])('emulator %j: exit 2 before listening', async (args, message) => {
    const run = await runCli(['emulator', '--port', '0', ...args], cleanEnv(), { timeoutMs: 5000 });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toMatch(message);
  });

  it('--since 99999999999d is a usage error, not an internal error', async () => {
    const run = await runInProcess(['tail', 'box:admin_logs', '--since', '99999999999d'], {
      env: cleanEnv({ EVENTS_CONFIG_DIR: tempDir(), BOX_ACCESS_TOKEN: 'x' }),
    });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toMatch(/--since must be a date or a duration of at most 3653d/);
  });
});
