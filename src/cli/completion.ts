// Shell completion scripts generated from the commander program itself, so they cannot drift
// from the real commands and flags (a test compares them with the checked-in files). Resource
// arguments complete from the references already in the state, through `events __complete-refs`,
// which reads local files only: no network on TAB.
import type { Command, Option } from 'commander';
import { COLOR_CHOICES, FLAGS, settingKeys, type FlagKey } from '../config/settings.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface FlagSpec {
  names: string[];
  description: string;
  takesValue: boolean;
  choices?: string[];
  file: boolean;
}

interface CommandSpec {
  /** `tail`, or `state show` for a subcommand. */
  path: string[];
  description: string;
  flags: FlagSpec[];
  /** The positional argument completes stored references. */
  refs: boolean;
  subcommands: string[];
  /** What completes each positional argument after the command path (none: nothing). */
  args: ArgSpec[];
}

interface ArgSpec {
  words: string[];
  /** A line of help per word, for shells that show one (fish). */
  described?: Record<string, string>;
  /** For the second argument of `config set`: the values of the key named by the first. */
  byPrevious?: Record<string, readonly string[]>;
}

/** Arguments whose words commander does not know: the settings of config.json (their check gives
 * a "did you mean" no commander choice list could). */
const SETTING_ARGS: Record<string, () => ArgSpec[]> = {
  'config get': () => [{ words: settingKeys(), described: settingHelp() }],
  'config unset': () => [{ words: settingKeys(), described: settingHelp() }],
  'config set': () => [
    { words: settingKeys(), described: settingHelp(), byPrevious: { color: COLOR_CHOICES } },
    { words: [] },
  ],
};

/** Each setting's help line, as `--help` words it for tail (the command that takes most of them). */
function settingHelp(): Record<string, string> {
  return Object.fromEntries(
    settingKeys().map((key) => {
      const help = FLAGS[key as FlagKey].help;
      return [key, typeof help === 'string' ? help : (help.tail ?? Object.values(help)[0] ?? '')];
    }),
  );
}

function argSpecs(command: Command, path: string[]): ArgSpec[] {
  const known = SETTING_ARGS[path.join(' ')];
  if (known) return known();
  return command.registeredArguments.map((a) => ({ words: a.argChoices ?? [] }));
}

/**
 * The subcommands the help lists, through commander's public Help API (so a command hidden with
 * `{ hidden: true }` or by a configured Help is left out), minus the help command commander adds
 * on its own, which is not one of `command.commands`.
 */
function visibleSubcommands(command: Command): Command[] {
  return command
    .createHelp()
    .visibleCommands(command)
    .filter((c) => command.commands.includes(c));
}

/** The row of the settings table says the value is a file name: shells complete paths. */
function takesFile(key: string): boolean {
  const row = key in FLAGS ? FLAGS[key as FlagKey] : undefined;
  return row !== undefined && 'file' in row && row.file === true;
}

function flagSpec(option: Option): FlagSpec {
  const names = [option.long, option.short].filter((n): n is string => typeof n === 'string');
  return {
    names,
    description: option.description,
    takesValue: option.required || option.optional,
    choices: option.argChoices,
    file: takesFile(option.attributeName()),
  };
}

/** Every visible command (and subcommand) with its visible flags. */
export function describeProgram(program: Command): { root: CommandSpec; commands: CommandSpec[] } {
  const commands: CommandSpec[] = [];
  const walk = (command: Command, path: string[]): void => {
    for (const sub of visibleSubcommands(command)) {
      const subPath = [...path, sub.name()];
      const visibleSubs = visibleSubcommands(sub).map((c) => c.name());
      commands.push({
        path: subPath,
        description: sub.description(),
        flags: [
          ...sub.options.filter((o) => !o.hidden).map(flagSpec),
          { names: ['--help', '-h'], description: 'display help for command', takesValue: false, file: false },
        ],
        refs: sub.registeredArguments.some((a) => a.name() === 'resource'),
        subcommands: visibleSubs,
        args: argSpecs(sub, subPath),
      });
      walk(sub, subPath);
    }
  };
  walk(program, []);
  const root: CommandSpec = {
    path: [],
    description: program.description(),
    flags: [
      ...program.options.filter((o) => !o.hidden).map(flagSpec),
      { names: ['--help', '-h'], description: 'display help for command', takesValue: false, file: false },
    ],
    refs: false,
    subcommands: visibleSubcommands(program).map((c) => c.name()),
    args: [],
  };
  return { root, commands };
}

