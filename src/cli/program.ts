// The commander program. Only flags and help live here: every action lazily imports its command
// module, so `events --version` and `--help` never load the HTTP client, conf, chalk or ora.
import type { EventEmitter } from 'node:events';
import { Argument, Command, CommanderError, Option } from 'commander';
import { badValue } from '../core/bounds.js';
import { ExitCode, StopRequested, UsageError, exitCodeOf, formatError } from '../core/errors.js';
import { closest, orList } from '../lib/suggest.js';
import { redactText } from '../lib/redact.js';
import { version } from '../lib/version.js';
import { helpOf, parseOption, settingKeys, settingsOf, type SettingCommand } from '../config/settings.js';
import type { IO } from '../commands/context.js';

const TAIL_EXAMPLES = examples([
  ['events tail 1204567890123456', 'follow a project, task or goal'],
  ['events tail https://app.asana.com/0/1204567890/list', 'paste a URL from the browser'],
  ['events tail 1204567890123456 --json | jq -r .action', 'JSON lines for scripts'],
  ['events tail workspace:1200000000000 --json', 'a whole workspace (service accounts)'],
  ['events tail projects:1200000000000 --json', 'every project of a workspace (any token)'],
  ['events tail --refs-file refs.txt --shard 2/3', 'the second third of a list'],
  ['events tail 1204567890123456 --once --json >> export.jsonl', 'what cron runs'],
  ['events tail box:changes', "a Box user's changes (long polling)"],
  ['events tail box:admin_logs --since 7d --once --json', 'backfill a week of enterprise events'],
]);

/** The commander program of one run, with the exit code its action returned. */
export interface Program extends Command {
  /** What the command that ran returned (0 until one has run). */
  readonly code: number;
}

/**
 * The program, writing and reading only through `io`: help, usage errors and every command's
 * output go to io.stdout/io.stderr, variables come from io.env. Errors (commander's included,
 * through exitOverride) reject parseAsync; `run` below turns them into a line and a code.
 */
