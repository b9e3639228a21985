// A page is checked before anything of it is written or stored. Each hostile
// answer the emulator can give (src/emulator/hostile-pages.ts) is sent to bin/events.js: the run
// retries it, writes nothing of it (its marker event never shows), moves no cursor, and reads
// the next good page; with a short --give-up it ends with exit 75 and a line naming the problem.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf } from '../helpers/run-result.js';
import { runCli } from '../helpers/spawn.js';
import { runInProcess } from '../helpers/run-in-process.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';
import { HOSTILE_MARKER, type HostileKind } from '../../src/emulator/hostile-pages.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await startTestBed();
});
afterEach(async () => {
  expect(bed.emulator.violations).toEqual([]);
  await bed.close();
});

const FAST = ['--retry-base-ms', '20', '--retry-cap-ms', '100'];
const boxEnv = (): NodeJS.ProcessEnv =>
  bed.env({ BOX_BASE_URL: `${bed.emulator.url}/2.0`, BOX_ACCESS_TOKEN: 'box-token' });

/** Each cursor file's name and text: what a run must leave alone. */
function cursorFiles(): Record<string, string> {
  const dir = path.join(bed.stateDir, 'cursors');
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

const cursorPath = (prefix: string): string => {
  const dir = path.join(bed.stateDir, 'cursors');
  return path.join(
    dir,
    fs.readdirSync(dir).find((f) => f.startsWith(prefix))!,
  );
};

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Case {
  kind: HostileKind;
  vendor: 'asana' | 'box';
  /** What the run must say was wrong with the page. */
  problem: string;
}

const CASES: Case[] = [
  { kind: 'sync-empty', vendor: 'asana', problem: "Asana sent a bad page: the answer's sync is empty" },
  { kind: 'sync-null', vendor: 'asana', problem: "Asana sent a bad page: the answer's sync is null, not a string" },
  { kind: 'sync-missing', vendor: 'asana', problem: "Asana sent a bad page: the answer's sync is missing" },
  {
    kind: 'sync-huge',
    vendor: 'asana',
    problem: "Asana sent a bad page: the answer's sync is 1,048,576 characters long (at most 2,048)",
  },
  {
    kind: 'data-not-array',
    vendor: 'asana',
    problem: "Asana sent a bad page: the answer's data is an object, not an array",
  },
  {
    kind: 'has-more-string',
    vendor: 'asana',
    problem: "Asana sent a bad page: the answer's has_more is a string, not a boolean",
  },
  {
    kind: 'truncated-json',
    vendor: 'asana',
    problem: 'Asana sent a bad page: the answer is not JSON (truncated or garbled body)',
  },
  {
    kind: 'position-empty',
    vendor: 'box',
    problem: "Box sent a bad page: the answer's next_stream_position is empty",
  },
  {
    kind: 'position-huge',
    vendor: 'box',
    problem: "Box sent a bad page: the answer's next_stream_position is 1,048,576 characters long (at most 2,048)",
  },
  {
    kind: 'entries-not-array',
    vendor: 'box',
    problem: "Box sent a bad page: the answer's entries is an object, not an array",
  },
  {
    kind: 'truncated-json',
    vendor: 'box',
    problem: 'Box sent a bad page: the answer is not JSON (truncated or garbled body)',
  },
];

/** A first run stores the cursor; then events arrive that the next run must print. */
async function primed(
  vendor: 'asana' | 'box',
  count: number,
): Promise<{ ref: string; env: NodeJS.ProcessEnv; appended: unknown[] }> {
  if (vendor === 'asana') return { ref: bed.project, env: bed.env(), appended: await bed.primed(count) };
  const first = await runInProcess(['tail', 'box', '--once', '--json'], { env: boxEnv() });
  expect(first.code).toBe(0);
  return { ref: 'box', env: boxEnv(), appended: bed.emulator.box.appendEvents(count) };
}

const eventsPath = (vendor: 'asana' | 'box'): string => (vendor === 'asana' ? '/api/1.0/events' : '/2.0/events');

describe('a hostile page is retried, nothing of it is written and no cursor moves', () => {
  it.each(CASES.map((c) => [`${c.vendor} ${c.kind}`, c] as const))('%s', async (_name, { kind, vendor, problem }) => {
    const { ref, env, appended } = await primed(vendor, 30);
    const before = cursorFiles();

    // It lasts: --give-up ends the run with exit 75 and the line naming the problem.
    bed.emulator.faults.add({ kind, path: eventsPath(vendor), times: 1000 });
    const failed = await runCli(['tail', ref, '--once', '--json', '--give-up', '1', ...FAST], env);
    expect(failed.stdout).toBe('');
    expect(failed.code).toBe(75);
    expect(failed.stderr).toMatch(new RegExp(`gave up after \\d+ failed attempts over \\d+ s: ${escape(problem)}`));
    expect(failed.stderr).not.toContain(HOSTILE_MARKER);
    expect(cursorFiles()).toEqual(before);

    // It passes: retried, and the good page after it is read whole.
    bed.emulator.faults.clear();
    bed.emulator.faults.add({ kind, path: eventsPath(vendor), times: 2 });
    const run = await runCli(['tail', ref, '--once', '--json', ...FAST], env);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(HOSTILE_MARKER);
    expect(eventsOf(run.stdout)).toEqual(appended);
    expect(run.stderr).toContain(`${problem}; retrying in`);
    expect(bed.emulator.faults.list()).toEqual([]);
    expect(cursorFiles()).not.toEqual(before);
  });

  it.each(['sync-empty', 'sync-huge'] as const)(
    "a 412 whose fresh sync is %s is retried too: the stored cursor is the next one's",
    async (kind) => {
      bed.emulator.faults.add({ kind, path: eventsPath('asana'), times: 2 });
      const first = await runCli(['tail', bed.project, '--once', '--json', ...FAST], bed.env());
      expect(first.code).toBe(0);
      expect(first.stderr).toContain('Asana sent a bad 412 answer: the answer');
      const stored = JSON.parse(fs.readFileSync(cursorPath('asana__'), 'utf8')) as { cursor: { sync: string } };
      expect(stored.cursor.sync).toMatch(/^[0-9a-f]{32}:\d+$/);
      const appended = bed.emulator.asana.appendEvents(bed.project, 5);
      const next = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
      expect(eventsOf(next.stdout)).toEqual(appended);
    },
  );
});

describe('a stored cursor that cannot be sent needs a reset (exit 5), never exit 1', () => {
  it.each([
    ['asana', 'sync'],
    ['box', 'position'],
  ] as const)('a stored %s cursor of 1 MB: exit 5 with the reset line, nothing sent', async (vendor, token) => {
    const { ref, env } = await primed(vendor, 3);
    const file = cursorPath(`${vendor}__`);
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as { cursor: Record<string, string> };
    record.cursor[token] = (vendor === 'asana' ? 'f' : '9').repeat(1024 * 1024);
    fs.writeFileSync(file, JSON.stringify(record));
    const sent = bed.emulator.requests.length;
    const run = await runCli(['tail', ref, '--once', '--json'], env);
    expect(run.code).toBe(5);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`its ${token} token is 1,048,576 characters long (at most 2,048)`);
    expect(run.stderr).toContain(`events state reset ${ref}`);
    expect(bed.emulator.requests.length).toBe(sent);
    const reset = await runCli(['state', 'reset', ref], env);
    expect(reset.code).toBe(0);
    expect((await runCli(['tail', ref, '--once', '--json'], env)).code).toBe(0);
  });

  it.each([
    ['asana', 414],
    ['asana', 431],
    ['box', 431],
  ] as const)('a stored %s cursor the server refuses with %i: exit 5 with the reset line', async (vendor, status) => {
    const { ref, env } = await primed(vendor, 3);
    const before = cursorFiles();
    bed.emulator.faults.add({ kind: 'status', status, path: eventsPath(vendor), times: 1 });
    const run = await runCli(['tail', ref, '--once', '--json', ...FAST], env);
    expect(run.code).toBe(5);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      new RegExp(`refused the stored (sync token|position) of .* as too long \\(${status}\\)`),
    );
    expect(run.stderr).toContain(`events state reset ${ref}`);
    expect(cursorFiles()).toEqual(before);
  });
});
