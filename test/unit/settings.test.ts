// The settings table (and its empty and odd values), run through the real commander program
// in-process. Only the actions are swapped for one that resolves the settings and keeps them, so
// nothing is tailed; options, argParsers, variables and config.json are the real ones.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { testIO } from '../helpers/run-in-process.js';
import { commandSettings } from '../../src/commands/tail.js';
import { DEFAULT_ASANA_BASE_URL, DEFAULT_BOX_BASE_URL } from '../../src/providers/defaults.js';
import { configDir } from '../../src/config/folder.js';
import {
  SETTINGS,
  settingKeys,
  type SettingCommand,
  type SettingKey,
  type Settings,
} from '../../src/config/settings.js';
import { loadConf } from '../../src/config/store.js';
import { EventsError, ExitCode, UsageError } from '../../src/core/errors.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-settings-'));
  vi.stubEnv('EVENTS_CONFIG_DIR', dir);
  for (const row of Object.values(SETTINGS)) if (row.env) vi.stubEnv(row.env, undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
  fs.rmSync(dir, { recursive: true, force: true });
});

const PATH: Record<SettingCommand, string[]> = { tail: ['tail'], snapshot: ['snapshot'], auth: ['auth', 'status'] };
/** A resource, where the command needs one. */
const ARGS: Record<SettingCommand, string[]> = { tail: ['1204567890123456'], snapshot: ['1204567890123456'], auth: [] };

interface Run {
  settings: Settings;
  source: (key: SettingKey) => string | undefined;
  warnings: string[];
}

/** `events <command> ...args` with the action swapped for one that resolves and keeps the settings. */
async function run(
  command: SettingCommand,
  args: string[],
  options: { env?: Record<string, string>; file?: Record<string, unknown> } = {},
): Promise<Run> {
  for (const [name, value] of Object.entries(options.env ?? {})) vi.stubEnv(name, value);
  if (options.file) fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(options.file));
  const program = createProgram(testIO({ env: process.env }).io);
  let target: Command = program;
  for (const name of PATH[command]) target = target.commands.find((c) => c.name() === name)!;
  for (const c of [program, ...program.commands])
    c.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  const warnings: string[] = [];
  let result: Run | undefined;
  target.action((...actionArgs: unknown[]) => {
    const cmd = actionArgs.at(-1) as Command;
    const settings = commandSettings(command, cmd, process.env, (line) => warnings.push(line));
    result = { settings, source: (key) => cmd.getOptionValueSource(key), warnings };
  });
  await program.parseAsync([...PATH[command], ...ARGS[command], ...args], { from: 'user' });
  return result!;
}

/** Three good values per row: as a flag, in the variable, in config.json; and what each resolves to. */
const SAMPLES: Record<SettingKey, { flag: [string, unknown]; env?: [string, unknown]; file?: [unknown, unknown] }> = {
  asanaBaseUrl: {
    flag: ['http://flag.test/api/1.0', 'http://flag.test/api/1.0'],
    env: ['http://env.test/api/1.0', 'http://env.test/api/1.0'],
    file: ['http://file.test/api/1.0', 'http://file.test/api/1.0'],
  },
  boxBaseUrl: {
    flag: ['http://flag.test/2.0', 'http://flag.test/2.0'],
    env: ['http://env.test/2.0', 'http://env.test/2.0'],
    file: ['http://file.test/2.0', 'http://file.test/2.0'],
  },
  interval: { flag: ['7', 7], file: [9, 9] },
  group: { flag: ['from-flag', 'from-flag'], file: ['from-file', 'from-file'] },
  color: { flag: ['always', 'always'], file: ['never', 'never'] },
  onExpire: { flag: ['warn', 'warn'] },
  timeout: { flag: ['11', 11], file: [13, 13] },
  giveUp: { flag: ['7', 7] },
  waitLock: { flag: ['3', 3] },
  relist: { flag: ['60', 60], file: [90, 90] },
  webhookUrl: {
    flag: ['https://flag.test/hooks', 'https://flag.test/hooks'],
    env: ['http://127.0.0.1:9/env', 'http://127.0.0.1:9/env'],
    file: ['https://file.test', 'https://file.test'],
  },
  listen: { flag: ['127.0.0.1:9001', '127.0.0.1:9001'], file: ['[::1]:9002', '[::1]:9002'] },
  webhookPoll: { flag: ['60', 60], file: [120, 120] },
  cert: { flag: ['flag.pem', 'flag.pem'], file: ['file.pem', 'file.pem'] },
  key: { flag: ['flag.key', 'flag.key'], file: ['file.key', 'file.key'] },
  rate: { flag: ['120', 120], file: ['10/s', 600] },
  maxEvents: { flag: ['10', 10] },
  output: { flag: ['out.jsonl', 'out.jsonl'] },
  proxy: {
    flag: ['http://flag.test:3128', 'http://flag.test:3128'],
    file: ['http://file.test:3128', 'http://file.test:3128'],
  },
  maxAnswerSize: { flag: ['2MiB', 2 * 2 ** 20], env: ['3145728', 3 * 2 ** 20], file: ['4096KiB', 4 * 2 ** 20] },
};