export function createProgram(io: IO): Program {
  let code: number = ExitCode.ok;
  /** Each action's command returns its exit code; the program keeps it for `run`. */
  const done = (result: number): void => void (code = result);
  const program = new Command('events')
    .description('Tail the event streams of Asana (and Box) from the command line.')
    .version(version(), '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      getOutHelpWidth: () => (io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : 80),
      getErrHelpWidth: () => (io.stderr.isTTY && io.stderr.columns ? io.stderr.columns : 80),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
      outputError: (text, write) => write(oneLineError(text, 'events')),
    }) as Program;
  Object.defineProperty(program, 'code', { get: () => code });
  // Table options name their variable (help shows it); commander would read it from
  // process.env, so what it read from there is put back and io.env is read instead.
  program.hook('preAction', (_, command) => readVariablesFrom(io.env, command));

  const tail = program
    .command('tail')
    .description('print events of one or more resources as they happen')
    .argument(
      '[resource...]',
      'gid, Asana URL, workspace:<gid>, projects:<workspace gid>, team:<team gid>, box[:stream]',
    )
    .option('--json', 'one JSON object per line on stdout')
    .option('--once', 'read everything new, save the cursor and exit (for cron)')
    .option('--refs-file <file>', 'also follow the references in FILE, one per line (# comments; - for stdin)')
    .option('--shard <K/N>', 'follow only shard K of N: the references (and listed projects) whose hash lands in K')
    .option('--fields <list>', 'Asana opt_fields for events, e.g. user.name,resource.name,change.new_value')
    .option('--snapshot', 'on a first run, also print the current state of each resource')
    .option('--crawl-fields <list>', 'opt_fields for snapshot and re-crawl requests (default: a useful set)')
    .option('--from-start', 'Box: on a first run, read all retained events instead of starting now')
    .option(
      '--action <name>',
      'Asana: only events with this action (added, changed, removed, deleted, undeleted); repeatable',
      collect,
    )
    .option(
      '--resource-type <type>',
      'only events on this kind of resource (Asana task, story, ...; Box file, folder, ...; an Asana type the spec does not list is refused); repeatable',
      collect,
    )
    .option(
      '--field <name>',
      'Asana: only changes of this field (e.g. completed, assignee; custom_fields for any custom field; a field the spec does not list is refused); repeatable',
      collect,
    )
    .option('--user <who>', 'only events by this user (gid/id, name or e-mail login); repeatable', collect)
    .option(
      '--event-type <type>',
      'Box: only these event types (sent as event_type on enterprise streams; a type the spec does not list gets a warning); repeatable',
      collect,
    )
    .option(
      '--since <when>',
      'box:admin_logs: events created after this (ISO date or 2h, 7d); on a first run only: a stored cursor wins',
    )
    .option('--until <when>', 'box:admin_logs: events created before this (ISO date or 2h, 7d)');
  addSettings(tail, 'tail')
    .option('--allow-insecure-http', 'allow sending the access token over plain http to a non-loopback host')
    .option('-q, --quiet', 'print nothing on stderr but errors')
    .option('--verbose', 'print requests, retries and stack traces on stderr')
    .addOption(new Option('--retry-base-ms <ms>').hideHelp())
    .addOption(new Option('--retry-cap-ms <ms>').hideHelp())
    .addHelpText('after', TAIL_EXAMPLES)
    .action(async (resources: string[], options: Record<string, unknown>, command: Command) => {
      const { tailCommand } = await import('../commands/tail.js');
      done(await tailCommand(resources, options, command, io));
    });

  const snapshot = program
    .command('snapshot')
    .description(
      'print the current state of resources (project and tasks, task with subtasks and stories, goal, workspace and projects)',
    )
    .argument('<resource...>', 'gid, Asana URL, workspace:<gid>')
    .option('--json', 'JSON lines on stdout (the default with --output)')
    .option('--crawl-fields <list>', 'opt_fields for the requests (default: a useful set)');
  addSettings(snapshot, 'snapshot')
    .option('--allow-insecure-http', 'allow sending the access token over plain http to a non-loopback host')
    .option('-q, --quiet', 'print nothing on stderr but errors')
    .option('--verbose', 'print requests, retries and stack traces on stderr')
    .addOption(new Option('--retry-base-ms <ms>').hideHelp())
    .addOption(new Option('--retry-cap-ms <ms>').hideHelp())
    .addHelpText(
      'after',
      '\nExamples:\n  $ events snapshot 1204567890123456 --output project.jsonl\n  $ events snapshot https://app.asana.com/0/1204567890/list --json | jq -r \'select(._events.kind=="snapshot") | .name\'\n',
    )
    .action(async (resources: string[], options: Record<string, unknown>, command: Command) => {
      const { snapshotCommand } = await import('../commands/snapshot.js');
      done(await snapshotCommand(resources, options, command, io));
    });

  program
    .command('demo')
    .description('start the built-in emulator with live activity and tail it (no account needed)')
    .option('--json', 'print JSON lines instead of human lines')
    .addOption(choiceOption('--color <when>', 'colour output', ['auto', 'always', 'never'], 'never'))
    .addOption(choiceOption('--provider <name>', 'which emulated service (default asana)', ['asana', 'box'], 'box'))
    .option(
      '--projects',
      'Asana: follow every project of the workspace (projects:<gid>), as new ones appear and old ones are archived',
    )
    .addHelpText(
      'after',
      "\nExamples:\n  $ events demo\n  $ events demo --provider box\n  $ events demo --projects\n  $ events demo --json | jq -r '.resource.name'\n",
    )
    .action(async (options: Record<string, unknown>) => {
      const { demoCommand } = await import('../commands/demo.js');
      done(await demoCommand(options, io));
    });

  program
    .command('emulator')
    .description('run the local Asana/Box emulator until Ctrl-C (try jq pipelines and cron scripts offline)')
    .option('--port <n>', 'port to listen on (default 4010)')
    .option('--host <address>', 'address to listen on (default 127.0.0.1)')
    .option('--activity <ms>', 'simulate activity every this many milliseconds (0: none; default 2000)')
    .option('--token-lifetime <seconds>', 'lifetime of access tokens its token endpoints issue (default 3600)')
    .option(
      '--write-box-jwt-config <file>',
      'write a Box JWT config.json (mode 0600) for a generated key pair the emulator accepts',
    )
    .option(
      '--box-huge-positions',
      'stress mode: Box stream positions above 2^60, which JSON.parse rounds (default: safe integers as in real accounts)',
    )
    .option(
      '--rate-limit <n/window>',
      'per-token request budget, e.g. 150/10s or 1500/min: over it, 429 with Retry-After (default: none)',
    )
    .option('--concurrency-limit <n>', 'per-token requests in flight before 429 (default 50, as Asana)')
    .option(
      '--tls',
      'serve HTTPS with a certificate for localhost, 127.0.0.1 and ::1 from a private CA made for this run (prints its NODE_EXTRA_CA_CERTS file)',
    )
    .option('--cert <file>', 'serve HTTPS with this PEM certificate (chain) instead; needs --key')
    .option('--key <file>', 'the PEM private key of --cert')
    .addHelpText(
      'after',
      examples([
        ['events emulator --port 4010'],
        ['events emulator --tls', 'HTTPS; run clients with the NODE_EXTRA_CA_CERTS=... it prints'],
        ['events emulator --rate-limit 150/10s', 'a free-plan-like budget: try many subscriptions on one token'],
        ['events emulator --write-box-jwt-config box-config.json --token-lifetime 60'],
        [
          'ASANA_BASE_URL=http://127.0.0.1:4010/api/1.0 ASANA_ACCESS_TOKEN=x events tail 1204567890123456',
          'a project gid it printed',
        ],
      ]),
    )
    .action(async (options: Record<string, unknown>) => {
      const { emulatorCommand } = await import('../commands/emulator.js');
      done(await emulatorCommand(options, io));
    });

  const auth = program
    .command('auth')
    .description('show how events authenticates to each provider (never prints a secret)')
    .addHelpText('after', '\nExamples:\n  $ events auth status\n  $ events auth status box --json\n');
  const status = auth
    .command('status')
    .description('per provider: the method, the variables or files it uses, and whether a token can be obtained now')
    .addArgument(new Argument('[provider]', 'asana or box (default: both)').choices(['asana', 'box']))
    .option('--json', 'a JSON array on stdout')
    .option('--check', 'also try a static access token (GET /users/me); OAuth methods always get a token');
  addSettings(status, 'auth')
    .option('--allow-insecure-http', 'allow sending credentials over plain http to a non-loopback host')
    .option('--verbose', 'print requests and stack traces on stderr')
    .addHelpText(
      'after',
      '\nExamples:\n  $ events auth status\n  $ events auth status box\n  $ events auth status asana --check --json\n  $ BOX_JWT_CONFIG=~/box/config.json events auth status box\n',
    )
    .action(async (provider: string | undefined, options: Record<string, unknown>, command: Command) => {
      const { authStatus } = await import('../commands/auth.js');
      done(await authStatus(provider, options, command, { ...io, signal: io.stop.signal }));
    });

  const state = program
    .command('state')
    .description('list, show or reset stored cursors (no network)')
    .addHelpText(
      'after',
      "\nExamples:\n  $ events state list\n  $ events state show 1204567890123456 --json | jq '.[0].cursor'\n  $ events state reset 1204567890123456 --group export\n  $ events state path\n",
    );
  state
    .command('list')
    .description('every stored subscription: provider, API host, group, last event, last sync, cursor age')
    .option('--group <name>', 'only this consumer group (default: the group in config.json, else every group)')
    .option('--json', 'a JSON array on stdout')
    .addHelpText(
      'after',
      "\nExamples:\n  $ events state list\n  $ events state list --json | jq -r '.[] | select(.likely_expired) | .subscription'\n",
    )
    .action(async (options: Record<string, unknown>) => {
      const { stateList } = await import('../commands/state.js');
      done(stateList(options, io));
    });
  state
    .command('show')
    .description('the stored cursor of a resource (every group, or --group)')
    .argument('<resource>', 'gid, Asana URL, workspace:<gid>, box[:stream]')
    .option('--group <name>', 'only this consumer group (default: the group in config.json, else every group)')
    .option('--json', 'a JSON array of the stored records on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ events state show 1204567890123456\n  $ events state show box:admin_logs --json\n',
    )
    .action(async (resource: string, options: Record<string, unknown>) => {
      const { stateShow } = await import('../commands/state.js');
      done(stateShow(resource, options, io));
    });
  state
    .command('reset')
    .description('forget the cursor of a resource: the next run starts fresh')
    .argument('<resource>', 'gid, Asana URL, workspace:<gid>, box[:stream]')
    .option('--group <name>', 'consumer group (default: the group in config.json, else "default")')
    .option(
      '--host <host>',
      'the API host of the cursor (default: the host of ASANA_BASE_URL/BOX_BASE_URL, as tail uses)',
    )
    .option('--all-hosts', "the cursors of every API host (an emulator's and the real API's)")
    .option('--json', 'print {"removed": [files]} on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ events state reset 1204567890123456\n  $ events state reset box --group export\n  $ events state reset 1204567890123456 --host 127.0.0.1:4010\n',
    )
    .action(async (resource: string, options: Record<string, unknown>) => {
      const { stateReset } = await import('../commands/state.js');
      done(await stateReset(resource, options, io));
    });
  state
    .command('path')
    .description('the folder where cursors, locks and config.json live')
    .option('--json', 'print {"path": ...} on stdout')
    .addHelpText('after', '\nExamples:\n  $ events state path\n  $ ls "$(events state path)/cursors"\n')
    .action(async (options: Record<string, unknown>) => {
      const { statePath } = await import('../commands/state.js');
      done(statePath(options, io));
    });

  const config = program
    .command('config')
    .description('show or change the settings in config.json (flags and environment still win)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ events config set group export\n  $ events config set interval 30\n  $ events config list\n  $ events config unset group\n',
    );
  config
    .command('list')
    .description('every setting in config.json')
    .option('--json', 'a JSON object on stdout')
    .addHelpText('after', '\nExamples:\n  $ events config list\n  $ events config list --json | jq .interval\n')
    .action(async (options: Record<string, unknown>) => {
      const { configList } = await import('../commands/config.js');
      done(configList(options, io));
    });
  config
    .command('get')
    .description('the value of one setting (exit 4 when it is not set)')
    .argument('<key>', settingKeys().join(', '))
    .addHelpText('after', '\nExamples:\n  $ events config get group\n')
    .action(async (key: string) => {
      const { configGet } = await import('../commands/config.js');
      done(configGet(key, io));
    });
  config
    .command('set')
    .description('set one setting, checked like the flag of the same name')
    .argument('<key>', settingKeys().join(', '))
    .argument('<value>', 'the value')
    .addHelpText(
      'after',
      '\nExamples:\n  $ events config set group export\n  $ events config set asanaBaseUrl http://127.0.0.1:4010/api/1.0\n',
    )
    .action(async (key: string, value: string) => {
      const { configSet } = await import('../commands/config.js');
      done(await configSet(key, value, io));
    });
  config
    .command('unset')
    .description('remove one setting')
    .argument('<key>', 'the setting')
    .addHelpText('after', '\nExamples:\n  $ events config unset group\n')
    .action(async (key: string) => {
      const { configUnset } = await import('../commands/config.js');
      done(await configUnset(key, io));
    });
  config
    .command('path')
    .description('where config.json is')
    .addHelpText('after', '\nExamples:\n  $ cat "$(events config path)"\n')
    .action(async () => {
      const { configPath } = await import('../commands/config.js');
      done(configPath(io));
    });

  program
    .command('completion')
    .description('print the shell completion script for bash, zsh or fish')
    .addArgument(choiceArgument('<shell>', 'bash, zsh or fish', ['bash', 'zsh', 'fish'], 'events completion bash'))
    .addHelpText(
      'after',
      examples([
        ['source <(events completion bash)', 'bash, now (for good: in ~/.bashrc)'],
        [
          'events completion bash > ~/.local/share/bash-completion/completions/events',
          'bash, with the bash-completion package',
        ],
        ['events completion zsh > ~/.zfunc/_events', 'zsh, with fpath=(~/.zfunc $fpath) before compinit in ~/.zshrc'],
        ['events completion fish > ~/.config/fish/completions/events.fish', 'fish'],
      ]),
    )
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const { completionScript } = await import('./completion.js');
      io.stdout.write(completionScript(shell, createProgram(io)));
    });

  program
    .command('__complete-refs', { hidden: true })
    .argument('[word]', 'what is typed so far')
    .action(async (word: string | undefined) => {
      const { completeRefs } = await import('../commands/state.js');
      done(completeRefs(io, word));
    });

  for (const command of [tail, snapshot, status]) refuseEmptyValues(command);
  addHelpCommand(program);
  // A usage error points at the help of the command it happened in.
  for (const command of allCommands(program)) {
    const where = ['events', ...commandPath(command)].join(' ');
    command.configureOutput({ outputError: (text, write) => write(oneLineError(text, where)) });
  }

  program.addHelpText(
    'after',
    examples([
      ['events demo', 'watch the built-in emulator (no account needed)'],
      ['events tail 1204567890123456', 'follow a project, task or goal'],
      ['events tail 1204567890123456 --once --json >> export.jsonl'],
      ['events state list', 'what is stored'],
    ]) + '\nRun `events <command> --help` for the flags and examples of each command.\n',
  );

  return program;
}