export function completionScript(shell: Shell, program: Command): string {
  const spec = describeProgram(program);
  if (shell === 'bash') return bash(spec);
  if (shell === 'zsh') return zsh(spec);
  return fish(spec);
}

const HEADER = (shell: string): string =>
  `# events completion for ${shell}. Generated by \`events completion ${shell}\` (npm run completions); do not edit.`;

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Flags that take a value, and what completes that value (choices, files or nothing). */
function valueCases(
  flags: FlagSpec[],
  indent: string,
  choices: (list: string[]) => string,
  files: string,
  nothing: string,
): string[] {
  const out: string[] = [];
  for (const flag of flags.filter((f) => f.takesValue)) {
    const action = flag.choices ? choices(flag.choices) : flag.file ? files : nothing;
    out.push(`${indent}${flag.names.join('|')}) ${action} ;;`);
  }
  return out;
}

function bash({ root, commands }: ReturnType<typeof describeProgram>): string {
  const lines = [
    HEADER('bash'),
    '# Install: source <(events completion bash) in ~/.bashrc; or, with the bash-completion package,',
    '# events completion bash > ~/.local/share/bash-completion/completions/events',
    '_events() {',
    '  # bash splits words at the characters of COMP_WORDBREAKS, ":" among them, so box:changes would',
    '  # be three words: the words are taken from the line instead, split at blanks only.',
    '  local line="${COMP_LINE:0:COMP_POINT}" words=() cur prev cmd="" n=0 i',
    '  read -r -a words <<< "$line"',
    '  [[ ${#words[@]} -eq 0 || "$line" =~ [[:space:]]$ ]] && words+=("")',
    '  local cword=$((${#words[@]} - 1))',
    '  cur="${words[cword]}" prev="${words[cword-1]}"',
    '  # The command path (the words that are not flags or flag values, while they name a command),',
    '  # then how many positional arguments follow it.',
    '  for ((i = 1; i < cword; i++)); do',
    '    case "${words[i]}" in',
    '      -*) ;;',
    `      *) case "\${words[i-1]}" in ${valueFlagNames(commands).join('|') || '--'}) ;; *) case "$cmd" in ${parentCases(commands)}) cmd="\${cmd:+$cmd }\${words[i]}" ;; *) n=$((n + 1)) ;; esac ;; esac ;;`,
    '    esac',
    '  done',
    '  COMPREPLY=()',
    '  _events_reply',
    '  # Readline replaces only the part after the last colon: drop what comes before it.',
    '  if [[ "$cur" == *:* && "$COMP_WORDBREAKS" == *:* ]]; then',
    '    local colon="${cur%"${cur##*:}"}"',
    '    for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]="${COMPREPLY[i]#"$colon"}"; done',
    '  fi',
    '}',
    '_events_reply() {',
    '  case "$cmd" in',
    `    "") if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${quote(root.flags.flatMap((f) => f.names).join(' '))} -- "$cur")); else COMPREPLY=($(compgen -W ${quote(root.subcommands.join(' '))} -- "$cur")); fi ;;`,
  ];
  const words = (list: readonly string[]): string => `COMPREPLY=($(compgen -W ${quote(list.join(' '))} -- "$cur"))`;
  for (const command of commands) {
    lines.push(`    ${quote(command.path.join(' '))})`);
    lines.push('      case "$prev" in');
    lines.push(
      ...valueCases(
        command.flags,
        '        ',
        (c) => `${words(c)}; return`,
        'COMPREPLY=($(compgen -f -- "$cur")); return',
        'return',
      ),
    );
    lines.push('      esac');
    lines.push(`      if [[ "$cur" == -* ]]; then ${words(command.flags.flatMap((f) => f.names))}`);
    lines.push(
      ...positionalLines(
        command,
        '      ',
        words,
        'COMPREPLY=($(compgen -W "$(events __complete-refs "$cur" 2>/dev/null)" -- "$cur")); [[ ${#COMPREPLY[@]} -eq 1 && "${COMPREPLY[0]}" == *: ]] && compopt -o nospace',
        '"$prev"',
      ),
    );
    lines.push('      fi ;;');
  }
  lines.push('  esac', '}', 'complete -F _events events', '');
  return lines.join('\n');
}