const cases = (Object.keys(SETTINGS) as SettingKey[]).flatMap((key) =>
  SETTINGS[key].commands.map((command) => [key, command] as const),
);

describe('the settings table', () => {
  it('has a sample for every row, and config keys for exactly the rows that say so', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(SETTINGS).sort());
    for (const [key, row] of Object.entries(SETTINGS))
      expect(SAMPLES[key as SettingKey].file !== undefined, key).toBe(row.config);
    for (const [key, row] of Object.entries(SETTINGS))
      expect(SAMPLES[key as SettingKey].env !== undefined, key).toBe(row.env !== undefined);
    expect(settingKeys()).toEqual(Object.keys(SETTINGS).filter((key) => SETTINGS[key as SettingKey].config));
  });

  it('defaults the base URLs to the real APIs, as the providers do', () => {
    expect(SETTINGS.asanaBaseUrl.default).toBe(DEFAULT_ASANA_BASE_URL);
    expect(SETTINGS.boxBaseUrl.default).toBe(DEFAULT_BOX_BASE_URL);
  });

  it.each(cases)('%s on %s: flag beats environment beats config.json beats default', async (key, command) => {
    const row = SETTINGS[key];
    const sample = SAMPLES[key];
    const flag = row.flag.split(' ')[0]!;
    const none = await run(command, []);
    expect(none.settings[key]).toEqual(row.default);
    expect(none.source(key)).toBe(row.default === undefined ? undefined : 'default');
    const file = sample.file ? { [key]: sample.file[0] } : undefined;
    if (sample.file) {
      const fromFile = await run(command, [], { file });
      expect(fromFile.settings[key]).toEqual(sample.file[1]);
      expect(fromFile.source(key)).toBe('config');
    }
    const env = sample.env && row.env ? { [row.env]: sample.env[0] } : undefined;
    if (env) {
      const fromEnv = await run(command, [], { env, file });
      expect(fromEnv.settings[key]).toEqual(sample.env![1]);
      expect(fromEnv.source(key)).toBe('env');
    }
    const fromFlag = await run(command, [flag, sample.flag[0]], { env, file });
    expect(fromFlag.settings[key]).toEqual(sample.flag[1]);
    expect(fromFlag.source(key)).toBe('cli');
  });

  it('a flag-only row is not read from config.json: the key warns and is ignored', async () => {
    const result = await run('tail', [], { file: { onExpire: 'fail' } });
    expect(result.settings.onExpire).toBe('recrawl');
    expect(result.warnings).toEqual([expect.stringMatching(/unknown key "onExpire" is ignored/)]);
  });

  it('an empty variable counts as unset: config.json, then the default, apply', async () => {
    const withFile = await run('tail', [], {
      env: { ASANA_BASE_URL: '', EVENTS_MAX_ANSWER_SIZE: '' },
      file: { asanaBaseUrl: 'http://file.test/api/1.0', maxAnswerSize: '2MiB' },
    });
    expect(withFile.settings.asanaBaseUrl).toBe('http://file.test/api/1.0');
    expect(withFile.settings.maxAnswerSize).toBe(2 ** 21);
    fs.rmSync(path.join(dir, 'config.json'));
    const bare = await run('snapshot', [], { env: { ASANA_BASE_URL: '' } });
    expect(bare.settings.asanaBaseUrl).toBe(DEFAULT_ASANA_BASE_URL);
    expect(bare.source('asanaBaseUrl')).toBe('default');
  });

  it('a bad variable is a usage error naming the variable, not the flag', async () => {
    const error = await run('tail', [], { env: { EVENTS_MAX_ANSWER_SIZE: '64 MB' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      'EVENTS_MAX_ANSWER_SIZE must be a size from 1MiB to 1GiB (bytes, or with KiB, MiB, GiB), not "64 MB"',
    );
    // A good flag wins over a bad variable: the variable is never used.
    expect(
      (await run('tail', ['--max-answer-size', '1GiB'], { env: { EVENTS_MAX_ANSWER_SIZE: '64 MB' } })).settings
        .maxAnswerSize,
    ).toBe(2 ** 30);
  });

  it('a bad value in config.json names the file and the key (exit 78), for the new rows too', async () => {
    for (const file of [{ proxy: 'proxy.example.com:3128' }, { maxAnswerSize: '2GiB' }]) {
      const error = await run('auth', [], { file }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventsError);
      expect((error as EventsError).exitCode).toBe(ExitCode.config);
      expect((error as EventsError).message).toContain(`"${Object.keys(file)[0]}" must be`);
    }
  });
});