/**
 * One run of the program on `args` (`from: 'node'` for process.argv, 'user' for the arguments
 * alone): the exit code. An error becomes one line on io.stderr (a stack trace only with
 * --verbose); help and --version are 0, commander's usage errors 2; a stop is its own code.
 */
export async function run(io: IO, args: string[], from: 'node' | 'user' = 'user'): Promise<number> {
  try {
    return (await createProgram(io).parseAsync(args, { from })).code;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error);
    // Stopped by a signal while waiting (for a lock, say): that is the stop, not a failure.
    if (io.stop.signal.aborted && error === io.stop.signal.reason) return error as number;
    if (error instanceof StopRequested) return error.exitCode;
    io.stderr.write(`${formatError(error, args.includes('--verbose'))}\n`);
    return exitCodeOf(error);
  }
}

function commanderExit(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help')
    return ExitCode.ok;
  if (error.exitCode === 0) return ExitCode.ok;
  return ExitCode.usage;
}

/**
 * An "Examples:" block whose lines paste into a shell as they are: `$ command  # what it does`,
 * the descriptions aligned, each behind a `#` so the shell takes it as a comment.
 */
function examples(lines: Array<[command: string, what?: string]>): string {
  // A very long command does not push every description far right: it gets two spaces of its own.
  const column = Math.max(
    0,
    ...lines.filter(([command, what]) => what !== undefined && command.length <= 60).map(([command]) => command.length),
  );
  const text = lines.map(
    ([command, what]) => `  $ ${what === undefined ? command : `${command.padEnd(column)}  # ${what}`}`,
  );
  return `\nExamples:\n${text.join('\n')}\n`;
}

