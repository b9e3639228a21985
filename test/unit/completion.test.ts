// The completion scripts list what the help lists, through commander's public API only.
import { Command, Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeProgram } from '../../src/cli/completion.js';
import { createProgram } from '../../src/cli/program.js';
import { testIO } from '../helpers/run-in-process.js';

describe('describeProgram', () => {
  it('leaves out what the configured Help hides, not only what commander marks hidden', () => {
    const program = createProgram(testIO({ env: {} }).io);
    const visibleCommands = (cmd: Command): Command[] =>
      new Help().visibleCommands(cmd).filter((c) => c.name() !== 'demo');
    for (const command of [program, ...program.commands]) command.configureHelp({ visibleCommands });
    const { root, commands } = describeProgram(program);
    expect(root.subcommands).not.toContain('demo');
    expect(commands.map((c) => c.path.join(' '))).not.toContain('demo');
    expect(root.subcommands).toContain('tail');
  });

  it('leaves out hidden commands and the help command commander adds by itself', () => {
    const program = createProgram(testIO({ env: {} }).io);
    const { root, commands } = describeProgram(program);
    expect(root.subcommands).not.toContain('__complete-refs');
    expect(commands.find((c) => c.path.join(' ') === 'state')!.subcommands).toEqual(['list', 'show', 'reset', 'path']);
  });
});
