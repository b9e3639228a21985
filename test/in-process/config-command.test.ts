// `events config`: user settings through the same checks tail applies, 0600, no signal hooks.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInProcess } from '../helpers/run-in-process.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await startTestBed();
});
afterEach(async () => bed.close());

const file = (): string => path.join(bed.stateDir, 'config.json');

describe('events config', () => {
  it('set, get, list, unset: config.json as tail reads it, mode 0600', async () => {
    expect(await runInProcess(['config', 'set', 'group', 'export'], { env: bed.env() })).toMatchObject({
      code: 0,
      stdout: '',
      stderr: '',
    });
    expect((await runInProcess(['config', 'set', 'interval', '30'], { env: bed.env() })).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(file(), 'utf8'))).toEqual({ group: 'export', interval: 30 });
    expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
    expect((await runInProcess(['config', 'get', 'group'], { env: bed.env() })).stdout).toBe('export\n');
    expect(JSON.parse((await runInProcess(['config', 'list', '--json'], { env: bed.env() })).stdout)).toEqual({
      group: 'export',
      interval: 30,
    });
    // tail uses it: the cursor lands in group export.
    await bed.primed(0);
    expect(fs.readdirSync(path.join(bed.stateDir, 'cursors'))).toEqual([expect.stringMatching(/__export\.json$/)]);
    expect((await runInProcess(['config', 'unset', 'group'], { env: bed.env() })).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(file(), 'utf8'))).toEqual({ interval: 30 });
    const missing = await runInProcess(['config', 'get', 'group'], { env: bed.env() });
    expect(missing.code).toBe(4);
    expect(missing.stderr.trim()).toBe(
      'events: "group" is not set in config.json (events config set group <value> sets it)',
    );
  });

  it('a misspelt key or a bad value: exit 2, one line, the file untouched', async () => {
    expect((await runInProcess(['config', 'set', 'timeout', '60'], { env: bed.env() })).code).toBe(0);
    const before = fs.readFileSync(file(), 'utf8');
    const typo = await runInProcess(['config', 'set', 'intervl', '3'], { env: bed.env() });
    expect(typo).toMatchObject({ code: 2, stdout: '' });
    expect(typo.stderr.trim()).toBe('events: config.json has no setting "intervl" (did you mean interval?)');
    const bad = await runInProcess(['config', 'set', 'timeout', '3000000'], { env: bed.env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'events: "timeout" must be a number of seconds from 1 to 3600, not "3000000" (for example: events config set timeout 30)',
    );
    expect(fs.readFileSync(file(), 'utf8')).toBe(before);
  });

  it('a broken config.json is reported, never overwritten', async () => {
    fs.writeFileSync(file(), '{"group": ');
    const run = await runInProcess(['config', 'set', 'group', 'x'], { env: bed.env() });
    expect(run.code).toBe(78);
    expect(fs.readFileSync(file(), 'utf8')).toBe('{"group": ');
  });
});
