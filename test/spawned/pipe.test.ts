// Ctrl-C reaches the whole pipeline (`events tail X --json | jq …`), so the reader
// dies with lines still in the pipe. Those lines must not count as delivered: the next run repeats
// them (and stderr says how many may be repeated) instead of skipping them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf, type CliResult } from '../helpers/run-result.js';
import { BIN, runCli, runShell } from '../helpers/spawn.js';
import { waitUntil } from '../helpers/wait-until.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await startTestBed();
});
afterEach(async () => bed.close());

/**
 * A reader slower than the CLI: 4 KiB every 20 ms, each read appended to `out` at once, so `out`
 * holds exactly what the reader had when it died. Only complete lines of it were delivered.
 */
const SLOW_READER = `const fs = require('fs'); const out = fs.openSync(process.argv[1], 'a'); const buf = Buffer.alloc(4096);
const step = () => { let n; try { n = fs.readSync(0, buf); } catch (e) { if (e.code === 'EAGAIN') return setTimeout(step, 20); throw e; }
  if (n === 0) return; fs.writeSync(out, buf, 0, n); setTimeout(step, 20); };
step();`;

/** Counts each serialised event: the multiset view of a run's output. */
function tally(events: unknown[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(JSON.stringify(e), (counts.get(JSON.stringify(e)) ?? 0) + 1);
  return counts;
}

/** The complete lines of what the reader wrote down (a torn last line was not delivered). */
function delivered(file: string): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  return text.slice(0, text.lastIndexOf('\n') + 1);
}

