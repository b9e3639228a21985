// `events config set/unset KEY` works whatever config.json holds for KEY (or
// for any other key): they are how a bad value gets fixed. Only a file that is not a JSON object
// stops them, with a message that says how to fix it. In-process, on a scratch config folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSet, configUnset } from '../../src/commands/config.js';
import { ConfigError, ExitCode } from '../../src/core/errors.js';
import { testIO } from '../helpers/run-in-process.js';

let dir: string;
const out = () => testIO({ env: { EVENTS_CONFIG_DIR: dir } }).io;
const file = (): string => path.join(dir, 'config.json');
const written = (): unknown => JSON.parse(fs.readFileSync(file(), 'utf8'));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-config-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('config set/unset with bad values in config.json', () => {
  const BAD = { interval: 'soon', timeout: 99_999_999, proxy: 'proxy:3128', group: 'export' };

  it('unset removes the bad key', async () => {
    fs.writeFileSync(file(), JSON.stringify(BAD));
    expect(await configUnset('interval', out())).toBe(0);
    expect(written()).toEqual({ timeout: 99_999_999, proxy: 'proxy:3128', group: 'export' });
  });

  it('set replaces the bad value', async () => {
    fs.writeFileSync(file(), JSON.stringify(BAD));
    expect(await configSet('interval', '5', out())).toBe(0);
    expect(written()).toEqual({ ...BAD, interval: 5 });
  });

  it("other keys' bad values block neither set nor unset", async () => {
    fs.writeFileSync(file(), JSON.stringify(BAD));
    expect(await configSet('maxAnswerSize', '128MiB', out())).toBe(0);
    expect(await configUnset('group', out())).toBe(0);
    expect(written()).toEqual({ interval: 'soon', timeout: 99_999_999, proxy: 'proxy:3128', maxAnswerSize: '128MiB' });
  });

  it('the value set is still checked: a bad one is a usage error and the file stays', async () => {
    fs.writeFileSync(file(), JSON.stringify(BAD));
    await expect(configSet('interval', '0x10', out())).rejects.toThrow(
      '"interval" must be a number of seconds from 0.1 to 86400, not "0x10"',
    );
    expect(written()).toEqual(BAD);
  });

  it('a file that is not JSON stops them with how to fix it, and is left as it was', async () => {
    fs.writeFileSync(file(), '{"interval": ');
    for (const attempt of [() => configSet('interval', '5', out()), () => configUnset('interval', out())]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).exitCode).toBe(ExitCode.config);
      expect((error as ConfigError).message).toContain(`${file()} is not valid JSON`);
      expect((error as ConfigError).hint).toBe(
        'fix it in an editor, or remove it and set the settings again with events config set',
      );
    }
    expect(fs.readFileSync(file(), 'utf8')).toBe('{"interval": ');
  });
});
