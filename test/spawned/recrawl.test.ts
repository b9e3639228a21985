// An expired token is made visible and repaired by a re-crawl; cron exports with
// --output and `events snapshot --output`.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf, jsonLines } from '../helpers/run-result.js';
import { BIN, runCli, RunningCli, runShell } from '../helpers/spawn.js';
import { waitUntil } from '../helpers/wait-until.js';
import { runInProcess } from '../helpers/run-in-process.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
let big: string;
beforeEach(async () => {
  bed = await startTestBed();
  // More tasks than one crawl page holds.
  big = bed.emulator.asana.createProject('Big board', 230);
});
afterEach(async () => bed.close());

type Rec = Record<string, unknown> & { _events: Record<string, unknown> };
const kinds = (records: Rec[]): string[] => records.map((r) => r._events['kind'] as string);

describe('re-crawl after an expired token', () => {
  it('mid-stream: resync, the whole project between begin and end, then the stream goes on', async () => {
    await runInProcess(['tail', big, '--once', '--json'], { env: bed.env() });
    const appended = bed.emulator.asana.appendEvents(big, 250);
    // The first page is read; the token of the second request has expired by then.
    bed.emulator.faults.add({ kind: 'slow', path: '/events', times: 1, delayMs: 1 });
    bed.emulator.faults.add({ kind: 'expire', path: '/events', times: 1 });
    const run = await runInProcess(['tail', big, '--once', '--json'], { env: bed.env() });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(
        `warning: the stored cursor of (project|resource) ${big} has expired \\(saved \\d+ min ago\\); events since then were missed`,
      ),
    );
    const records = jsonLines(run.stdout) as Rec[];
    // The page read before the expiry, unchanged and complete.
    expect(eventsOf(run.stdout)).toEqual(appended.slice(0, 100));
    const rest = kinds(records).slice(100);
    expect(rest[0]).toBe('resync');
    expect(rest[1]).toBe('snapshot_begin');
    expect(rest.at(-1)).toBe('snapshot_end');
    const snapshot = records.filter((r) => r._events['kind'] === 'snapshot');
    const tasks = snapshot.filter((r) => r._events['resource_type'] === 'task').map((r) => r['gid']);
    expect(tasks).toEqual(bed.emulator.asana.taskGids(big));
    expect(tasks.length).toBeGreaterThan(200);
    const project = snapshot.find((r) => r._events['resource_type'] === 'project')!;
    // The current state, which the events before the crawl changed (renames included).
    const current = bed.emulator.asana.world.objects.get(big)!;
    expect(project).toMatchObject({ gid: big, name: current['name'] });
    // Fields worth having were asked for, and the state is the one the events produced.
    const someTask = snapshot.find((r) => r._events['resource_type'] === 'task')!;
    expect(someTask).toHaveProperty('completed');
    expect(someTask).toHaveProperty('assignee');
    const end = records.at(-1)!;
    expect(end._events['count']).toBe(snapshot.length);
    // Crawl requests stayed inside the spec: limit, offset and opt_fields from its enums.
    expect(bed.emulator.violations).toEqual([]);
    const pages = bed.emulator.requests.filter((r) => r.path.endsWith(`/projects/${big}/tasks`));
    expect(pages.length).toBe(3);
    expect(pages.every((r) => r.query['limit'] === '100')).toBe(true);

    // Events after the fresh token arrive next time, none lost, none repeated.
    const after = bed.emulator.asana.appendEvents(big, 7);
    const next = await runInProcess(['tail', big, '--once', '--json'], { env: bed.env() });
    expect(next.stderr).toBe('');
    expect(eventsOf(next.stdout)).toEqual(after);
  });

  it('changes made during the crawl arrive as events afterwards', async () => {
    await runInProcess(['tail', big, '--once', '--json'], { env: bed.env() });
    const tail = new RunningCli(['tail', big, '--json', '--interval', '0.2'], bed.env());
    await tail.waitFor(
      () => bed.emulator.requests.filter((r) => r.path.endsWith('/events')).length >= 2,
      10_000,
      'the first poll',
    );
    // Slow crawl pages, so there is time to change things while it runs.
    bed.emulator.faults.add({ kind: 'slow', path: `/projects/${big}/tasks`, times: 3, delayMs: 300 });
    bed.emulator.asana.expireTokens(big);
    await tail.waitFor(() => tail.stdout.includes('"snapshot_begin"'), 10_000, 'snapshot_begin');
    const during = bed.emulator.asana.appendEvents(big, 12);
    await tail.waitFor(() => tail.stdout.includes('"snapshot_end"'), 10_000, 'snapshot_end');
    await tail.waitFor(() => eventsOf(tail.stdout).length >= 12, 10_000, 'the events made during the crawl');
    tail.kill('SIGINT');
    const result = await tail.done;
    expect(result.code).toBe(130);
    const records = jsonLines(result.stdout) as Rec[];
    const endAt = kinds(records).indexOf('snapshot_end');
    expect(
      eventsOf(
        records
          .slice(endAt + 1)
          .map((r) => JSON.stringify(r))
          .join('\n'),
      ),
    ).toEqual(during);
  });

  it('--on-expire fail exits 7 and leaves the cursor for a human to decide', async () => {
    await runInProcess(['tail', big, '--once', '--json'], { env: bed.env() });
    bed.emulator.asana.appendEvents(big, 3);
    bed.emulator.asana.expireTokens(big);
    const run = await runInProcess(['tail', big, '--once', '--json', '--on-expire', 'fail'], { env: bed.env() });
    expect(run.code).toBe(7);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/has expired.*--on-expire recrawl/);
    // The same command fails again: nothing was silently adopted.
    const again = await runInProcess(['tail', big, '--once', '--json', '--on-expire', 'fail'], { env: bed.env() });
    expect(again.code).toBe(7);
  });

  it('--on-expire warn: a resync record and no crawl', async () => {
    await runInProcess(['tail', big, '--once', '--json'], { env: bed.env() });
    bed.emulator.asana.expireTokens(big);
    const run = await runInProcess(['tail', big, '--once', '--json', '--on-expire', 'warn'], { env: bed.env() });
    expect(run.code).toBe(0);
    expect(kinds(jsonLines(run.stdout) as Rec[])).toEqual(['resync']);
    expect(run.stderr).toMatch(/warning: .*has expired/);
  });

  it('--snapshot on a first run: the token, the crawl, then the events', async () => {
    const task = bed.emulator.asana.taskGids(big)[0]!;
    const run = await runInProcess(['tail', task, '--once', '--json', '--snapshot'], { env: bed.env() });
    expect(run.code).toBe(0);
    const records = jsonLines(run.stdout) as Rec[];
    expect(kinds(records)[0]).toBe('snapshot_begin');
    const types = records.filter((r) => r._events['kind'] === 'snapshot').map((r) => r._events['resource_type']);
    expect(types[0]).toBe('task');
    expect(types).toContain('story');
    // The token was taken before the crawl.
    const first = bed.emulator.requests.findIndex((r) => r.path.endsWith('/events'));
    const crawl = bed.emulator.requests.findIndex((r) => r.path.endsWith(`/tasks/${task}`));
    expect(first).toBeLessThan(crawl);
    const appended = bed.emulator.asana.appendEvents(task, 4);
    const next = await runInProcess(['tail', task, '--once', '--json', '--snapshot'], { env: bed.env() });
    expect(eventsOf(next.stdout)).toEqual(appended);
    expect(kinds(jsonLines(next.stdout) as Rec[])).not.toContain('snapshot_begin');
  });
});

