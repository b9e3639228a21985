// No secret is ever printed. Every command of the program (the list comes from
// createProgram, so a new command is walked too) runs with secrets planted in the environment, in
// its URL flags and in config.json, well-formed and malformed, with --verbose where it takes it;
// stdout and stderr must not hold any of them. Every secret carries the marker S3CRET.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { cleanEnv, tempDir } from '../helpers/env.js';
import { type CliResult } from '../helpers/run-result.js';
import { runCli } from '../helpers/spawn.js';
import { startInProcess, testIO } from '../helpers/run-in-process.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

const MARK = 'S3CRET';

let bed: TestBed;
/** A state folder holding one cursor of the first project, copied for every run. */
let template: string;
beforeAll(async () => {
  bed = await startTestBed();
  await bed.primed(0);
  template = bed.stateDir;
});
afterAll(async () => bed.close());

const withUser = (url: string, user: string): string => url.replace('://', `://${user}:pw-${user}-${MARK}@`);

/** Each way a secret reaches the tool: variables, flags, config.json; well-formed and not. */
interface Scenario {
  env?: Record<string, string>;
  flags?: Record<string, string>;
  config?: Record<string, string>;
}
/** `origin` is the emulator's, http://127.0.0.1:PORT. */
const scenarios = (origin: string): Record<string, Scenario> => ({
  'tokens and base URLs with userinfo and ?access_token= in the environment': {
    env: {
      ASANA_BASE_URL: `${withUser(origin, 'eb')}/api/1.0?access_token=tok-eb-${MARK}`,
      BOX_BASE_URL: `${withUser(origin, 'ex')}/2.0?token=tok-ex-${MARK}&x=1`,
      ASANA_ACCESS_TOKEN: `asana-${MARK}`,
      BOX_ACCESS_TOKEN: `box-${MARK}`,
    },
  },
  'OAuth secrets and token URLs with credentials in the environment': {
    env: {
      ASANA_ACCESS_TOKEN: '',
      ASANA_CLIENT_ID: 'client-id',
      ASANA_CLIENT_SECRET: `cs-${MARK}`,
      ASANA_REFRESH_TOKEN: `rt-${MARK}`,
      ASANA_TOKEN_URL: `${withUser(origin, 'tu')}/-/oauth_token?client_secret=cs-${MARK}`,
      BOX_CLIENT_ID: 'box-client',
      BOX_CLIENT_SECRET: `bcs-${MARK}`,
      BOX_ENTERPRISE_ID: '1',
      BOX_TOKEN_URL: `${withUser(origin, 'bt')}/oauth2/token?refresh_token=rt-${MARK}`,
    },
  },
  'a proxy with user:password in HTTPS_PROXY and HTTP_PROXY': {
    env: {
      HTTP_PROXY: withUser('http://127.0.0.1:1', 'hp'),
      HTTPS_PROXY: withUser('http://127.0.0.1:1', 'sp'),
    },
  },
  'URL flags with userinfo and credential parameters': {
    flags: {
      '--proxy': withUser('http://127.0.0.1:1', 'fp'),
      '--asana-base-url': `${withUser(origin, 'fa')}/api/1.0?access_token=tok-fa-${MARK}`,
      '--box-base-url': `${withUser(origin, 'fx')}/2.0?sig=sig-fx-${MARK}`,
    },
  },
  'config.json with a proxy password and base URLs with credentials': {
    config: {
      proxy: withUser('http://127.0.0.1:1', 'cp'),
      asanaBaseUrl: `${withUser(origin, 'ca')}/api/1.0?access_token=tok-ca-${MARK}`,
      boxBaseUrl: `${withUser(origin, 'cx')}/2.0?password=pw-cx-${MARK}`,
    },
  },
  'malformed URLs in the environment': {
    env: {
      ASANA_BASE_URL: `htps:/mu:pw-mu-${MARK}@127.0.0.1/api/1.0?access_token=tok-mu-${MARK}`,
      BOX_BASE_URL: `hxxp//mx:pw-mx-${MARK}@127.0.0.1/2.0?secret=s-mx-${MARK}`,
      HTTPS_PROXY: `mp:pw-mp-${MARK}@127.0.0.1:3128`,
    },
  },
  'malformed URL flags': {
    flags: {
      '--proxy': `fp:pw-fp-${MARK}@127.0.0.1:3128`,
      '--asana-base-url': `htps//fa:pw-fa-${MARK}@127.0.0.1/api/1.0?access_token=tok-fa-${MARK}`,
      '--box-base-url': `:/fx:pw-fx-${MARK}@?key=k-fx-${MARK}`,
    },
  },
  'malformed URLs in config.json': {
    config: { proxy: `cp:pw-cp-${MARK}@127.0.0.1:3128`, asanaBaseUrl: `htps:/ca:pw-ca-${MARK}@h?token=t-${MARK}` },
  },
});

/** A value for the arguments commands declare (every required one: a new name must be added here). */
const ARGUMENT_VALUES: Record<string, (scenario: Scenario) => string> = {
  resource: () => bed.project,
  key: () => 'proxy',
  value: (scenario) => scenario.flags?.['--proxy'] ?? withUser('http://127.0.0.1:3128', 'av'),
  shell: () => 'bash',
};