/**
 * The table options' variables from `env` instead of process.env: a value commander took from
 * process.env goes back to its default, then the variable in `env` goes through the option's
 * own parser (source 'env'), unless the flag was given.
 */
function readVariablesFrom(env: NodeJS.ProcessEnv, command: Command): void {
  for (const option of command.options) {
    if (option.envVar === undefined) continue;
    const key = option.attributeName();
    if (command.getOptionValueSource(key) === 'env')
      command.setOptionValueWithSource(
        key,
        option.defaultValue,
        option.defaultValue === undefined ? undefined : 'default',
      );
    const source = command.getOptionValueSource(key);
    if (!(option.envVar in env) || (source !== undefined && source !== 'default')) continue;
    // commander's own listener for the variable: the option's parser, source 'env'.
    const events = command as unknown as EventEmitter;
    if (option.required || option.optional) events.emit(`optionEnv:${option.name()}`, env[option.envVar]);
    else events.emit(`optionEnv:${option.name()}`);
  }
}

/**
 * The options of `command` from the settings table (src/config/settings.ts): flag, variable,
 * choices and default come from its row; the argParser keeps a bad value for resolveSettings,
 * which knows whether it came from the flag or the variable.
 */
function addSettings(command: Command, name: SettingCommand): Command {
  for (const [key, row] of settingsOf(name)) {
    const option = new Option(row.flag, helpOf(row, name));
    if (option.attributeName() !== key) throw new Error(`settings table: ${row.flag} is not the flag of "${key}"`);
    if (row.env) option.env(row.env);
    if (row.choices) option.choices(row.choices);
    if (row.default !== undefined) option.default(row.default, row.defaultText);
    command.addOption(option.argParser((value: string) => parseOption(key, value)));
  }
  return command;
}

