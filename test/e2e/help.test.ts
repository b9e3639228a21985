// Issue 6: help that teaches, and errors that suggest the fix.
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../helpers/cli.js';

const COMMANDS = [['tail'], ['snapshot'], ['demo'], ['emulator'], ['state'], ['state', 'list'], ['state', 'show'], ['state', 'reset'], ['state', 'path'], ['completion'], ['auth'], ['auth', 'status']];

describe('help and suggestions', () => {
  it.each(COMMANDS.map((c) => c.join(' ')))('`events %s --help` ends with examples', async (command) => {
    const run = await runCli([...command.split(' '), '--help'], cleanEnv());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\nExamples:\n(  \$ .*events.*\n)+\n*$/);
  });

  it('the top-level help lists the commands and ends with examples', async () => {
    const run = await runCli(['--help'], cleanEnv());
    for (const name of ['tail', 'snapshot', 'demo', 'emulator', 'auth', 'state', 'completion']) expect(run.stdout).toContain(`  ${name}`);
    expect(run.stdout).not.toContain('__complete-refs');
    expect(run.stdout).toContain('Examples:');
  });

  it.each([
    [['tial', '123'], /unknown command 'tial' \(did you mean tail\?\)/],
    [['tail', '123', '--jsn'], /unknown option '--jsn' \(did you mean --json\?\)/],
    [['state', 'lst'], /unknown command 'lst' \(did you mean list\?\)/],
    [['tail', '123', '--on-expire', 'retry'], /--on-expire.*recrawl, warn, fail/],
  ])('%j: one line, exit 2, suggests the fix', async (args, message) => {
    const run = await runCli(args, cleanEnv());
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });
});
