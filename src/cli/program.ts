// The commander program. Only flags and help live here: every action lazily imports its command
// module, so `events --version` and `--help` never load the HTTP client, conf, chalk or ora.
import { Argument, Command, CommanderError, Help, Option } from 'commander';
import { ExitCode, UsageError } from '../core/errors.js';
import { closest } from '../lib/suggest.js';
import { redactText } from '../lib/redact.js';
import { version } from '../lib/version.js';
import { settingKeys, PROVIDER_CHOICES, type CommandName } from '../config/settings.js';
import {
  badChoice,
  flagsOf,
  helpOf,
  isSettingOn,
  parserOf,
  readOptions,
  refuseFlagAsValue,
} from '../config/flag-rules.js';
import type { IO } from '../core/io.js';
import type { runTail } from '../app/tail.js';
import type { runSnapshot } from '../app/snapshot.js';

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

/** What the commands that do the work run once their flags are a TailConfig (tests swap them). */
export interface Runners {
  tail: typeof runTail;
  snapshot: typeof runSnapshot;
}

/**
 * The program, writing and reading only through `io`: help, usage errors and every command's
 * output go to io.stdout/io.stderr, variables come from io.env. Errors (commander's included,
 * through exitOverride) reject parseAsync; `run` below turns them into a line and a code.
 * `deps.run` replaces the use cases, so a test can check argv -> TailConfig without a server.
 */
/**
 * `only`: the command this run invokes (the first word of its arguments). The other commands get
 * their names, arguments and help lines but not their options: building every command's options
 * from the table is most of what `events --help` would spend. Absent: every option (completion
 * scripts, tests that walk the whole program).
 */
