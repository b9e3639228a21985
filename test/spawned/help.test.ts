// Help that teaches, and errors that suggest the fix. In-process (test/helpers/run-in-process.ts)
// but for bin/events.js --help itself and what needs a terminal.
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, tempDir } from '../helpers/env.js';
import { BIN, collect, runCli } from '../helpers/spawn.js';
import { runInProcess } from '../helpers/run-in-process.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

const COMMANDS = [
  ['tail'],
  ['snapshot'],
  ['demo'],
  ['emulator'],
  ['state'],
  ['state', 'list'],
  ['state', 'show'],
  ['state', 'reset'],
  ['state', 'path'],
  ['completion'],
  ['auth'],
  ['auth', 'status'],
  ['config'],
  ['config', 'list'],
  ['config', 'get'],
  ['config', 'set'],
  ['config', 'unset'],
  ['config', 'path'],
];

describe('help and suggestions', () => {
  it.each(COMMANDS.map((c) => c.join(' ')))('`events %s --help` ends with examples', async (command) => {
    const run = await runInProcess([...command.split(' '), '--help'], { env: cleanEnv() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\nExamples:\n(  \$ .*events.*\n)+\n*$/);
  });

  it('the top-level help lists the commands and ends with examples (bin/events.js itself)', async () => {
    const run = await runCli(['--help'], cleanEnv());
    expect(run.code).toBe(0);
    for (const name of ['tail', 'snapshot', 'demo', 'emulator', 'auth', 'state', 'completion'])
      expect(run.stdout).toContain(`  ${name}`);
    expect(run.stdout).not.toContain('__complete-refs');
    expect(run.stdout).toContain('Examples:');
  });

  it.each([
    [['tial', '123'], /unknown command 'tial' \(did you mean tail\?\)/],
    [['tail', '123', '--jsn'], /unknown option '--jsn' \(did you mean --json\?\)/],
    [['state', 'lst'], /unknown command 'lst' \(did you mean list\?\)/],
    [['tail', '123', '--on-expire', 'retry'], /--on-expire must be recrawl, warn or fail, not "retry"/],
  ])('%j: one line, exit 2, suggests the fix', async (args, message) => {
    const run = await runInProcess(args, { env: cleanEnv() });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });
});

/** Every example line of every help text, as printed after "  $ ". */
async function helpExampleLines(): Promise<string[]> {
  const lines: string[] = [];
  for (const command of [[], ...COMMANDS]) {
    const run = await runInProcess([...command, '--help'], { env: cleanEnv() });
    for (const line of run.stdout.split('\n')) if (line.startsWith('  $ ')) lines.push(line.slice(4));
  }
  return lines;
}

/** Every example of every help text: the command part, without the `  # description` after it. */
async function helpExamples(): Promise<string[]> {
  return (await helpExampleLines()).map((line) => line.replace(/ {2}# .*$/, ''));
}

/** The characters of a command line that no quote protects (quoted text is dropped). */
function unquoted(line: string): string {
  let out = '';
  let quote: string | undefined;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else {
      out += ch;
    }
  }
  return out;
}

describe('help and usage', () => {
  it.each([
    [['tail'], "see 'events tail --help'"],
    [['state', 'show'], "see 'events state show --help'"],
    [['snapshot', '123', '--output'], "see 'events snapshot --help'"],
  ])("%j: a usage error points at that command's help", async (args, pointer) => {
    const run = await runInProcess(args, { env: cleanEnv() });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(pointer);
  });

  it('`events help nosuch` is a usage error; `events help state lst` suggests list', async () => {
    const nosuch = await runInProcess(['help', 'nosuch'], { env: cleanEnv() });
    expect(nosuch.code).toBe(2);
    expect(nosuch.stdout).toBe('');
    expect(nosuch.stderr).toMatch(/^events: unknown command 'nosuch'/);
    const typo = await runInProcess(['help', 'state', 'lst'], { env: cleanEnv() });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown command 'state lst' \(did you mean list\?\)/);
  });

  it('`events help state list` shows the help of state list', async () => {
    const run = await runInProcess(['help', 'state', 'list'], { env: cleanEnv() });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe((await runInProcess(['state', 'list', '--help'], { env: cleanEnv() })).stdout);
    expect(run.stdout).toMatch(/^Usage: events state list/);
  });

  it('no help text shows "(default: [])"', async () => {
    for (const command of [[], ...COMMANDS]) {
      const run = await runInProcess([...command, '--help'], { env: cleanEnv() });
      expect(run.stdout).not.toContain('(default: [])');
    }
  });

  it.each([
    [
      ['tail', '123', '--color', 'blue'],
      '--color must be auto, always or never, not "blue" (for example --color never)',
    ],
    [
      ['snapshot', '123', '--color', 'blue'],
      '--color must be auto, always or never, not "blue" (for example --color never)',
    ],
    [['demo', '--color', 'blue'], '--color must be auto, always or never, not "blue" (for example --color never)'],
    [
      ['tail', '123', '--on-expire', 'retry'],
      '--on-expire must be recrawl, warn or fail, not "retry" (for example --on-expire fail)',
    ],
    [
      ['tail', '123', '--interval', 'soon'],
      '--interval must be a number of seconds from 0.1 to 86400, not "soon" (for example --interval 5)',
    ],
    [
      ['tail', '123', '--group', 'a b'],
      '--group must be a name of letters, digits, dot, dash or underscore, not "a b" (for example --group export)',
    ],
    [
      ['tail', '123', '--action', 'edited'],
      '--action must be added, changed, removed, deleted or undeleted, not "edited" (for example --action changed)',
    ],
    [['completion', 'tcsh'], '<shell> must be bash, zsh or fish, not "tcsh" (for example events completion bash)'],
    [
      ['tail', '123', '--fields', 'usr.name'],
      '--fields must be fields of Asana events (action, change, change.action, change.added_value, change.field, change.new_value, change.removed_value, created_at, parent, parent.name, resource, resource.name, type, user, user.name), not "usr.name" (did you mean user.name?)',
    ],
    [
      ['tail', '123', '--crawl-fields', 'nmae'],
      '--crawl-fields must be fields of projects, tasks, stories, goals or workspaces as Asana names them, not "nmae" (did you mean name?)',
    ],
  ])('%j: every bad value is worded the same way', async (args, message) => {
    const run = await runInProcess(args, { env: cleanEnv({ EVENTS_CONFIG_DIR: tempDir() }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`events: ${message}\n`);
  });

  it('`events snapshot box` is a usage error, whatever the tokens', async () => {
    const run = await runInProcess(['snapshot', 'box:admin_logs'], { env: cleanEnv({ EVENTS_CONFIG_DIR: tempDir() }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^events: Box has no snapshot/);
  });

  it('help examples work in zsh as printed: nothing a glob, comment or redirection could take', async () => {
    const examples = await helpExamples();
    expect(examples.length).toBeGreaterThan(20);
    for (const example of examples) {
      const bare = unquoted(example);
      expect(bare, example).not.toMatch(/[?*[\]#!]/);
      expect(bare.replace(/<\(/g, ''), example).not.toContain('<');
    }
  });

  it('help examples paste into a shell: a description follows its command only behind "#"', async () => {
    const lines = await helpExampleLines();
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      // Outside quotes, a gap of two or more spaces is where a description starts: it must be a comment.
      const bare = unquoted(line);
      const gap = bare.search(/ {2,}/);
      if (gap !== -1) expect(bare.slice(gap).trimStart(), line).toMatch(/^# \S/);
    }
    // And a shell agrees: everything after the command is a comment bash does not run.
    const described = lines.filter((line) => / {2}# /.test(line));
    expect(described.length).toBeGreaterThan(10);
    for (const line of described) {
      // `events` prints its words; `source <(events completion bash)` must not run them as commands
      // (that printed "completion: command not found" into the test log): source prints its file.
      const run = spawnSync(
        'bash',
        [
          '-c',
          `set -f; events() { printf '%s\\n' "$@"; }; source() { cat "$@"; }; ${line.replace(/ *[|>].*?(?= {2}# |$)/, '')}`,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      expect(run.stderr, line).toBe('');
      expect(run.stdout, line).not.toMatch(/follow|paste|what|watch|budget|printed/);
    }
  });

  it('the help of --resource-type and --field says that a value the spec does not list is refused', async () => {
    const run = await runInProcess(['tail', '--help'], { env: cleanEnv() });
    expect(run.stdout.replace(/\s+/g, ' ')).toMatch(
      /--resource-type <type> .*an Asana type the spec does not list is refused/,
    );
    expect(run.stdout.replace(/\s+/g, ' ')).toMatch(
      /--field <name> .*custom_fields for any custom field; a field the spec does not list is refused/,
    );
  });
});

describe('a first --once on a terminal', () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await startTestBed();
  });
  afterAll(async () => bed.close());

  /** The CLI with stderr on a pseudo-terminal (util-linux script) and stdout thrown away. */
  async function onTerminal(args: string[]): Promise<string> {
    const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const child = spawn('script', ['-qec', `${command} >/dev/null`, '/dev/null'], {
      env: bed.env(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return (await collect(child, Date.now())).stdout;
  }

  it('says that the cursor is stored and events start from here; not when piped, not with --quiet', async () => {
    const [first, second, third] = bed.emulator.asana.projectGids;
    const said = await onTerminal(['tail', first!, '--once', '--json']);
    expect(said).toMatch(/first run: the cursor is now stored and events start from here/);
    expect(await onTerminal(['tail', first!, '--once', '--json'])).not.toMatch(/first run/);
    expect(await onTerminal(['tail', second!, '--once', '--json', '--quiet'])).not.toMatch(/first run/);
    const piped = await runCli(['tail', third!, '--once', '--json'], bed.env());
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
  });
});