/** The commands that have subcommands, as a case pattern: '' (the program itself)|'state'|…. */
function parentCases(commands: CommandSpec[]): string {
  return ["''", ...commands.filter((c) => c.subcommands.length).map((c) => quote(c.path.join(' ')))].join('|');
}

/**
 * The `elif` branches that complete the positional argument number $n: a subcommand, stored
 * references, a fixed list (auth status: asana or box), or the values of the setting just named.
 */
function positionalLines(
  command: CommandSpec,
  indent: string,
  words: (list: readonly string[]) => string,
  refs: string,
  prev: string,
): string[] {
  if (command.subcommands.length) return [`${indent}elif [[ $n -eq 0 ]]; then ${words(command.subcommands)}`];
  if (command.refs) return [`${indent}else ${refs}`];
  const out: string[] = [];
  command.args.forEach((arg, i) => {
    if (arg.words.length) out.push(`${indent}elif [[ $n -eq ${i} ]]; then ${words(arg.words)}`);
    if (arg.byPrevious && i + 1 < command.args.length) {
      out.push(`${indent}elif [[ $n -eq ${i + 1} ]]; then`);
      out.push(`${indent}  case ${prev} in`);
      for (const [key, values] of Object.entries(arg.byPrevious)) out.push(`${indent}    ${key}) ${words(values)} ;;`);
      out.push(`${indent}  esac`);
    }
  });
  return out;
}

function zsh({ root, commands }: ReturnType<typeof describeProgram>): string {
  const lines = [
    '#compdef events',
    HEADER('zsh'),
    `# Install: ${ZSH_INSTALL}`,
    '_events() {',
    '  local cur=${words[CURRENT]} prev=${words[CURRENT-1]} cmd="" n=0 i',
    '  # The command path (the words that are not flags or flag values, while they name a command),',
    '  # then how many positional arguments follow it.',
    '  for ((i = 2; i < CURRENT; i++)); do',
    '    case ${words[i]} in',
    '      -*) ;;',
    `      *) case \${words[i-1]} in ${valueFlagNames(commands).join('|') || '--'}) ;; *) case $cmd in ${parentCases(commands)}) cmd="\${cmd:+$cmd }\${words[i]}" ;; *) n=$((n + 1)) ;; esac ;; esac ;;`,
    '    esac',
    '  done',
    '  case $cmd in',
    `    "") if [[ $cur == -* ]]; then compadd -- ${root.flags.flatMap((f) => f.names).join(' ')}; else compadd -- ${root.subcommands.join(' ')}; fi ;;`,
  ];
  const words = (list: readonly string[]): string => `compadd -- ${list.join(' ')}`;
  for (const command of commands) {
    lines.push(`    ${quote(command.path.join(' '))})`);
    lines.push('      case $prev in');
    lines.push(...valueCases(command.flags, '        ', (c) => `${words(c)}; return`, '_files; return', 'return'));
    lines.push('      esac');
    lines.push(`      if [[ $cur == -* ]]; then ${words(command.flags.flatMap((f) => f.names))}`);
    lines.push(
      ...positionalLines(
        command,
        '      ',
        words,
        'local refs=(${(f)"$(events __complete-refs "$cur" 2>/dev/null)"}); compadd -S \'\' -- ${(M)refs:#*:}; compadd -- ${refs:#*:}',
        '$prev',
      ),
    );
    lines.push('      fi ;;');
  }
  lines.push(
    '  esac',
    '}',
    'if [[ $funcstack[1] == _events ]]; then _events "$@"; else compdef _events events; fi',
    '',
  );
  return lines.join('\n');
}