/** What the other flags with a value must be, for the error when one is given empty. */
const MUST_BE: Record<string, [mustBe: string, example: string, list?: 'list']> = {
  '--refs-file': ['a file name (- for stdin)', 'refs.txt'],
  '--shard': ['K/N, shard K of N', '2/3'],
  '--fields': ['a comma list of Asana event fields', 'user.name,resource.name', 'list'],
  '--crawl-fields': ['a comma list of Asana fields', 'name,notes', 'list'],
  '--since': ['a date or a duration', '7d'],
  '--until': ['a date or a duration', '2h'],
  '--action': ['added, changed, removed, deleted or undeleted', 'changed', 'list'],
  '--resource-type': ['a resource type', 'task', 'list'],
  '--field': ['a field name', 'completed', 'list'],
  '--user': ['a user gid, name or e-mail login', 'alice@example.com', 'list'],
  '--event-type': ['a Box event type', 'ITEM_UPLOAD', 'list'],
  '--retry-base-ms': ['a whole number of milliseconds', '1000'],
  '--retry-cap-ms': ['a whole number of milliseconds', '30000'],
};

/**
 * `--refs-file ''`, `--action ''` (an unset variable in a cron line): a usage error naming the
 * flag, never a flag silently left out. Table rows refuse empty values through resolveSettings.
 */
