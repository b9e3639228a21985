// docs/flags.md, generated from the settings table (`npm run flags-doc`), so the page cannot drift
// from the flags: test/unit/flag-table.test.ts compares the checked-in file with this.
import { flagsOf, helpOf } from '../config/flag-rules.js';
import type { CommandName, FlagRow } from '../config/settings.js';

/** The sections of the page, in this order, with the command line each is titled by. */
const SECTIONS: Array<[CommandName, string]> = [
  ['tail', 'events tail'],
  ['snapshot', 'events snapshot'],
  ['auth', 'events auth status'],
  ['state list', 'events state list'],
  ['state show', 'events state show'],
  ['state reset', 'events state reset'],
  ['state path', 'events state path'],
  ['config list', 'events config list'],
  ['webhooks list', 'events webhooks list'],
  ['webhooks remove', 'events webhooks remove'],
  ['demo', 'events demo'],
  ['emulator', 'events emulator'],
];

const INTRO = `# Flags

Every flag of every command. This page is generated from the settings table in
\`src/config/settings.ts\` (\`npm run flags-doc\`), as are \`--help\` and the shell completions; the
common flags of \`events tail\` are in the [README](../README.md#usage). Ranges, and the variables
and \`config.json\` keys that set a flag's value too: [configuration.md](configuration.md).

Every flag that takes a value checks it the same way: a bad or empty value is exit 2 naming the
flag (\`--output ''\` never means stdout, \`--group ''\` never \`default\`), and a flag where its value
belongs is refused: \`events tail P --output --once\` is exit 2 (\`--output needs a value; got the
flag --once\`), never a file named \`--once\`. A value that really starts with \`-\` is written
\`--output=-x\`; \`-\` alone is a value where it means stdin or stdout (\`--refs-file -\`, \`--output -\`).
A \`<list>\` flag, and every flag marked repeatable, takes comma lists and repeats alike
(\`--action added,changed --action removed\`).
`;

/**
 * What the page says of a row on `command`: its `doc` where the command gives the flag the
 * meaning of the row's first command, else the command's own --help text.
 */
function meaningOf(row: FlagRow, command: CommandName): string {
  const first = row.commands[0]!;
  return row.doc !== undefined && helpOf(row, command) === helpOf(row, first) ? row.doc : helpOf(row, command);
}

export function flagsMarkdown(): string {
  const sections = SECTIONS.map(([command, title]) => {
    const rows = flagsOf(command)
      .filter(([, row]) => !row.hidden)
      .map(([, row]) => `| \`${row.flag}\` | ${meaningOf(row, command).replace(/\|/g, '\\|')} |`);
    return [`## ${title}`, '', '| Flag | Meaning |', '| --- | --- |', ...rows].join('\n');
  });
  return `${INTRO}\n${sections.join('\n\n')}\n`;
}
