// Empty and bad settings as a user meets them: `--output "$UNSET"` in a cron line, and
// `events config unset interval` on a config.json that holds a bad interval.
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

const cursorFiles = (): string[] => {
  const dir = path.join(bed.stateDir, 'cursors');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
};

describe('empty values from a cron line', () => {
  it("--output '' is a usage error: nothing on stdout, no request, the cursor stays where it was", async () => {
    const events = await bed.primed(3);
    const before = cursorFiles().map((f) => fs.readFileSync(path.join(bed.stateDir, 'cursors', f), 'utf8'));
    const requests = bed.emulator.requests.length;
    const run = await runInProcess(['tail', bed.project, '--once', '--json', '--output', ''], { env: bed.env() });
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toBe('events: --output must be a file name, not "" (for example --output export.jsonl)\n');
    expect(bed.emulator.requests.length).toBe(requests);
    expect(cursorFiles().map((f) => fs.readFileSync(path.join(bed.stateDir, 'cursors', f), 'utf8'))).toEqual(before);
    // The events are still there for the next good run.
    const next = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(next.stdout.trim().split('\n')).toHaveLength(events.length);
  });
});

describe('config set/unset on a config.json with a bad value', () => {
  it('unset and set fix the value that tail refuses', async () => {
    const file = path.join(bed.stateDir, 'config.json');
    fs.writeFileSync(file, '{"interval": 3600000, "group": "export"}');
    expect((await runInProcess(['tail', bed.project, '--once'], { env: bed.env() })).code).toBe(78);
    expect(await runInProcess(['config', 'unset', 'interval'], { env: bed.env() })).toMatchObject({
      code: 0,
      stderr: '',
    });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ group: 'export' });
    fs.writeFileSync(file, '{"interval": "soon"}');
    expect(await runInProcess(['config', 'set', 'interval', '5'], { env: bed.env() })).toMatchObject({
      code: 0,
      stderr: '',
    });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ interval: 5 });
    expect((await runInProcess(['tail', bed.project, '--once'], { env: bed.env() })).code).toBe(0);
  });
});
