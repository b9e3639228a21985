// The spinner on stderr follows the same colour choice as the records: --color and NO_COLOR reach
// ora too (ora colours its frames with chalk's default instance, which looks only at stdout).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/spawn.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';
import { cliCommand, runTtyScript } from '../helpers/pty.js';
import { textWidth } from '../../src/output/width.js';

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

describe('a locale that is not UTF-8', () => {
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

describe('the spinner beside a pipe, on a narrow terminal', () => {
  beforeAll(async () => {
    expect((await runCli(['tail', bed.project, '--once'], bed.env())).code).toBe(0);
  });

  /** What a 40-column terminal showed while `events tail --json | cut` ran and events arrived. */
  async function pipedOnNarrowTerminal(): Promise<string> {
    const tail = cliCommand(['tail', bed.project, '--json', '--interval', '0.3', '--color', 'never']);
    const shown = runTtyScript(`stty cols 40; timeout -s INT 3 ${tail} | cut -c1-30`, bed.env({ TERM: 'xterm' }));
    // The spinner is up by now ("waiting for events"); then records arrive, as jq would print them.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    bed.emulator.asana.appendEvents(bed.project, 5);
    return shown;
  }

  it("stdout a pipe, stderr the terminal: the reader's lines never share a line with the spinner", async () => {
    const shown = await pipedOnNarrowTerminal();
    // A line starts after a newline, a carriage return or a move to column 1 (ESC [1G, how ora clears).
    const lines = shown
      .replaceAll('\u001b[1G', '\r')
      .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
      .split(/\r?\n|\r/);
    const records = lines.filter((line) => line.includes('{"'));
    expect(records.length, shown).toBeGreaterThanOrEqual(5);
    for (const line of records) expect(line, JSON.stringify(shown)).toMatch(/^\{"/);
  });

  it('the spinner is cut to the terminal width, so it never wraps (and never clears a line above it)', async () => {
    const shown = await pipedOnNarrowTerminal();
    // Each frame is drawn from column 1 (ESC [1G), its text up to the next escape sequence.
    const frames = [...shown.matchAll(/\u001b\[1G(?:\u001b\[0K)?([^\u001b\r\n]*)/g)].map((m) => m[1]!);
    const spinner = frames.filter((frame) => /waiting for|reading/.test(frame));
    expect(spinner.length, JSON.stringify(shown)).toBeGreaterThan(0);
    for (const frame of spinner) expect(textWidth(frame), frame).toBeLessThan(40);
    expect(shown).not.toContain('\u001b[1A'); // ora moves up only to clear a wrapped spinner
  });
});