export function createProgram(io: IO, deps: { run?: Partial<Runners>; only?: string } = {}): Program {
  let code: number = ExitCode.ok;
  const addFlags = (command: Command, name: CommandName): Command => {
    if (deps.only === undefined || name.split(' ')[0] === deps.only) return addTableFlags(command, name);
    LAZY.add(command);
    return command;
  };
  /** Each action's command returns its exit code; the program keeps it for `run`. */
  const done = (result: number): void => void (code = result);
  const program = new TableCommand('events')
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
    })
    // Before any subcommand exists: they inherit it.
    .configureHelp({ optionDescription, subcommandTerm }) as Program;
  Object.defineProperty(program, 'code', { get: () => code });

  const tail = program
    .command('tail')
    .description('print events of one or more resources as they happen')
    .argument(
      '[resource...]',
      'gid, Asana URL, workspace:<gid>, projects:<workspace gid>, team:<team gid>, box[:stream]',
    );
  addFlags(tail, 'tail')
    .addHelpText('after', TAIL_EXAMPLES)
    .action(async (resources: string[], _: unknown, command: Command) => {
      const { tailCommand } = await import('../commands/tail.js');
      done(await tailCommand(resources, readOptions('tail', command), command, io, deps.run?.tail));
    });

  const snapshot = program
    .command('snapshot')
    .description(
      'print the current state of resources (project and tasks, task with subtasks and stories, goal, workspace and projects)',
    )
    .argument('<resource...>', 'gid, Asana URL, workspace:<gid>');
  addFlags(snapshot, 'snapshot')
    .addHelpText(
      'after',
      '\nExamples:\n  $ events snapshot 1204567890123456 --output project.jsonl\n  $ events snapshot https://app.asana.com/0/1204567890/list --json | jq -r \'select(._events.kind=="snapshot") | .name\'\n',
    )
    .action(async (resources: string[], _: unknown, command: Command) => {
      const { snapshotCommand } = await import('../commands/snapshot.js');
      done(await snapshotCommand(resources, readOptions('snapshot', command), command, io, deps.run?.snapshot));
    });

  addFlags(
    program
      .command('demo')
      .description('start the built-in emulator with live activity and tail it (no account needed)'),
    'demo',
  )
    .addHelpText(
      'after',
      "\nExamples:\n  $ events demo\n  $ events demo --provider box\n  $ events demo --projects\n  $ events demo --json | jq -r '.resource.name'\n",
    )
    .action(async (_: unknown, command: Command) => {
      const { demoCommand } = await import('../commands/demo.js');
      done(await demoCommand(readOptions('demo', command), io));
    });

  addFlags(
    program
      .command('emulator')
      .description('run the local Asana/Box emulator until Ctrl-C (try jq pipelines and cron scripts offline)'),
    'emulator',
  )
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
    .action(async (_: unknown, command: Command) => {
      const { emulatorCommand } = await import('../commands/emulator.js');
      done(await emulatorCommand(readOptions('emulator', command), io));
    });

  const auth = program
    .command('auth')
    .description('show how events authenticates to each provider (never prints a secret)')
    .addHelpText('after', '\nExamples:\n  $ events auth status\n  $ events auth status box --json\n');
  const status = auth
    .command('status')
    .description('per provider: the method, the variables or files it uses, and whether a token can be obtained now')
    .addArgument(
      choiceArgument('[provider]', 'asana or box (default: both)', PROVIDER_CHOICES, 'events auth status box'),
    );
  addFlags(status, 'auth')
    .addHelpText(
      'after',
      '\nExamples:\n  $ events auth status\n  $ events auth status box\n  $ events auth status asana --check --json\n  $ BOX_JWT_CONFIG=~/box/config.json events auth status box\n',
    )
    .action(async (provider: 'asana' | 'box' | undefined, _: unknown, command: Command) => {
      const { authStatus } = await import('../commands/auth.js');
      done(await authStatus(provider, readOptions('auth', command), command, io));
    });

  const state = program
    .command('state')
    .description('list, show or reset stored cursors (no network)')
    .addHelpText(
      'after',
      "\nExamples:\n  $ events state list\n  $ events state show 1204567890123456 --json | jq '.[0].cursor'\n  $ events state reset 1204567890123456 --group export\n  $ events state path\n",
    );
  addFlags(
    state
      .command('list')
      .description('every stored subscription: provider, API host, group, last event, last sync, cursor age'),
    'state list',
  )
    .addHelpText(
      'after',
      "\nExamples:\n  $ events state list\n  $ events state list --json | jq -r '.[] | select(.likely_expired) | .subscription'\n",
    )
    .action(async (_: unknown, command: Command) => {
      const { stateList } = await import('../commands/state.js');
      done(stateList(readOptions('state list', command), io));
    });
  addFlags(
    state
      .command('show')
      .description('the stored cursor of a resource (every group, or --group)')
      .argument('<resource>', 'gid, Asana URL, workspace:<gid>, box[:stream]'),
    'state show',
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ events state show 1204567890123456\n  $ events state show box:admin_logs --json\n',
    )
    .action(async (resource: string, _: unknown, command: Command) => {
      const { stateShow } = await import('../commands/state.js');
      done(stateShow(resource, readOptions('state show', command), io));
    });
  addFlags(
    state
      .command('reset')
      .description('forget the cursor of a resource: the next run starts fresh')
      .argument('<resource>', 'gid, Asana URL, workspace:<gid>, box[:stream]'),
    'state reset',
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ events state reset 1204567890123456\n  $ events state reset box --group export\n  $ events state reset 1204567890123456 --host 127.0.0.1:4010\n',
    )
    .action(async (resource: string, _: unknown, command: Command) => {
      const { stateReset } = await import('../commands/state.js');
      done(await stateReset(resource, readOptions('state reset', command), io));
    });
  addFlags(state.command('path').description('the folder where cursors, locks and config.json live'), 'state path')
    .addHelpText('after', '\nExamples:\n  $ events state path\n  $ ls "$(events state path)/cursors"\n')
    .action(async (_: unknown, command: Command) => {
      const { statePath } = await import('../commands/state.js');
      done(statePath(readOptions('state path', command), io));
    });

  const webhooks = program
    .command('webhooks')
    .description('list or remove the Asana webhooks that events tail --webhook-url created')
    .addHelpText(
      'after',
      '\nExamples:\n  $ events webhooks list\n  $ events webhooks remove 1204567890123456\n  $ events webhooks remove --all --group export\n',
    );
  addFlags(
    webhooks
      .command('list')
      .description('per group and subscription: the webhook gid, its target, and whether Asana has it live'),
    'webhooks list',
  )
    .addHelpText(
      'after',
      "\nExamples:\n  $ events webhooks list\n  $ events webhooks list --json | jq -r '.[] | select(.live == false) | .subscription'\n",
    )
    .action(async (_: unknown, command: Command) => {
      const { webhooksList } = await import('../commands/webhooks.js');
      done(await webhooksList(readOptions('webhooks list', command), io));
    });
  addFlags(
    webhooks
      .command('remove')
      .description('delete webhooks at Asana (DELETE /webhooks/{gid}) and forget them')
      .argument('[resource...]', 'gid or Asana URL of a subscription with a webhook'),
    'webhooks remove',
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ events webhooks remove 1204567890123456\n  $ events webhooks remove --all\n',
    )
    .action(async (resources: string[], _: unknown, command: Command) => {
      const { webhooksRemove } = await import('../commands/webhooks.js');
      done(await webhooksRemove(resources, readOptions('webhooks remove', command), io));
    });

  const config = program
    .command('config')
    .description('show or change the settings in config.json (flags and environment still win)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ events config set group export\n  $ events config set interval 30\n  $ events config list\n  $ events config unset group\n',
    );
  addFlags(config.command('list').description('every setting in config.json'), 'config list')
    .addHelpText('after', '\nExamples:\n  $ events config list\n  $ events config list --json | jq .interval\n')
    .action(async (_: unknown, command: Command) => {
      const { configList } = await import('../commands/config.js');
      done(configList(readOptions('config list', command), io));
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
 * alone): the exit code. Help and --version are 0, commander's usage errors 2; every other error
 * is thrown, for the one top (src/main.ts) to print as one line and turn into its exit code.
 */
export async function run(io: IO, args: string[], from: 'node' | 'user' = 'user'): Promise<number> {
  try {
    const only = invokedCommand(from === 'node' ? args.slice(2) : args);
    return (await createProgram(io, { only }).parseAsync(args, { from })).code;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error);
    throw error;
  }
}

