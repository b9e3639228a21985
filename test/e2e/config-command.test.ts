// `events config`: user settings through the same checks tail applies, 0600, no signal hooks.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startTestBed, type TestBed } from '../helpers/emulator.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await startTestBed();
});
afterEach(async () => bed.close());

const file = (): string => path.join(bed.stateDir, 'config.json');

describe('events config', () => {
  it('set, get, list, unset: config.json as tail reads it, mode 0600', async () => {
    expect(await runCli(['config', 'set', 'group', 'export'], bed.env())).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect((await runCli(['config', 'set', 'interval', '30'], bed.env())).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(file(), 'utf8'))).toEqual({ group: 'export', interval: 30 });
    expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
    expect((await runCli(['config', 'get', 'group'], bed.env())).stdout).toBe('export\n');
    expect(JSON.parse((await runCli(['config', 'list', '--json'], bed.env())).stdout)).toEqual({ group: 'export', interval: 30 });
    // tail uses it: the cursor lands in group export.
    await bed.primed(0);
    expect(fs.readdirSync(path.join(bed.stateDir, 'cursors'))).toEqual([expect.stringMatching(/__export\.json$/)]);
    expect((await runCli(['config', 'unset', 'group'], bed.env())).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(file(), 'utf8'))).toEqual({ interval: 30 });
    const missing = await runCli(['config', 'get', 'group'], bed.env());
    expect(missing.code).toBe(4);
    expect(missing.stderr.trim()).toBe('events: "group" is not set in config.json (events config set group <value> sets it)');
  });

  it('a misspelt key or a bad value: exit 2, one line, the file untouched', async () => {
    expect((await runCli(['config', 'set', 'timeout', '60'], bed.env())).code).toBe(0);
    const before = fs.readFileSync(file(), 'utf8');
    const typo = await runCli(['config', 'set', 'intervl', '3'], bed.env());
    expect(typo).toMatchObject({ code: 2, stdout: '' });
    expect(typo.stderr.trim()).toBe('events: config.json has no setting "intervl" (did you mean interval?)');
    const bad = await runCli(['config', 'set', 'timeout', '3000000'], bed.env());
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('events: "timeout" must be a number of seconds from 1 to 3600, not "3000000" (for example: events config set timeout 30)');
    expect(fs.readFileSync(file(), 'utf8')).toBe(before);
  });

  it('a broken config.json is reported, never overwritten', async () => {
    fs.writeFileSync(file(), '{"group": ');
    const run = await runCli(['config', 'set', 'group', 'x'], bed.env());
    expect(run.code).toBe(78);
    expect(fs.readFileSync(file(), 'utf8')).toBe('{"group": ');
  });
});
