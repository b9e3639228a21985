// `events state list|show|reset|path`, human and --json, no network.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf } from '../helpers/run-result.js';
import { RunningCli } from '../helpers/spawn.js';
import { runInProcess } from '../helpers/run-in-process.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await startTestBed();
});
afterEach(async () => bed.close());

describe('events state', () => {
  it('path prints the state folder', async () => {
    expect((await runInProcess(['state', 'path'], { env: bed.env() })).stdout).toBe(`${bed.stateDir}\n`);
    expect(JSON.parse((await runInProcess(['state', 'path', '--json'], { env: bed.env() })).stdout)).toEqual({
      path: bed.stateDir,
    });
  });

  it('list shows every subscription and group, and warns about Asana cursors older than 24 h', async () => {
    await runInProcess(['tail', bed.project, '--once'], { env: bed.env() });
    bed.emulator.asana.appendEvents(bed.project, 3);
    await runInProcess(['tail', bed.project, '--once', '--group', 'export'], { env: bed.env() });
    await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    const before = bed.emulator.requests.length;
    const list = await runInProcess(['state', 'list', '--json'], { env: bed.env() });
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r['subscription'], r['group']]).sort()).toEqual([
      [bed.project, 'default'],
      [bed.project, 'export'],
    ]);
    const main = rows.find((r) => r['group'] === 'default')!;
    expect(main).toMatchObject({ provider: 'asana', likely_expired: false });
    expect(typeof main['last_event_at']).toBe('string');
    expect(bed.emulator.requests.length).toBe(before);

    // Age the default cursor by two days.
    const dir = path.join(bed.stateDir, 'cursors');
    const file = fs
      .readdirSync(dir)
      .map((f) => path.join(dir, f))
      .find((f) => f.endsWith('__default.json'))!;
    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    record.savedAt = new Date(Date.now() - 48 * 3600_000).toISOString();
    fs.writeFileSync(file, JSON.stringify(record));
    const human = await runInProcess(['state', 'list'], { env: bed.env() });
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^PROVIDER\s+HOST\s+GROUP\s+SUBSCRIPTION\s+LAST EVENT\s+LAST SYNC\s+AGE$/);
    expect(lines).toHaveLength(3);
    expect(human.stdout).toMatch(/2 d \(expired\?\)/);
    expect(human.stderr).toMatch(
      new RegExp(`warning: the cursor of resource ${bed.project} \\(group default\\) is 2 d old`),
    );
  });

  it('list: one time zone (UTC ISO), a Box offset included', async () => {
    await runInProcess(['tail', bed.project, '--once'], { env: bed.env() });
    const dir = path.join(bed.stateDir, 'cursors');
    const file = path.join(dir, fs.readdirSync(dir)[0]!);
    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    record.lastEventAt = '2026-11-25T01:51:37-08:00'; // as Box writes created_at
    fs.writeFileSync(file, JSON.stringify(record));
    const [row] = JSON.parse((await runInProcess(['state', 'list', '--json'], { env: bed.env() })).stdout);
    expect(row.last_event_at).toBe('2026-11-25T09:51:37.000Z');
    const human = await runInProcess(['state', 'list'], { env: bed.env() });
    const times = human.stdout.match(/\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)/g)!;
    expect(times).toHaveLength(2);
    for (const time of times) expect(time).toMatch(/Z$/);
  });

  it('list with only unreadable cursor files says so, not "no stored cursors"', async () => {
    const dir = path.join(bed.stateDir, 'cursors');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `asana__127.0.0.1-1__${bed.project}__default.json`), '{}');
    const run = await runInProcess(['state', 'list'], { env: bed.env() });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('no stored cursors');
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe(`events: no readable cursors in ${dir}: 1 file cannot be read (below)`);
    expect(lines[1]).toMatch(/^events: warning: unreadable state file .* is corrupt/);
  });

  it('show prints the stored record (never a token), by gid or URL', async () => {
    await runInProcess(['tail', bed.project, '--once'], { env: bed.env() });
    const shown = await runInProcess(['state', 'show', `https://app.asana.com/0/${bed.project}/list`, '--json'], {
      env: bed.env(),
    });
    expect(shown.code).toBe(0);
    const [record] = JSON.parse(shown.stdout);
    expect(record).toMatchObject({ provider: 'asana', subscription: bed.project, group: 'default' });
    expect(record.cursor.sync).toMatch(/^[0-9a-f]{32}:\d+$/);
    expect(shown.stdout).not.toContain('test-token');
    const human = await runInProcess(['state', 'show', bed.project], { env: bed.env() });
    expect(human.stdout).toMatch(/^subscription +\d+$/m);
    expect(human.stdout).toMatch(/^cursor +\{"sync":/m);
  });

  it('reset forgets a cursor: the next run starts fresh; unknown references exit 4', async () => {
    await runInProcess(['tail', bed.project, '--once'], { env: bed.env() });
    bed.emulator.asana.appendEvents(bed.project, 5);
    const reset = await runInProcess(['state', 'reset', bed.project], { env: bed.env() });
    expect(reset.code).toBe(0);
    expect(reset.stderr).toMatch(/removed .*; the next run of \d+ starts fresh/);
    // Fresh: a first run again, which prints nothing (the 5 events were before the new token).
    const next = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(next.stdout).toBe('');
    const missing = await runInProcess(['state', 'reset', '424242'], { env: bed.env() });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/no stored cursor for 424242.*events state list/);
    const json = await runInProcess(['state', 'reset', bed.project, '--json'], { env: bed.env() });
    expect(JSON.parse(json.stdout).removed).toHaveLength(1);
  });

  it('reset refuses while a tail holds the cursor', async () => {
    await runInProcess(['tail', bed.project, '--once'], { env: bed.env() });
    const tail = new RunningCli(['tail', bed.project, '--json', '--interval', '0.2'], bed.env());
    await tail.waitFor(() => bed.eventRequests().length >= 2, 10_000, 'the tail to run');
    const reset = await runInProcess(['state', 'reset', bed.project], { env: bed.env() });
    expect(reset.code).toBe(6);
    tail.kill('SIGINT');
    expect((await tail.done).code).toBe(130);
    expect(eventsOf((await tail.done).stdout)).toEqual([]);
    // Once the tail is gone, the reset goes through.
    expect((await runInProcess(['state', 'reset', bed.project], { env: bed.env() })).code).toBe(0);
  });
});