describe('cron exports', () => {
  it('--output appends each run exactly once, fsynced, and an empty run leaves the file untouched', async () => {
    const out = path.join(bed.stateDir, 'export.jsonl');
    const first = await runInProcess(['tail', big, '--once', '--json', '--output', out], { env: bed.env() });
    // The one line of a first run (see the next test); then silence.
    expect(first).toMatchObject({ code: 0, stdout: '' });
    expect(first.stderr).toMatch(/^events: [^\n]*: first run: the cursor is now stored[^\n]*\n$/);
    const a = bed.emulator.asana.appendEvents(big, 130);
    const second = await runInProcess(['tail', big, '--once', '--output', out], { env: bed.env() });
    expect(second).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const b = bed.emulator.asana.appendEvents(big, 5);
    await runInProcess(['tail', big, '--once', '--output', out], { env: bed.env() });
    expect(eventsOf(fs.readFileSync(out, 'utf8'))).toEqual([...a, ...b]);
    const before = fs.statSync(out);
    // Not a synchronisation: a write now would get a visibly later mtime.
    await new Promise((r) => setTimeout(r, 20));
    const idle = await runInProcess(['tail', big, '--once', '--output', out], { env: bed.env() });
    expect(idle).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const afterIdle = fs.statSync(out);
    expect(afterIdle.mtimeMs).toBe(before.mtimeMs);
    expect(afterIdle.size).toBe(before.size);
  });

  it('the first --once --output run off a terminal says in one line what it did; later runs and --quiet say nothing', async () => {
    const out = path.join(bed.stateDir, 'export.jsonl');
    const first = await runCli(['tail', bed.project, '--once', '--output', out], bed.env());
    expect(first).toMatchObject({ code: 0, stdout: '' });
    expect(first.stderr).toMatch(
      /^events: resource \d+: first run: the cursor is now stored and events start from here; [^\n]*\n$/,
    );
    const again = await runCli(['tail', bed.project, '--once', '--output', out], bed.env());
    expect(again).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const quiet = await runCli(['tail', big, '--once', '--output', out, '--quiet'], bed.env());
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('snapshot --output replaces the file atomically', async () => {
    const out = path.join(bed.stateDir, 'snapshot.jsonl');
    fs.writeFileSync(out, 'old content\n');
    const inode = fs.statSync(out).ino;
    // A slow crawl: meanwhile the old file stays whole.
    bed.emulator.faults.add({ kind: 'slow', path: `/projects/${big}/tasks`, times: 3, delayMs: 200 });
    const pending = runInProcess(['snapshot', big, '--output', out], { env: bed.env() });
    // The crawl is under way (a task page was asked for and not yet answered): the old file is whole.
    await waitUntil(
      () => bed.emulator.requests.some((r) => r.path.endsWith(`/projects/${big}/tasks`) && r.status === 0),
      'a task page in flight',
    );
    expect(bed.emulator.requests.some((r) => r.path.endsWith(`/projects/${big}/tasks`))).toBe(true);
    expect(fs.readFileSync(out, 'utf8')).toBe('old content\n');
    const run = await pending;
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(fs.statSync(out).ino).not.toBe(inode);
    const records = jsonLines(fs.readFileSync(out, 'utf8')) as Rec[];
    expect(records.filter((r) => r._events['resource_type'] === 'task').map((r) => r['gid'])).toEqual(
      bed.emulator.asana.taskGids(big),
    );
    expect(fs.readdirSync(bed.stateDir).filter((f) => f.includes('snapshot.jsonl'))).toEqual(['snapshot.jsonl']);
  });

  it('snapshot | head: exits 141 quietly, and a first --snapshot run cut short saves no cursor', async () => {
    // Far more than a pipe holds (64 KiB), so the writer meets the closed pipe whatever the timing.
    const big = bed.emulator.asana.createProject('Huge board', 1500);
    const cut = await runShell(
      `"${process.execPath}" "${BIN}" snapshot ${big} | head -n 2 > /dev/null; echo "status=\${PIPESTATUS[0]}" >&2`,
      bed.env(),
    );
    expect(cut.stderr.trim()).toBe('status=141');
    const first = await runShell(
      `"${process.execPath}" "${BIN}" tail ${big} --once --json --snapshot | head -n 2 > /dev/null; echo "status=\${PIPESTATUS[0]}" >&2`,
      bed.env(),
    );
    expect(first.stderr.trim()).toMatch(/^events: warning: the reader of stdout went away; .*\nstatus=141$/);
    expect(
      fs.existsSync(path.join(bed.stateDir, 'cursors')) ? fs.readdirSync(path.join(bed.stateDir, 'cursors')) : [],
    ).toEqual([]);
  });

  it('human snapshot frames: no "(snapshot)" after "snapshot of", and "1 record"', async () => {
    const empty = bed.emulator.asana.createProject('Empty board', 0);
    const run = await runInProcess(['snapshot', empty], { env: bed.env() });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^\\S+ snapshot of resource ${empty} \\S+$`));
    expect(lines.at(-1)).toMatch(new RegExp(`^\\S+ end of snapshot of resource ${empty}: 1 record \\S+$`));
    expect(lines).toHaveLength(3);
  });

  it('a snapshot that gives up says so without naming a cursor (it has none)', async () => {
    bed.emulator.faults.add({ kind: 'status', status: 503, times: 1000 });
    const run = await runInProcess(['snapshot', bed.project, '--give-up', '0'], { env: bed.env() });
    expect(run.code, run.stderr).toBe(75);
    expect(run.stderr).toMatch(
      /^events: gave up after 1 failed attempt over 0 s: Asana answered 503[^\n]* \(the snapshot is incomplete and an --output file was left as it was: run it again later\)\n$/,
    );
    expect(run.stderr).not.toContain('cursor');
  });

  it('snapshot of an unknown gid: exit 4, one line, and no snapshot_begin without its end', async () => {
    for (const args of [['--json'], []]) {
      // A real process: its stdout is not a buffer that an error could leave unwritten.
      const run = await runCli(['snapshot', bed.project, '999999999', ...args], bed.env());
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr).toBe(
        'events: 999999999 is neither a project, a task nor a goal that this token can read (check the gid)\n',
      );
      // The known project's snapshot is whole; the unknown one printed nothing.
      expect(run.stdout).not.toContain('999999999');
      if (args.length) expect(kinds(jsonLines(run.stdout) as Rec[]).at(-1)).toBe('snapshot_end');
    }
  });

  it('a failing snapshot leaves the previous file in place', async () => {
    const out = path.join(bed.stateDir, 'snapshot.jsonl');
    fs.writeFileSync(out, 'old content\n');
    const run = await runInProcess(['snapshot', '999999999', '--output', out], { env: bed.env() });
    expect(run.code).not.toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('old content\n');
    expect(fs.readdirSync(bed.stateDir).filter((f) => f.includes('snapshot'))).toEqual(['snapshot.jsonl']);
  });
});