/** Where a zsh completion file goes: the one wording for the script, `completion --help` and the README. */
export const ZSH_INSTALL =
  'events completion zsh > ~/.zfunc/_events, with fpath=(~/.zfunc $fpath) before compinit in ~/.zshrc';

function fish({ root, commands }: ReturnType<typeof describeProgram>): string {
  const lines = [
    HEADER('fish'),
    '# Install: events completion fish > ~/.config/fish/completions/events.fish',
    'complete -c events -f',
    ...FISH_WORDS,
  ];
  for (const flag of root.flags) lines.push(`complete -c events -n __fish_use_subcommand ${fishFlag(flag)}`);
  for (const command of commands.filter((c) => c.path.length === 1)) {
    lines.push(`complete -c events -n __fish_use_subcommand -a ${command.path[0]} -d ${quote(command.description)}`);
  }
  for (const command of commands) {
    const [first, second] = command.path;
    const condition =
      command.path.length === 1
        ? `__fish_seen_subcommand_from ${first}${command.subcommands.length ? `; and not __fish_seen_subcommand_from ${command.subcommands.join(' ')}` : ''}`
        : `__fish_seen_subcommand_from ${first}; and __fish_seen_subcommand_from ${second}`;
    for (const flag of command.flags) lines.push(`complete -c events -n ${quote(condition)} ${fishFlag(flag)}`);
    for (const sub of commands.filter((c) => c.path.length === 2 && c.path[0] === first && command.path.length === 1)) {
      lines.push(`complete -c events -n ${quote(condition)} -a ${sub.path[1]} -d ${quote(sub.description)}`);
    }
    if (command.refs)
      lines.push(
        `complete -c events -n ${quote(condition)} -a '(events __complete-refs (commandline -ct) 2>/dev/null)'`,
      );
    // Positional arguments: the Nth word after the command path, each with its help line.
    command.args.forEach((arg, index) => {
      const at = `${condition}; and test (__events_words) -eq ${command.path.length + index}`;
      for (const word of arg.words)
        lines.push(`complete -c events -n ${quote(at)} -a ${quote(word)}${describedAs(arg.described?.[word])}`);
      for (const [previous, values] of Object.entries(arg.byPrevious ?? {}))
        for (const value of values)
          lines.push(
            `complete -c events -n ${quote(`${condition}; and test (__events_words) -eq ${command.path.length + index + 1}; and test (__events_last_word) = ${previous}`)} -a ${quote(value)}`,
          );
    });
  }
  lines.push('');
  return lines.join('\n');
}

function describedAs(help: string | undefined): string {
  return help ? ` -d ${quote(help)}` : '';
}

/** fish functions the conditions use: how many words (not flags) follow `events`, and the last one. */
const FISH_WORDS = [
  'function __events_words',
  '    set -l n 0',
  '    for word in (commandline -opc)[2..-1]',
  "        string match -q -- '-*' $word; or set n (math $n + 1)",
  '    end',
  '    echo $n',
  'end',
  'function __events_last_word',
  '    set -l words (commandline -opc)',
  '    echo $words[-1]',
  'end',
];

function fishFlag(flag: FlagSpec): string {
  const parts: string[] = [];
  for (const name of flag.names) parts.push(name.startsWith('--') ? `-l ${name.slice(2)}` : `-s ${name.slice(1)}`);
  if (flag.takesValue) parts.push(flag.choices ? `-x -a ${quote(flag.choices.join(' '))}` : flag.file ? '-r -F' : '-x');
  parts.push(`-d ${quote(flag.description)}`);
  return parts.join(' ');
}

function valueFlagNames(commands: CommandSpec[]): string[] {
  return [...new Set(commands.flatMap((c) => c.flags.filter((f) => f.takesValue).flatMap((f) => f.names)))].sort();
}