/** The command `args` run: their first word (the one after `help`); '' for the program's own help. */
export function invokedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((arg) => !arg.startsWith('-'));
  const first = words[0] === 'help' ? words[1] : words[0];
  // `completion` prints a script for every command: it needs the whole program.
  return first === 'completion' ? undefined : (first ?? '');
}

/** Commands built without their options (createProgram's `only`). */
const LAZY = new WeakSet<Command>();

/** A command listed without its options built still says that it has some: `tail [options] …`. */
function subcommandTerm(this: Help, command: Command): string {
  const term = Help.prototype.subcommandTerm.call(this, command);
  return LAZY.has(command) ? term.replace(command.name(), `${command.name()} [options]`) : term;
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
 * The options of `command`, one per row of the settings table (src/config/settings.ts) that it
 * takes: flag, help, choices, the check of the value (src/config/flag-rules.ts) and, where the
 * row is a setting, its default and variable (which resolveSettings reads from io.env).
 */
function addTableFlags(command: Command, name: CommandName): Command {
  for (const [key, row] of flagsOf(name)) {
    const option = new Option(row.flag, helpOf(row, name));
    if (option.attributeName() !== key) throw new Error(`settings table: ${row.flag} is not the flag of "${key}"`);
    if (row.hidden) option.hideHelp();
    if (row.kind !== 'boolean') {
      if ('choices' in row && row.choices) option.choices(row.choices);
      if (isSettingOn(row, name) && 'config' in row) {
        if (row.default !== undefined) option.default(row.default, row.defaultText);
        if (row.env) ENV_OF.set(option, row.env);
      }
      option.argParser(parserOf(row)!);
      if (row.stdio) STDIO.add(option);
    }
    command.addOption(option);
  }
  return command;
}

/** The variable of a setting's option, for --help (commander is not told: it would read process.env). */
const ENV_OF = new WeakMap<Option, string>();
/** The options whose value may be `-` alone (stdin or stdout). */
const STDIO = new WeakSet<Option>();

/** commander's own wording of an option's extras, with the variable from ENV_OF. */
function optionDescription(this: Help, option: Option): string {
  const extra: string[] = [];
  if (option.argChoices) extra.push(`choices: ${option.argChoices.map((c) => JSON.stringify(c)).join(', ')}`);
  if (option.defaultValue !== undefined && (option.required || option.optional))
    extra.push(`default: ${option.defaultValueDescription ?? JSON.stringify(option.defaultValue)}`);
  const env = ENV_OF.get(option);
  if (env) extra.push(`env: ${env}`);
  return extra.length ? `${option.description} (${extra.join(', ')})` : option.description;
}

/**
 * Every command of the program: a flag that takes a value never takes the next flag as it
 * (refuseFlagAsValue), checked on the words the command parses, before commander assigns them.
 */
class TableCommand extends Command {
  override createCommand(name?: string): Command {
    return new TableCommand(name);
  }

  override parseOptions(args: string[]): ReturnType<Command['parseOptions']> {
    refuseFlagAsValue(args, (word) => {
      const option = this.options.find((o) => o.required && (o.long === word || o.short === word));
      return option && { name: option.long ?? word, stdio: STDIO.has(option) };
    });
    return super.parseOptions(args);
  }
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

/** An argument with a fixed set of values: worded as a bad flag value is, with a did-you-mean. */
function choiceArgument(name: string, description: string, values: readonly string[], example: string): Argument {
  const argument = new Argument(name, description).choices(values);
  return argument.argParser((value: string) => {
    if (!values.includes(value)) throw badChoice(name, values, value, `for example ${example}`);
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
