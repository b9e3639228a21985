// Every flag of every command is a row of the settings table, and every row's flag gets the
// table's rules. The cases are generated from the table (src/config/settings.ts): a flag added
// tomorrow is covered without anyone naming it. In-process, against a local HTTP server that
// counts requests, so "nothing was followed" is checked, not assumed.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { FLAGS, type CommandName } from '../../src/config/settings.js';
import { flagsOf, longName } from '../../src/config/flag-rules.js';
import { flagsMarkdown } from '../../src/cli/flags-doc.js';
import { runInProcess, testIO } from '../helpers/run-in-process.js';

const COMMANDS: CommandName[] = [
  'tail',
  'snapshot',
  'auth',
  'demo',
  'emulator',
  'state list',
  'state show',
  'state reset',
  'state path',
  'config list',
  'webhooks list',
  'webhooks remove',
];
/** The words of a command, and the arguments it needs before its flags. */
const argvOf = (command: CommandName): string[] => {
  const words = command === 'auth' ? ['auth', 'status'] : command.split(' ');
  return ['tail', 'snapshot', 'state show', 'state reset'].includes(command) ? [...words, '1204567890123456'] : words;
};

let server: http.Server;
let requests = 0;
let dir: string;
let work: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  server = http.createServer((_, res) => {
    requests++;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-flag-table-'));
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'events-flag-table-cwd-'));
  env = {
    EVENTS_CONFIG_DIR: path.join(dir, 'state'),
    ASANA_BASE_URL: `${url}/api/1.0`,
    BOX_BASE_URL: `${url}/2.0`,
    ASANA_ACCESS_TOKEN: 'test-token',
    BOX_ACCESS_TOKEN: 'test-token',
  };
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

/** `events ...args` in-process, in the scratch folder, stopped (like Ctrl-C) if it runs for more than 3 s. */
async function attempt(args: string[]) {
  const cwd = process.cwd();
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(130), 3000);
  try {
    process.chdir(work);
    return await runInProcess(args, { env, stop });
  } finally {
    clearTimeout(timer);
    process.chdir(cwd);
  }
}

/** Every value-taking flag of every command, with a flag of the same command to follow it (--once where there is one). */
const cases = COMMANDS.flatMap((command) => {
  const rows = flagsOf(command);
  const boolean = rows.find(([key]) => key === 'once') ?? rows.find(([, row]) => row.kind === 'boolean');
  const follower = boolean ? longName(boolean[1]) : '--help';
  return rows
    .filter(([, row]) => row.kind !== 'boolean')
    .map(([, row]) => ({ command, flag: longName(row), follower }));
});

describe('a flag that takes a value never takes the next flag as its value', () => {
  it('covers every value-taking row of the table, hidden ones included', () => {
    const valueRows = Object.values(FLAGS).filter((row) => row.kind !== 'boolean').length;
    expect(new Set(cases.map((c) => c.flag)).size).toBe(valueRows);
    expect(cases.length).toBeGreaterThan(40);
  });

  it.each(cases)('$command $flag $follower: exit 2 naming $flag; nothing written, nothing requested', async (c) => {
    const before = requests;
    for (const follower of [c.follower, '--help']) {
      const run = await attempt([...argvOf(c.command), c.flag, follower]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toBe(
        `events: ${c.flag} needs a value; got the flag ${follower} (write ${c.flag}=-x if a value really starts with -)\n`,
      );
      expect(run.stdout).toBe('');
    }
    expect(requests).toBe(before);
    expect(fs.readdirSync(work)).toEqual([]);
    expect(fs.existsSync(env['EVENTS_CONFIG_DIR']!)).toBe(false);
  });
});

describe('the program takes its options from the table only', () => {
  /** The leaf commands of the program, by the table's name for them. */
  function leaves(program = createProgram(testIO({ env: {} }).io)): Array<[CommandName, Command]> {
    const find = (words: string[]): Command =>
      words.reduce<Command>((c, word) => c.commands.find((sub) => sub.name() === word)!, program);
    return COMMANDS.map((command) => [command, find(argvOf(command).filter((w) => !/^\d/.test(w)))]);
  }

  it.each(leaves())('every option of %s is a row that names it, and every such row is an option', (command, cmd) => {
    const table = flagsOf(command).map(([key]) => key);
    expect(cmd.options.map((o) => o.attributeName())).toEqual(table);
  });

  it('commands outside the table take no options', () => {
    const program = createProgram(testIO({ env: {} }).io);
    const named = new Set(leaves(program).map(([, cmd]) => cmd));
    const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
    const others = all(program).filter((c) => !named.has(c) && c !== program);
    expect(others.flatMap((c) => c.options.map((o) => `${c.name()} ${o.long}`))).toEqual([]);
  });
});

describe('docs/flags.md', () => {
  it('is what the table generates (npm run flags-doc writes it)', () => {
    const file = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/flags.md'), 'utf8');
    expect(file).toBe(flagsMarkdown());
  });

  it('lists every visible flag of every command under that command', () => {
    const page = flagsMarkdown();
    for (const command of COMMANDS) {
      const title = `## events ${command === 'auth' ? 'auth status' : command}\n`;
      const section = page.slice(page.indexOf(title)).split('\n## ')[0]!;
      for (const [, row] of flagsOf(command).filter(([, r]) => !r.hidden))
        expect(section, `${command} ${row.flag}`).toContain(`| \`${row.flag}\` |`);
    }
  });
});

describe('a misspelt value, argument or reference gets a did-you-mean, as an unknown flag does', () => {
  /** One edit away: the first two letters swapped. */
  const typo = (word: string): string => `${word[1]}${word[0]}${word.slice(2)}`;

  const choiceRows = COMMANDS.flatMap((command) =>
    flagsOf(command).flatMap(([, row]) =>
      'choices' in row && row.choices ? row.choices.map((choice) => ({ command, flag: longName(row), choice })) : [],
    ),
  );

  it.each(choiceRows)('$command $flag <typo of $choice>', async ({ command, flag, choice }) => {
    const run = await attempt([...argvOf(command), flag, typo(choice)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^events: ${flag} must be .*\\(did you mean ${choice}\\?\\)\n$`));
  });

  /** Every argument of the program with a fixed set of values, and the words of its command. */
  function choiceArguments(): Array<{ words: string[]; choice: string }> {
    const program = createProgram(testIO({ env: {} }).io);
    const walk = (c: Command, words: string[]): Array<{ words: string[]; choice: string }> => [
      ...c.registeredArguments.flatMap((a) => (a.argChoices ?? []).map((choice) => ({ words, choice }))),
      ...c.commands.flatMap((sub) => walk(sub, [...words, sub.name()])),
    ];
    return walk(program, []);
  }

  it('there are arguments with choices (auth status, completion)', () => {
    expect(choiceArguments().map((a) => a.words.join(' '))).toEqual(
      expect.arrayContaining(['auth status', 'completion']),
    );
  });

  it.each(choiceArguments())('$words <typo of $choice>', async ({ words, choice }) => {
    const run = await attempt([...words, typo(choice)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`\\(did you mean ${choice}\\?\\)\n$`));
    expect(run.stderr.split('\n')).toHaveLength(2);
  });

  it.each([
    ['box:chnages', 'box:changes'],
    ['box:admin_log', 'box:admin_logs'],
    ['workspce:123', 'workspace:123'],
    ['teams:1200', 'team:1200'],
    ['boxx', 'box'],
  ])('tail %s suggests %s', async (ref, guess) => {
    const run = await attempt(['tail', ref]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`(did you mean ${guess}? or use one of:`);
  });
});
