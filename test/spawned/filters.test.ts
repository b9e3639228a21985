// Filters and --max-events against the emulator.
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

type Ev = Record<string, any>;

describe('--max-events', () => {
  it('stops after N events mid-page and the next run starts exactly after them', async () => {
    const appended = await bed.primed(250);
    const first = await runInProcess(['tail', bed.project, '--once', '--json', '--max-events', '150'], {
      env: bed.env(),
    });
    expect(first.code).toBe(0);
    expect(eventsOf(first.stdout)).toEqual(appended.slice(0, 150));
    const cursorFile = path.join(bed.stateDir, 'cursors', fs.readdirSync(path.join(bed.stateDir, 'cursors'))[0]!);
    expect(JSON.parse(fs.readFileSync(cursorFile, 'utf8')).cursor.skip).toBe(50);
    const second = await runInProcess(['tail', bed.project, '--once', '--json', '--max-events', '60'], {
      env: bed.env(),
    });
    expect(eventsOf(second.stdout)).toEqual(appended.slice(150, 210));
    const rest = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(eventsOf(rest.stdout)).toEqual(appended.slice(210));
  });

  it('ends a follow-mode tail by itself with exit 0', async () => {
    await bed.primed(0);
    const tail = new RunningCli(['tail', bed.project, '--json', '--interval', '0.2', '--max-events', '5'], bed.env());
    await tail.waitFor(() => bed.eventRequests().length >= 2, 10_000, 'the first poll');
    const appended = bed.emulator.asana.appendEvents(bed.project, 8);
    const result = await tail.done;
    expect(result.code).toBe(0);
    expect(eventsOf(result.stdout)).toEqual(appended.slice(0, 5));
    const rest = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(eventsOf(rest.stdout)).toEqual(appended.slice(5));
  });

  it('refuses a count that is not a whole number', async () => {
    const run = await runInProcess(['tail', bed.project, '--max-events', '0'], { env: bed.env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--max-events must be a whole number from 1 to 2147483647, not "0"/);
  });
});

describe('filters', () => {
  it('--action and --field print only matching events; the cursor still moves past the others', async () => {
    const appended = await bed.primed(300);
    const run = await runInProcess(
      ['tail', bed.project, '--once', '--json', '--action', 'changed', '--field', 'completed,due_on'],
      { env: bed.env() },
    );
    expect(run.code).toBe(0);
    const expected = appended.filter(
      (e) => e['action'] === 'changed' && ['completed', 'due_on'].includes(e['change']?.['field']),
    );
    expect(expected.length).toBeGreaterThan(10);
    expect(eventsOf(run.stdout)).toEqual(expected);
    const idle = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(idle.stdout).toBe('');
  });

  it('--resource-type and --user (by name, any case) are repeatable and combine', async () => {
    const appended = await bed.primed(300);
    const someone = appended.find((e) => e['user'])!['user']['name'] as string;
    const run = await runInProcess(
      [
        'tail',
        bed.project,
        '--once',
        '--json',
        '--resource-type',
        'story',
        '--resource-type',
        'task',
        '--user',
        someone.toUpperCase(),
      ],
      { env: bed.env() },
    );
    const expected = appended.filter(
      (e) => ['story', 'task'].includes(e['resource']['resource_type']) && e['user']?.['name'] === someone,
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(eventsOf(run.stdout)).toEqual(expected);
  });

  it('filters and --max-events together count printed events only', async () => {
    const appended = await bed.primed(200);
    const added = appended.filter((e) => e['action'] === 'added');
    const run = await runInProcess(
      ['tail', bed.project, '--once', '--json', '--action', 'added', '--max-events', '3'],
      { env: bed.env() },
    );
    expect(eventsOf(run.stdout)).toEqual(added.slice(0, 3));
    const next = await runInProcess(['tail', bed.project, '--once', '--json', '--action', 'added'], { env: bed.env() });
    expect(eventsOf(next.stdout)).toEqual(added.slice(3));
  });
});

describe('filters never eat events silently', () => {
  const boxEnv = (): NodeJS.ProcessEnv =>
    bed.env({ BOX_BASE_URL: `${bed.emulator.url}/2.0`, BOX_ACCESS_TOKEN: 'box-token' });
  const lastOptFields = (): string[] => (bed.eventRequests().at(-1)!.query['opt_fields'] ?? '').split(',').sort();

  it('--action with a typo is a usage error with a suggestion, and the cursor stays', async () => {
    const appended = await bed.primed(20);
    const run = await runInProcess(['tail', bed.project, '--once', '--json', '--action', 'chaned'], { env: bed.env() });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /--action must be added, changed, removed, deleted or undeleted, not "chaned" \(did you mean changed\?\)/,
    );
    const rest = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(eventsOf(rest.stdout)).toHaveLength(appended.length);
  });

  it("--fields without the field a filter reads: it is requested as well, and the user's fields are kept", async () => {
    const appended = await bed.primed(30);
    const changed = appended.filter((e) => e['action'] === 'changed');
    expect(changed.length).toBeGreaterThan(0);
    const run = await runInProcess(
      ['tail', bed.project, '--once', '--json', '--fields', 'user.name', '--action', 'changed'],
      { env: bed.env() },
    );
    expect(run.code).toBe(0);
    expect(lastOptFields()).toEqual(['action', 'user.name']);
    const printed = eventsOf(run.stdout) as Ev[];
    expect(printed).toHaveLength(changed.length);
    expect(printed.map((e) => e['user']?.['name'])).toEqual(changed.map((e) => e['user']?.['name']));
  });

  it('every filter adds what it reads to --fields', async () => {
    await bed.primed(0);
    await runInProcess(
      [
        'tail',
        bed.project,
        '--once',
        '--json',
        '--fields',
        'created_at',
        '--field',
        'completed',
        '--resource-type',
        'task',
        '--user',
        'Ada',
      ],
      { env: bed.env() },
    );
    expect(lastOptFields()).toEqual(['change.field', 'created_at', 'resource', 'type', 'user', 'user.name']);
  });

  it.each([
    [['--since', '1d'], /--since does not work on Asana/],
    [['--until', '2026-11-01'], /--until does not work on Asana/],
  ])('%j on an Asana resource is a usage error', async (args) => {
    const run = await runInProcess(['tail', bed.project, '--once', ...args], { env: bed.env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/does not work on Asana/);
  });

  it('a window that ends before it starts is a usage error', async () => {
    const run = await runInProcess(['tail', 'box:admin_logs', '--once', '--since', '1d', '--until', '2d'], {
      env: boxEnv(),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--since \(.*\) must be before --until/);
  });

  it('a stored Box cursor wins over --since, and says so on stderr', async () => {
    expect((await runInProcess(['tail', 'box:admin_logs', '--once', '--json'], { env: boxEnv() })).code).toBe(0);
    const appended = bed.emulator.box.appendEvents(7, 'enterprise');
    const run = await runInProcess(['tail', 'box:admin_logs', '--once', '--json', '--since', '7d'], { env: boxEnv() });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/box:admin_logs \(group default\) has a stored cursor, which wins over --since/);
    expect(eventsOf(run.stdout)).toEqual(appended);
    const pages = bed.emulator.requests.filter((r) => r.path === '/2.0/events');
    expect(pages.at(-1)!.query).not.toHaveProperty('created_after');
  });

  it('an unknown Box --event-type warns with a suggestion (Box adds types, so it is not refused)', async () => {
    const run = await runInProcess(['tail', 'box', '--once', '--json', '--event-type', 'ITEM_UPLAOD'], {
      env: boxEnv(),
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /warning: --event-type ITEM_UPLAOD is not a Box event type .*\(did you mean ITEM_UPLOAD\?\)/,
    );
  });
});

describe('filters that can never match', () => {
  it.each([
    [['--resource-type', 'tsk'], /--resource-type must be an Asana resource type .*not "tsk" \(did you mean task\?\)/],
    [
      ['--field', 'complted'],
      /--field must be a field of an Asana resource .*not "complted" \(did you mean completed\?\)/,
    ],
  ])('%j is a usage error with a suggestion, and the cursor stays', async (args, message) => {
    const appended = await bed.primed(10);
    const run = await runInProcess(['tail', bed.project, '--once', '--json', ...args], { env: bed.env() });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    const rest = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(eventsOf(rest.stdout)).toEqual(appended);
  });

  it('values from the spec are taken: custom_fields, section, any case', async () => {
    await bed.primed(5);
    const run = await runInProcess(
      [
        'tail',
        bed.project,
        '--once',
        '--json',
        '--resource-type',
        'Section,task',
        '--field',
        'custom_fields,Completed',
      ],
      { env: bed.env() },
    );
    expect(run.code).toBe(0);
  });

  it('a --once run that read events and let none through says so once on stderr, naming the filter', async () => {
    const appended = await bed.primed(10);
    const run = await runInProcess(['tail', bed.project, '--once', '--json', '--user', 'nobody at all'], {
      env: bed.env(),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`events: ${appended.length} events read, none matched --user nobody at all\n`);
  });

  it('not when something matched, nor when nothing was read, nor with --quiet', async () => {
    const appended = await bed.primed(30);
    const someone = appended.find((e) => e['user'])!['user']['name'] as string;
    const matched = await runInProcess(['tail', bed.project, '--once', '--json', '--user', someone], {
      env: bed.env(),
    });
    expect(eventsOf(matched.stdout).length).toBeGreaterThan(0);
    expect(matched.stderr).toBe('');
    const idle = await runInProcess(['tail', bed.project, '--once', '--json', '--user', 'nobody'], { env: bed.env() });
    expect(idle.stderr).toBe('');
    bed.emulator.asana.appendEvents(bed.project, 5);
    const quiet = await runInProcess(['tail', bed.project, '--once', '--json', '--user', 'nobody', '--quiet'], {
      env: bed.env(),
    });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });

  it('in follow mode, once per run after the first page read with nothing let through', async () => {
    await bed.primed(0);
    const tail = new RunningCli(['tail', bed.project, '--json', '--interval', '0.2', '--action', 'deleted'], bed.env());
    await tail.waitFor(() => bed.eventRequests().length >= 2, 10_000, 'the first poll');
    const appended = bed.emulator.asana.appendEvents(bed.project, 12).filter((e) => e['action'] !== 'deleted');
    await tail.waitFor(() => /none matched/.test(tail.stderr), 10_000, 'the notice');
    const polls = bed.eventRequests().length;
    bed.emulator.asana.appendEvents(bed.project, 3);
    await tail.waitFor(() => bed.eventRequests().length >= polls + 3, 10_000, 'later polls');
    tail.kill('SIGTERM');
    const result = await tail.done;
    expect(result.stderr.match(/none matched/g)).toHaveLength(1);
    expect(result.stderr).toMatch(
      new RegExp(`events: ${appended.length} events read, none matched --action deleted\\n`),
    );
  });
});
