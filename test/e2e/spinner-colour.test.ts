// The spinner on stderr follows the same colour choice as the records: --color and NO_COLOR reach
// ora too (ora colours its frames with chalk's default instance, which looks only at stdout).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startTestBed, type TestBed } from '../helpers/emulator.js';
import { cliCommand, runTtyScript } from '../helpers/tty.js';

let bed: TestBed;
beforeAll(async () => {
  bed = await startTestBed();
});
afterAll(async () => bed.close());

const COLOUR = /\u001b\[3\dm/;
const SPINNER_TEXT = /waiting for events on resource \d+ …/;

/** Tails for 2 s on a 120-column pseudo-terminal and returns what the terminal showed. */
async function tailOnTerminal(extraArgs: string[], env: Record<string, string>, stdoutRedirect = ''): Promise<string> {
  const command = `stty cols 120; timeout -s INT 2 ${cliCommand(['tail', bed.project, '--interval', '0.3', ...extraArgs])} ${stdoutRedirect}`;
  return runTtyScript(command, bed.env({ TERM: 'xterm', ...env }));
}

describe('spinner colour', () => {
  beforeAll(async () => {
    // Store the cursor first, so the spinner run waits for new events.
    expect((await runCli(['tail', bed.project, '--once'], bed.env())).code).toBe(0);
  });

  it('NO_COLOR: the spinner frames carry no colour codes', async () => {
    const shown = await tailOnTerminal([], { NO_COLOR: '1' });
    expect(shown).toMatch(SPINNER_TEXT);
    expect(shown).not.toMatch(COLOUR);
  });

  it('--color never: the spinner frames carry no colour codes', async () => {
    const shown = await tailOnTerminal(['--color', 'never'], {});
    expect(shown).toMatch(SPINNER_TEXT);
    expect(shown).not.toMatch(COLOUR);
  });

  it('--color always: the spinner is coloured even when stdout is not a terminal', async () => {
    const shown = await tailOnTerminal(['--color', 'always'], {}, '> /dev/null');
    expect(shown).toMatch(SPINNER_TEXT);
    expect(shown).toMatch(COLOUR);
  });

  it('auto on a terminal: the spinner is coloured', async () => {
    const shown = await tailOnTerminal([], {});
    expect(shown).toMatch(SPINNER_TEXT);
    expect(shown).toMatch(COLOUR);
  });
});

describe('a locale that is not UTF-8 (issue 17, item 13)', () => {
  beforeAll(async () => {
    expect((await runCli(['tail', bed.project, '--once'], bed.env())).code).toBe(0);
  });

  it('LC_ALL=C: the spinner, its text and the human lines are ASCII', async () => {
    bed.emulator.asana.appendEvents(bed.project, 20);
    const shown = await tailOnTerminal(['--color', 'never'], { LC_ALL: 'C', LANG: 'C.UTF-8' });
    expect(shown).toMatch(/waiting for events on resource \d+ \.\.\./);
    // Events were printed (a time, an action), and nothing outside ASCII reached the terminal.
    expect(shown).toMatch(/\d\d:\d\d:\d\d .* (added|changed|removed|deleted|undeleted) /);
    expect(shown.match(/[^\x00-\x7f]/g) ?? []).toEqual([]);
  });

  it('LANG=en_US.UTF-8: Unicode as before', async () => {
    const shown = await tailOnTerminal(['--color', 'never'], { LANG: 'en_US.UTF-8' });
    expect(shown).toMatch(SPINNER_TEXT);
  });
});