/** What keeps a command short: one pass instead of following, no retry storm, a free port. */
const BOUNDED: Record<string, string[]> = {
  tail: ['--once', '--give-up', '0'],
  snapshot: ['--give-up', '0'],
  emulator: ['--port', '0', '--activity', '0'],
};

interface Leaf {
  name: string;
  command: Command;
}

function leaves(command: Command, prefix: string[] = []): Leaf[] {
  return command.commands.flatMap((sub) => {
    const words = [...prefix, sub.name()];
    return sub.commands.length ? leaves(sub, words) : [{ name: words.join(' '), command: sub }];
  });
}

function argsFor(leaf: Leaf, scenario: Scenario): string[] {
  const args = leaf.name.split(' ');
  for (const argument of leaf.command.registeredArguments) {
    const value = ARGUMENT_VALUES[argument.name()];
    if (!value && !argument.required) continue; // `[provider]`, `[word]`: the command's default
    if (!value) throw new Error(`secrets.test.ts: add a value for <${argument.name()}> of "events ${leaf.name}"`);
    args.push(value(scenario));
  }
  const takes = (flag: string): boolean => leaf.command.options.some((o) => o.long === flag);
  for (const [flag, value] of Object.entries(scenario.flags ?? {})) if (takes(flag)) args.push(flag, value);
  if (takes('--verbose')) args.push('--verbose');
  return [...args, ...(BOUNDED[leaf.name] ?? [])];
}

function stateFolder(scenario: Scenario): string {
  const dir = tempDir('events-secrets-');
  fs.cpSync(template, dir, { recursive: true });
  if (scenario.config) fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(scenario.config));
  return dir;
}

/** Runs in-process; a command still running after its first output (demo, emulator) gets Ctrl-C. */
async function runLeaf(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const run = startInProcess(args, { env });
  const started = Date.now();
  const timer = setInterval(() => {
    const spoke = run.stdout.text !== '' || run.stderr.text !== '';
    if ((spoke && Date.now() - started > 1500) || Date.now() - started > 8000) run.stop.abort(130);
  }, 100);
  try {
    return await run.done;
  } finally {
    clearInterval(timer);
  }
}

const program = createProgram(testIO({ env: {} }).io);
const ALL = leaves(program);

describe('no secret is printed', () => {
  it('the walk covers every command, the hidden ones too', () => {
    const names = ALL.map((l) => l.name);
    for (const name of ['tail', 'snapshot', 'demo', 'emulator', 'auth status', 'config get', 'state list', 'help'])
      expect(names).toContain(name);
  });

  it.each(Object.keys(scenarios('http://127.0.0.1')))('%s: every command', { timeout: 120_000 }, async (title) => {
    const scenario = scenarios(bed.emulator.url)[title]!;
    const redactedBy: string[] = [];
    for (const leaf of ALL) {
      const args = argsFor(leaf, scenario);
      const dir = stateFolder(scenario);
      try {
        const result = await runLeaf(args, bed.env({ EVENTS_CONFIG_DIR: dir, ...scenario.env }));
        const printed = `${result.stdout}\n${result.stderr}`;
        expect(printed, `events ${args.join(' ')} printed a secret`).not.toContain(MARK);
        expect(result.code, `events ${args.join(' ')}: ${result.stderr}`).not.toBe(1);
        if (printed.includes('REDACTED')) redactedBy.push(leaf.name);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    // The secrets reached something that prints them: what the walk checks is not vacuous.
    expect(redactedBy.length, `nothing redacted under "${title}"`).toBeGreaterThan(0);
  });

  it('config get and config list show a proxy without its password; the file keeps it', async () => {
    const dir = stateFolder({ config: { proxy: withUser('http://proxy.example.com:3128', 'cg') } });
    const env = cleanEnv({ EVENTS_CONFIG_DIR: dir });
    try {
      const get = await runCli(['config', 'get', 'proxy'], env);
      expect(get).toMatchObject({ code: 0, stdout: 'http://REDACTED@proxy.example.com:3128\n', stderr: '' });
      const list = await runCli(['config', 'list', '--json'], env);
      expect(JSON.parse(list.stdout)).toEqual({ proxy: 'http://REDACTED@proxy.example.com:3128' });
      expect(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).toContain(MARK);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a malformed base URL is echoed redacted, the --verbose stack included (a real process)', async () => {
    const base = `htps:/bob:pw-${MARK}@127.0.0.1/api/1.0?access_token=tok-${MARK}&x=1`;
    const run = await runCli(
      ['tail', bed.project, '--once', '--verbose'],
      cleanEnv({ ASANA_ACCESS_TOKEN: `t-${MARK}`, ASANA_BASE_URL: base, EVENTS_CONFIG_DIR: tempDir() }),
    );
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('ASANA_BASE_URL must be');
    expect(run.stderr).toContain('"htps:/REDACTED@127.0.0.1/api/1.0?access_token=REDACTED&x=1"');
    expect(run.stderr).toMatch(/\n\s+at /); // the stack is there, redacted
    expect(run.stdout + run.stderr).not.toContain(MARK);
  });
});
