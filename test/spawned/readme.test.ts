// The README's recipes and tables cannot drift from the program. The jq recipes
// of "Cron exports" are taken from README.md as written and run with jq (when installed; .ci/run
// installs it) on a real export from the emulator; the flag table of docs/flags.md lists every flag
// of `tail` (moved there from the README), and the README's short table only flags that exist.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { testIO } from '../helpers/run-in-process.js';
import { MAX_SHARDS } from '../../src/core/shard.js';
import { ROOT, tempDir } from '../helpers/env.js';
import { runCli, runShell } from '../helpers/spawn.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const FLAGS = fs.readFileSync(path.join(ROOT, 'docs/flags.md'), 'utf8');
const STATE = fs.readFileSync(path.join(ROOT, 'docs/state.md'), 'utf8');

/** The text of a `## title` section of README.md, up to the next `## `. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  expect(start, title).toBeGreaterThan(-1);
  const end = README.indexOf('\n## ', start + 4);
  return README.slice(start, end === -1 ? undefined : end);
}

/** The flags named in the first column of a markdown table's rows. */
function tableRows(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('| `'));
}

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The jq recipes: each `# comment` line and the command lines after it, up to a blank line. */
function recipes(): Map<string, string> {
  const text = section('Cron exports');
  const intro = text.indexOf('jq recipes over an export');
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(intro))![1]!;
  const out = new Map<string, string>();
  for (const chunk of block.split(/\n\s*\n/)) {
    const [comment = '', ...lines] = chunk.trim().split('\n');
    out.set(comment.replace(/^# /, ''), lines.join('\n'));
  }
  return out;
}

type Row = Record<string, any>;

describe.skipIf(!has('jq'))('the jq recipes of "Cron exports", run on an export from the emulator', () => {
  let bed: TestBed;
  let dir: string;
  let records: Row[];
  beforeAll(async () => {
    bed = await startTestBed();
    dir = tempDir('events-recipes-');
    const project = bed.project;
    const output = path.join(dir, 'export.jsonl');
    const tail = async (args: string[] = []): Promise<void> => {
      const result = await runCli(['tail', project, '--once', '--output', output, ...args], bed.env());
      expect(result.code, result.stderr).toBe(0);
    };
    await tail(['--snapshot']);
    bed.emulator.asana.appendEvents(project, 150);
    await tail();
    // An expired cursor: a resync notice and a re-crawl (snapshot records) in the export.
    bed.emulator.asana.expireTokens(project);
    bed.emulator.asana.appendEvents(project, 150);
    await tail();
    // After a crash between the write and the cursor save, the next run writes the last events again.
    const lines = fs.readFileSync(output, 'utf8').trim().split('\n');
    const events = lines.filter((l) => JSON.parse(l)._events.kind === 'event');
    const later = new Date(Date.now() + 60_000).toISOString();
    const repeated = (line: string): string => {
      const row = JSON.parse(line) as Row;
      return JSON.stringify({ ...row, _events: { ...row._events, received_at: later } });
    };
    const repeats = events.slice(-20).map(repeated);
    fs.appendFileSync(output, `${repeats.join('\n')}\n`);
    records = fs
      .readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Row);
    expect(records.filter((r) => r._events.kind !== 'event').length).toBeGreaterThan(3);
  }, 60_000);
  afterAll(async () => {
    await bed.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const runRecipe = async (name: string): Promise<string> => {
    const script = recipes().get(name);
    expect(script, `README recipe "${name}"`).toBeTruthy();
    const result = await runShell(`cd '${dir}' && ${script}`, bed.env());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return result.stdout;
  };

  it('the README has the three recipes', () => {
    expect([...recipes().keys()]).toHaveLength(3);
  });

  it('events per action per day: the counts add up to the events of the export', async () => {
    const out = await runRecipe('events per action per day');
    const total = out
      .trim()
      .split('\n')
      .reduce((n, line) => n + Number(line.trim().split(/\s+/)[0]), 0);
    expect(total).toBe(records.filter((r) => r._events.kind === 'event').length);
  });

  it('the latest state of each task: the last change of a field wins', async () => {
    const state = JSON.parse(
      await runRecipe('the latest state of each task: the snapshot, then every change applied in order'),
    ) as Record<string, Row>;
    const changes = records.filter(
      (r) =>
        r._events.kind === 'event' && r.action === 'changed' && r.resource?.resource_type === 'task' && r.change?.field,
    );
    expect(changes.length).toBeGreaterThan(0);
    const last = changes.at(-1)!;
    expect(state[last.resource.gid]![last.change.field]).toEqual(last.change.new_value ?? null);
    const snapshotted = records.find((r) => r._events.kind === 'snapshot' && r._events.resource_type === 'task')!;
    expect(state[snapshotted.gid]).toHaveProperty('name');
  });

  it('drop exact repeats: only the repeated events go; every record stays whole, notices and snapshots included', async () => {
    const out = (await runRecipe('Asana events have no id: drop exact repeats (after a crash) by content'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Row);
    // What the README says the recipe does: the first of each event (all but received_at equal).
    const seen = new Set<string>();
    const expected = records.filter((r) => {
      if (r._events.kind !== 'event') return true;
      const key = JSON.stringify({ ...r, _events: { ...r._events, received_at: undefined } });
      return seen.has(key) ? false : (seen.add(key), true);
    });
    expect(expected.length).toBeLessThanOrEqual(records.length - 20);
    expect(out).toEqual(expected);
    for (const record of out) expect(typeof record._events?.kind).toBe('string');
    expect(out.filter((r) => r._events.kind !== 'event')).toEqual(records.filter((r) => r._events.kind !== 'event'));
  });
});

describe('the flag tables of docs/flags.md and the README\'s "Usage"', () => {
  const tail = createProgram(testIO({ env: {} }).io).commands.find((c) => c.name() === 'tail')!;
  const names = (row: string): string => row.split('|')[1]!;
  const named = (row: string, flag: string): boolean =>
    names(row).includes(`\`${flag}`) || names(row).includes(`, ${flag}`);

  it('docs/flags.md names every flag of `events tail`', () => {
    const table = tableRows(FLAGS);
    const missing = tail.options
      .filter((o) => !o.hidden)
      .map((o) => o.long!)
      .filter((flag) => !table.some((row) => named(row, flag)));
    expect(missing).toEqual([]);
  });

  it("the README's short table has only flags of `events tail`, each row as docs/flags.md words it", () => {
    const rows = tableRows(section('Usage'));
    expect(rows.length).toBeGreaterThan(5);
    const flags = tail.options.filter((o) => !o.hidden).map((o) => o.long!);
    for (const row of rows) {
      expect(
        flags.some((flag) => named(row, flag)),
        row,
      ).toBe(true);
      const unlinked = (text: string): string => text.replace(/\]\([^)]*\)/g, ']'); // links differ: docs/x.md vs x.md
      expect(tableRows(FLAGS).map(unlinked), row).toContain(unlinked(row));
    }
  });

  it('gives the limit of --shard', () => {
    const row = tableRows(FLAGS).find((l) => l.startsWith('| `--shard'))!;
    expect(row).toContain(MAX_SHARDS.toLocaleString('en-US'));
  });
});

describe('recent_event_ids in docs/state.md', () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await startTestBed();
  });
  afterAll(async () => bed.close());

  it('every `state show --json` object has it: null for Asana, as docs/state.md says', async () => {
    expect((await runCli(['tail', bed.project, '--once'], bed.env())).code).toBe(0);
    const shown = await runCli(['state', 'show', bed.project, '--json'], bed.env());
    const [record] = JSON.parse(shown.stdout) as Row[];
    expect(record).toHaveProperty('recent_event_ids', null);
    expect(STATE).toMatch(/`recent_event_ids` \([^)]*`null` for Asana/);
  });
});