describe('a stop while stdout is a pipe', () => {
  it('Ctrl-C on `events tail X --json | slow reader`: run 1 delivered + run 2 cover every event; the repeats are at most the N stated', async () => {
    const appended = await bed.primed(3000);
    const out = path.join(bed.stateDir, 'reader.out');
    const errFile = path.join(bed.stateDir, 'events.err');
    // A pipeline in a process group of its own, as a terminal runs it: Ctrl-C reaches every member.
    const script = `"${process.execPath}" "${BIN}" tail ${bed.project} --json 2>"${errFile}" | "${process.execPath}" -e "$READER" "${out}"`;
    const group = spawn('sh', ['-c', script], {
      env: { ...bed.env(), READER: SLOW_READER },
      detached: true,
      stdio: 'ignore',
    });
    const ended = new Promise<void>((resolve) => group.on('close', () => resolve()));
    // The reader has started, and is far behind: the CLI is in the middle of the drain.
    await waitUntil(() => delivered(out).split('\n').length > 200, 'the slow reader to read 200 lines', 20_000);
    process.kill(-group.pid!, 'SIGINT');
    await ended; // sh waits for both: the CLI has exited
    const stderr = fs.readFileSync(errFile, 'utf8');
    // Ctrl-C reaches both: which comes first, the signal or the reader's end (EPIPE), is a race.
    const stated =
      /^events: (?:stopped; |warning: the reader of stdout went away; )the last (\d+) lines may be repeated by the next run/m.exec(
        stderr,
      );
    expect(stated, stderr).not.toBeNull();
    const first = eventsOf(delivered(out));
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(3000);

    const second: CliResult = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
    expect(second.code).toBe(0);
    const rest = eventsOf(second.stdout);
    // None missing: every appended event is in run 1's delivered lines or in run 2.
    const seen = tally([...first, ...rest]);
    const missing = [...tally(appended)].filter(([event, n]) => (seen.get(event) ?? 0) < n);
    expect(missing).toEqual([]);
    // Repeats are allowed, and never more than stderr said.
    const repeats = first.length + rest.length - appended.length;
    expect(repeats).toBeLessThanOrEqual(Number(stated![1]));
    // The second run starts where it said: at most N lines before the end of what was written.
    expect(rest.at(-1)).toEqual(appended.at(-1));
  });

  it('Box (positions and seen ids, not tokens): Ctrl-C on a slow reader loses no event either', async () => {
    const env = bed.env({ BOX_BASE_URL: `${bed.emulator.url}/2.0`, BOX_ACCESS_TOKEN: 'box-token' });
    expect((await runCli(['tail', 'box', '--once', '--json'], env)).code).toBe(0);
    const appended = bed.emulator.box.appendEvents(2000);
    const out = path.join(bed.stateDir, 'box.out');
    const errFile = path.join(bed.stateDir, 'box.err');
    const script = `"${process.execPath}" "${BIN}" tail box --json 2>"${errFile}" | "${process.execPath}" -e "$READER" "${out}"`;
    const group = spawn('sh', ['-c', script], {
      env: { ...env, READER: SLOW_READER },
      detached: true,
      stdio: 'ignore',
    });
    const ended = new Promise<void>((resolve) => group.on('close', () => resolve()));
    // Box pages hold 500 events: the reader is near the end of the first page, which was saved
    // once it was handed to the pipe; the pipe still holds its last lines.
    await waitUntil(() => delivered(out).split('\n').length > 430, 'the slow reader to read 430 lines', 20_000);
    process.kill(-group.pid!, 'SIGINT');
    await ended;
    const stderr = fs.readFileSync(errFile, 'utf8');
    // Ctrl-C reaches both: which comes first, the signal or the reader's end (EPIPE), is a race.
    const stated =
      /^events: (?:stopped; |warning: the reader of stdout went away; )the last (\d+) lines may be repeated by the next run/m.exec(
        stderr,
      );
    expect(stated, stderr).not.toBeNull();
    const first = eventsOf(delivered(out)) as Array<{ event_id: string }>;
    expect(first.length).toBeLessThan(2000);
    const rest = eventsOf((await runCli(['tail', 'box', '--once', '--json'], env)).stdout) as Array<{
      event_id: string;
    }>;
    const seen = new Set([...first, ...rest].map((e) => e.event_id));
    expect(appended.map((e) => String(e['event_id'])).filter((id) => !seen.has(id))).toEqual([]);
    expect(first.length + rest.length - appended.length).toBeLessThanOrEqual(Number(stated![1]));
  });

  it("`| head -n 3`: the warning says the lines may be repeated, and they are (head's 3 included)", async () => {
    const appended = await bed.primed(300);
    const out = path.join(bed.stateDir, 'head.out');
    const result = await runShell(
      `"${process.execPath}" "${BIN}" tail ${bed.project} --once --json --quiet | head -n 3 > "${out}"; echo "status=\${PIPESTATUS[0]}" >&2`,
      bed.env(),
    );
    const lines = result.stderr.trim().split('\n');
    expect(lines.at(-1)).toBe('status=141');
    const warning =
      /^events: warning: the reader of stdout went away; the last (\d+) lines may be repeated by the next run \(a reader that stops early should let events stop: --max-events N\)$/.exec(
        lines.slice(0, -1).join('\n'),
      );
    expect(warning, result.stderr).not.toBeNull();
    const headRead = eventsOf(fs.readFileSync(out, 'utf8'));
    expect(headRead).toEqual(appended.slice(0, 3));
    const second = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
    const rest = eventsOf(second.stdout);
    // What the message promised: the lines head read come again, and nothing is skipped.
    expect(rest.slice(0, 3)).toEqual(headRead);
    expect(rest).toEqual(appended);
  });
});

describe('a stop after stdout was quiet', () => {
  it('Ctrl-C on `events tail X --json | cat` long after the last line: nothing is repeated, nothing said', async () => {
    const appended = await bed.primed(300);
    const out = path.join(bed.stateDir, 'cat.out');
    const errFile = path.join(bed.stateDir, 'events.err');
    const script = `"${process.execPath}" "${BIN}" tail ${bed.project} --json --interval 1 2>"${errFile}" | cat > "${out}"`;
    const group = spawn('sh', ['-c', script], { env: bed.env(), detached: true, stdio: 'ignore' });
    const ended = new Promise<void>((resolve) => group.on('close', () => resolve()));
    await waitUntil(() => eventsOf(delivered(out)).length === 300, 'cat to have every line');
    // The reader kept up. Three more polls at --interval 1, each after a wait of 1 s and each
    // answered with nothing new, mean stdout has been quiet for longer than the rule's 2 s.
    const polls = bed.eventRequests().length;
    await waitUntil(() => bed.eventRequests().length >= polls + 3, 'three polls with nothing new', 20_000);
    process.kill(-group.pid!, 'SIGINT');
    await ended;
    expect(fs.readFileSync(errFile, 'utf8')).not.toMatch(/repeated/);
    expect(eventsOf(delivered(out))).toEqual(appended);
    const second = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
    expect(eventsOf(second.stdout)).toEqual([]);
  });
});
