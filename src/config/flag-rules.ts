// The rules every flag of the settings table (src/config/settings.ts) gets by being a row: its
// value checked with the one wording of a bad value, an empty value refused, a list collected
// from repeats and commas, and a flag never taken as the value of the flag before it. The program
// (src/cli/program.ts) wires them into commander; they know nothing of commander themselves.
import { badValue } from '../core/bounds.js';
import { UsageError } from '../core/errors.js';
import { closest, orList } from '../lib/suggest.js';
import { FLAGS, type CommandName, type FlagKey, type FlagRow, type OptionsOf, type OptionValues } from './settings.js';

/** The rows whose flag `command` takes, in table order (the order --help lists them). */
export function flagsOf(command: CommandName): Array<[FlagKey, FlagRow]> {
  return (Object.entries(FLAGS) as Array<[FlagKey, FlagRow]>).filter(
    ([, row]) => (row.commands as readonly CommandName[]).includes(command) || alsoOn(row).includes(command),
  );
}

/** Whether the row is a setting on `command`: its variable, config.json key and default apply there. */
export function isSettingOn(row: FlagRow, command: CommandName): boolean {
  // A setting row's `commands` are setting commands; its `alsoOn` take it as a plain flag.
  return 'config' in row && (row.commands as readonly string[]).includes(command);
}

const alsoOn = (row: FlagRow): readonly CommandName[] => ('alsoOn' in row && row.alsoOn) || [];

/** The --help text of a row's flag on `command`. */
export function helpOf(row: FlagRow, command: CommandName): string {
  return typeof row.help === 'string' ? row.help : (row.help[command] ?? Object.values(row.help)[0]!);
}

/** `--output` of `--output <file>`, `--quiet` of `-q, --quiet`. */
export function longName(row: FlagRow): string {
  return row.flag.split(/[ ,]+/).find((part) => part.startsWith('--'))!;
}

/**
 * How the value of a row's flag is checked, as commander's argParser: the value (a list grows by
 * each repeat and comma list), or a usage error naming the flag. Undefined for a boolean.
 */
export function parserOf(row: FlagRow): ((raw: string, previous: unknown) => unknown) | undefined {
  if (row.kind === 'boolean') return undefined;
  const name = longName(row);
  const hint = row.hint ?? `for example ${name} ${row.example}`;
  const refuse = (raw: string): UsageError => badValue(name, row.mustBe, raw, row.example, hint);
  if (row.kind === 'list')
    return (raw, previous) => {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      if (!items.length && row.empty !== 'unset') throw refuse(raw);
      return [...((previous as string[] | undefined) ?? []), ...items];
    };
  return (raw) => {
    if (raw === '' && row.empty === 'unset') return undefined;
    const value = raw === '' ? undefined : row.parse(raw);
    if (value !== undefined) return value;
    throw row.choices ? badChoice(name, row.choices, raw, hint) : refuse(raw);
  };
}

/**
 * A value (of a flag or an argument) not among `choices`: the usual wording, with a did-you-mean
 * when it is a typo of one, as an unknown flag or command gets; else `hint`.
 */
export function badChoice(name: string, choices: readonly string[], raw: string, hint: string): UsageError {
  const guess = closest(raw, choices);
  return new UsageError(
    `${name} must be ${orList(choices)}, not ${JSON.stringify(raw)}`,
    guess ? `did you mean ${guess}?` : hint,
  );
}

/** The flags of `command` that are not settings, as the program parsed and checked them. */
export function readOptions<C extends CommandName>(
  command: C,
  values: Pick<OptionValues, 'getOptionValue'>,
): OptionsOf<C> {
  const options: Record<string, unknown> = {};
  for (const [key, row] of flagsOf(command)) {
    if (isSettingOn(row, command)) continue;
    const value = values.getOptionValue(key);
    if (value !== undefined) options[key] = value;
  }
  return options as OptionsOf<C>;
}

/** What the flag-as-value check knows of a flag that takes a value. */
export interface ValueTaking {
  /** The long name, for the message. */
  name: string;
  /** `-` alone is a value of it (stdin or stdout). */
  stdio: boolean;
}

/**
 * A flag given where a value belongs is refused: `--output --once` would otherwise write to a
 * file named `--once` and follow forever (a cron line whose variable is unset). `valueFlag`
 * says whether a word is a flag of the command that takes a value. `--output=-x` stays possible
 * for a value that really starts with `-`, and `-` alone where it means stdin or stdout.
 */
export function refuseFlagAsValue(args: readonly string[], valueFlag: (word: string) => ValueTaking | undefined): void {
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === '--') return; // operands only from here on
    const flag = valueFlag(word);
    const next = args[i + 1];
    if (!flag || next === undefined) continue; // a missing value is commander's "argument missing"
    if (next.startsWith('-') && !(next === '-' && flag.stdio))
      throw new UsageError(
        `${flag.name} needs a value; got the flag ${next}`,
        `write ${flag.name}=-x if a value really starts with -`,
      );
    i++; // the value
  }
}