/** The files `file` loads at start-up: its static imports, transitively (not `import()`). */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = fs.readFileSync(file, 'utf8');
  for (const [, spec] of text.matchAll(/^(?:import|export)\s(?!type\s)[^;]*?from\s+['"](\.[^'"]+)['"]/gm)) {
    staticClosure(path.resolve(path.dirname(file), spec!).replace(/\.js$/, '.ts'), seen);
  }
  return seen;
}

describe('start-up', () => {
  it('the program (the table included) loads nothing under src/net/: --help, state, config and completion stay fast', () => {
    const src = path.resolve(import.meta.dirname, '../../src');
    const loaded = ['cli/program.ts', 'cli/completion.ts', 'commands/state.ts', 'commands/config.ts']
      .flatMap((entry) => [...staticClosure(path.join(src, entry))])
      .map((file) => path.relative(src, file));
    expect(loaded).toContain('config/settings.ts');
    expect(loaded.filter((file) => file.startsWith('net/'))).toEqual([]);
  });
});

describe('empty and odd values', () => {
  it.each([
    ['tail', ['--output', ''], '--output must be a file name, not ""'],
    ['snapshot', ['--output', ''], '--output must be a file name, not ""'],
    ['tail', ['--group', ''], '--group must be a name of letters, digits, dot, dash or underscore, not ""'],
    ['tail', ['--action', ''], '--action must be added, changed, removed, deleted or undeleted, not ""'],
    ['tail', ['--action', ','], '--action must be added, changed, removed, deleted or undeleted, not ","'],
    ['tail', ['--user', ' '], '--user must be a user gid, name or e-mail login, not " "'],
    ['tail', ['--refs-file', ''], '--refs-file must be a file name (- for stdin), not ""'],
    ['tail', ['--since', ''], '--since must be a date or a duration, not ""'],
    ['tail', ['--interval', '0x10'], '--interval must be a number of seconds from 0.1 to 86400, not "0x10"'],
    ['tail', ['--interval', '1e1'], '--interval must be a number of seconds from 0.1 to 86400, not "1e1"'],
    ['tail', ['--interval', ' 5'], '--interval must be a number of seconds from 0.1 to 86400, not " 5"'],
    ['tail', ['--interval', ''], '--interval must be a number of seconds from 0.1 to 86400, not ""'],
    ['tail', ['--interval', '2147484'], '--interval must be a number of seconds from 0.1 to 86400, not "2147484"'],
    ['tail', ['--timeout', '0x1e'], '--timeout must be a number of seconds from 1 to 3600, not "0x1e"'],
    ['auth', ['--timeout', ''], '--timeout must be a number of seconds from 1 to 3600, not ""'],
    ['tail', ['--max-events', '1e3'], '--max-events must be a whole number from 1 to 2147483647, not "1e3"'],
    [
      'tail',
      ['--rate', ' 60/min'],
      '--rate must be requests per minute from 1 to 100,000, like 600/min or 10/s, not " 60/min"',
    ],
    ['tail', ['--color', ''], '--color must be auto, always or never, not ""'],
    [
      'tail',
      ['--asana-base-url', ''],
      '--asana-base-url must be an http(s) URL without a query string or fragment, such as "https://app.asana.com/api/1.0", not ""',
    ],
    [
      'auth',
      ['--proxy', 'proxy.example.com:3128'],
      '--proxy must be an http(s) URL such as "http://proxy.example.com:3128", not "proxy.example.com:3128"',
    ],
    [
      'snapshot',
      ['--max-answer-size', '500KiB'],
      '--max-answer-size must be a size from 1MiB to 1GiB (bytes, or with KiB, MiB, GiB), not "500KiB"',
    ],
    [
      'tail',
      ['--max-answer-size', '0x4000000'],
      '--max-answer-size must be a size from 1MiB to 1GiB (bytes, or with KiB, MiB, GiB), not "0x4000000"',
    ],
  ] as const)('%s %j: a usage error naming the flag and what it must be', async (command, args, message) => {
    const error = await run(command, [...args]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(ExitCode.usage);
    expect((error as UsageError).message).toBe(message);
    expect((error as UsageError).hint).toMatch(/^for example /);
  });

  it('takes the spellings it documents', async () => {
    expect(
      (await run('tail', ['--interval', '0.5', '--max-answer-size', '500000KiB', '--rate', '10/s'])).settings,
    ).toMatchObject({ interval: 0.5, maxAnswerSize: 500_000 * 1024, rate: 600 });
    expect((await run('tail', ['--max-answer-size', '1048576'])).settings.maxAnswerSize).toBe(2 ** 20);
  });
});

describe('a base URL with a query string or fragment', () => {
  // Paths are appended to the base as text: "https://x/api/1.0?pretty" would become
  // "https://x/api/1.0?pretty/events?sync=…", a request for the wrong resource.
  const bad = [
    'https://app.asana.com/api/1.0?opt_pretty=true',
    'https://app.asana.com/api/1.0?',
    'http://x.test/api#v1',
  ];
  const fix = /^an http\(s\) URL without a query string or fragment, such as /;

  it.each(bad)('%s: refused as a flag and as a variable (exit 2, naming which), and in config.json', async (url) => {
    for (const [flag, key, variable] of [
      ['--asana-base-url', 'asanaBaseUrl', 'ASANA_BASE_URL'],
      ['--box-base-url', 'boxBaseUrl', 'BOX_BASE_URL'],
    ] as const) {
      const fromFlag = (await run('tail', [flag, url]).catch((e: unknown) => e)) as UsageError;
      expect(fromFlag).toBeInstanceOf(UsageError);
      expect(fromFlag.exitCode).toBe(ExitCode.usage);
      expect(fromFlag.message).toMatch(new RegExp(`^${flag} must be `));
      expect(fromFlag.message.slice(`${flag} must be `.length)).toMatch(fix);
      expect(fromFlag.hint).toMatch(new RegExp(`^for example ${flag} https://`));

      const fromEnv = (await run('auth', [], { env: { [variable]: url } }).catch((e: unknown) => e)) as UsageError;
      expect(fromEnv).toBeInstanceOf(UsageError);
      expect(fromEnv.exitCode).toBe(ExitCode.usage);
      expect(fromEnv.message).toMatch(new RegExp(`^${variable} must be an http\\(s\\) URL without a query string`));
      expect(fromEnv.hint).toMatch(new RegExp(`^for example ${variable}=https://.*, or unset it$`));
      vi.stubEnv(variable, undefined);

      const fromFile = (await run('auth', [], { file: { [key]: url } }).catch((e: unknown) => e)) as EventsError;
      expect(fromFile.exitCode).toBe(ExitCode.config);
      expect(fromFile.message).toContain(`"${key}" must be an http(s) URL without a query string or fragment`);
      fs.rmSync(path.join(dir, 'config.json'));
    }
  });

  it('a base URL with a path, a port and a trailing slash is still taken', async () => {
    const url = 'https://asana.example.com:8443/api/1.0/';
    expect((await run('tail', ['--asana-base-url', url])).settings.asanaBaseUrl).toBe(url);
  });
});

describe('the config folder', () => {
  it.skipIf(process.platform === 'darwin' || process.platform === 'win32')(
    'is the folder conf picks for the project "events" with no suffix, so `events config path` and conf agree',
    async () => {
      vi.stubEnv('EVENTS_CONFIG_DIR', '');
      vi.stubEnv('XDG_CONFIG_HOME', dir);
      const Conf = await loadConf();
      const conf = new Conf<Record<string, unknown>>({ projectName: 'events', projectSuffix: '' });
      expect(configDir(process.env)).toBe(path.dirname(conf.path));
      expect(configDir(process.env)).toBe(path.join(dir, 'events'));
    },
  );
});
