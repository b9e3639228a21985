// A run builds the options of the command it invokes only (createProgram's `only`): the help of
// every command, and the program's own, must read exactly as when every option is built.
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram, invokedCommand } from '../../src/cli/program.js';
import { testIO } from '../helpers/run-in-process.js';

function commands(command: Command, path: string[] = []): Array<[string[], Command]> {
  return command.commands.flatMap((sub) => [
    [[...path, sub.name()], sub] as [string[], Command],
    ...commands(sub, [...path, sub.name()]),
  ]);
}

const help = (program: Command, path: string[]): string => {
  let command = program;
  for (const name of path) command = command.commands.find((c) => c.name() === name)!;
  return command.helpInformation();
};

describe('building only the invoked command', () => {
  const full = createProgram(testIO({ env: {} }).io);

  it('leaves the program help as it is, [options] included', () => {
    const lazy = createProgram(testIO({ env: {} }).io, { only: '' });
    expect(lazy.helpInformation()).toBe(full.helpInformation());
    expect(lazy.helpInformation()).toMatch(/tail \[options\] \[resource\.\.\.\]/);
  });

  it.each(commands(full).map(([path]) => [path.join(' ')]))('leaves the help of "%s" as it is', (joined) => {
    const path = joined.split(' ');
    const lazy = createProgram(testIO({ env: {} }).io, { only: path[0] });
    expect(help(lazy, path)).toBe(help(full, path));
    // The other commands really are built without their options.
    const other = full.commands.find((c) => c.name() !== path[0] && c.options.length > 0)!;
    expect(lazy.commands.find((c) => c.name() === other.name())!.options).toEqual([]);
  });

  it.each([
    [['tail', '123', '--once'], 'tail'],
    [['--help'], ''],
    [[], ''],
    [['help', 'snapshot'], 'snapshot'],
    [['state', 'list', '--json'], 'state'],
    [['completion', 'bash'], undefined],
  ] as const)('%j invokes %j', (args, command) => {
    expect(invokedCommand(args)).toBe(command);
  });
});