function refuseEmptyValues(command: Command): void {
  for (const option of command.options) {
    const flag = option.long;
    const rule = flag ? MUST_BE[flag] : undefined;
    if (!flag || !rule) continue;
    const [mustBe, example, list] = rule;
    const inner = option.parseArg;
    option.argParser((value: string, previous: unknown) => {
      const empty = list ? value.split(',').every((part) => part.trim() === '') : value === '';
      if (empty) throw badValue(flag, mustBe, value, example);
      return inner ? inner(value, previous) : value;
    });
  }
}

/** Repeatable flags that also take comma lists: --action added --action changed, --action added,changed. */
function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

/** commander's "error: unknown option '--jsn'\n(Did you mean --json?)" as one line. */
function oneLineError(text: string, where: string): string {
  const [first = '', ...rest] = text.trim().split('\n');
  const hint = rest
    .join(' ')
    .trim()
    .replace(/^\((.*)\)$/, '$1');
  const cause = first.replace(/^error: /, '');
  // commander quotes what was typed (`unknown option '--proxy=http://u:pw@h'`).
  return redactText(
    `events: ${cause} (${hint ? hint.replace(/^Did you mean/, 'did you mean') : `see '${where} --help'`})\n`,
  );
}

/**
 * An option with a fixed set of values. commander's own check words it differently from every
 * other bad value ("argument 'x' is invalid. Allowed choices are …"); this one says what all
 * flags say. The choices stay on the option for help and shell completion.
 */
function choiceOption(flags: string, description: string, values: string[], example: string): Option {
  const option = new Option(flags, description).choices(values);
  const name = option.long ?? flags;
  return option.argParser((value: string) => {
    if (!values.includes(value)) throw badValue(name, orList(values), value, example);
    return value;
  });
}

function choiceArgument(name: string, description: string, values: string[], example: string): Argument {
  const argument = new Argument(name, description).choices(values);
  return argument.argParser((value: string) => {
    if (!values.includes(value))
      throw new UsageError(`${name} must be ${orList(values)}, not ${JSON.stringify(value)}`, `for example ${example}`);
    return value;
  });
}

/**
 * `events help [command...]`: commander's own help command shows the top-level help (exit 0) for
 * a command that does not exist and only looks at the first word (`help state list` shows
 * `state`). This one follows the whole path and refuses unknown words.
 */
function addHelpCommand(program: Command): void {
  program.helpCommand(false);
  program
    .command('help')
    .description('display help for command')
    .argument('[command...]', 'a command, e.g. tail or state list')
    .action((words: string[]) => {
      let target = program;
      for (const [i, word] of words.entries()) {
        const visible = program
          .createHelp()
          .visibleCommands(target)
          .filter((c) => target.commands.includes(c));
        const next = visible.find((c) => c.name() === word || c.aliases().includes(word));
        if (!next) {
          const where = ['events', ...words.slice(0, i)].join(' ');
          const guess = closest(
            word,
            visible.map((c) => c.name()),
          );
          throw new UsageError(
            `unknown command '${[...words.slice(0, i), word].join(' ')}'`,
            guess ? `did you mean ${guess}?` : `see '${where} --help'`,
          );
        }
        target = next;
      }
      target.outputHelp();
    });
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

function commandPath(command: Command): string[] {
  return command.parent ? [...commandPath(command.parent), command.name()] : [];
}
