// A stop (Ctrl-C, SIGTERM, a reader that leaves, a full disk) keeps
// exactly what was written, says what happened, and never moves a cursor past lost lines.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf } from '../helpers/run-result.js';
import { BIN, runCli, runShell } from '../helpers/spawn.js';
import { waitUntil } from '../helpers/wait-until.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await startTestBed();
});
afterEach(async () => bed.close());

const pageRequests = (): number => bed.eventRequests().filter((r) => r.query['sync']).length;

/**
 * A tail whose stdout is a named pipe that nobody reads until `drain()`: after 64 KiB the CLI
 * blocks in the middle of a page, as behind a slow reader. (A child's stdout pipe from Node is a
 * socket with a far larger buffer that Node keeps reading, so it would not block reliably.)
 */
class BlockedTail {
  readonly child: ChildProcessWithoutNullStreams;
  readonly #reader: number;
  stderr = '';
  exitedAt = 0;
  readonly exit: Promise<number | null>;

  constructor(args: string[]) {
    const fifo = path.join(bed.stateDir, 'stdout.fifo');
    execFileSync('mkfifo', [fifo]);
    this.#reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const writer = fs.openSync(fifo, 'w');
    this.child = spawn(process.execPath, [BIN, ...args], {
      env: bed.env(),
      stdio: ['pipe', writer, 'pipe'],
    }) as ChildProcessWithoutNullStreams;
    fs.closeSync(writer);
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exit = new Promise((resolve) =>
      this.child.on('close', (code) => ((this.exitedAt = Date.now()), resolve(code))),
    );
  }

  /** Blocked writing a page: the CLI says so with --verbose once a write waited a second. */
  async blocked(): Promise<void> {
    await waitUntil(() => this.stderr.includes('stdout is full: waiting for its reader'), 'the CLI to block on stdout');
  }

  /** Everything the CLI wrote, read once it has exited (no writer is left: the read ends). */
  async drain(): Promise<string> {
    await this.exit;
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(1 << 16);
    for (let n; (n = fs.readSync(this.#reader, buffer)) > 0;) chunks.push(Buffer.from(buffer.subarray(0, n)));
    fs.closeSync(this.#reader);
    return Buffer.concat(chunks).toString('utf8');
  }
}

const lockFiles = (): string[] => fs.readdirSync(path.join(bed.stateDir, 'locks'));

describe('a stop while a slow reader blocks stdout', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'one %s: the position before the lines the pipe still held is saved; the next run repeats exactly the N stated and skips nothing',
    async (signal) => {
      const appended = await bed.primed(3000);
      const tail = new BlockedTail(['tail', bed.project, '--once', '--json', '--verbose']);
      await tail.blocked();
      tail.child.kill(signal);
      // It exits although stdout stays blocked (the test's timeout would catch a hang).
      const [code, first] = await Promise.all([tail.exit, tail.drain()]);
      expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
      // It really stopped in the middle of a page (an orderly stop, not the deadline), and released its lock.
      expect(tail.stderr).toMatch(/stopped after \d+ of \d+ lines of a page/);
      expect(lockFiles()).toEqual([]);
      const firstEvents = eventsOf(first);
      expect(firstEvents.length).toBeGreaterThan(0);
      expect(firstEvents.length).toBeLessThan(3000);
      // stdout is a pipe: the lines its reader could still have lost when it died are not counted.
      // This reader read them all after the exit, so they come exactly twice.
      const stated = /^events: stopped; the last (\d+) lines may be repeated by the next run$/m.exec(tail.stderr);
      expect(stated, tail.stderr).not.toBeNull();
      const repeated = Number(stated![1]);
      expect(repeated).toBeGreaterThan(0);
      const rest = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
      expect(rest.code).toBe(0);
      const restEvents = eventsOf(rest.stdout);
      expect(restEvents.slice(0, repeated)).toEqual(firstEvents.slice(-repeated));
      expect([...firstEvents.slice(0, -repeated), ...restEvents]).toEqual(appended);
    },
  );

  it("a second Ctrl-C during the first one's wait leaves at once, without that save", async () => {
    await bed.primed(3000);
    const tail = new BlockedTail(['tail', bed.project, '--once', '--json', '--verbose']);
    await tail.blocked();
    tail.child.kill('SIGINT');
    // The first stop is now waiting (up to 500 ms) for the chunk on the wire to be taken.
    await waitUntil(() => tail.stderr.includes('SIGINT: stopping'), 'the first SIGINT to be taken');
    tail.child.kill('SIGINT');
    const [code] = await Promise.all([tail.exit, tail.drain()]);
    expect(code).toBe(130);
    // The first signal's orderly stop (at most 500 ms, then "stopped after ...") never got to
    // save: the second one cut it short. No clock needed: the missing line is the proof.
    expect(tail.stderr).not.toMatch(/stopped after/);
  });
});

describe('readers that go away and outputs that fail', () => {
  it('| head -n 5: exit 141, a warning that the lines in the pipe may be repeated (also with --quiet)', async () => {
    await bed.primed(300);
    const script = `"${process.execPath}" "${BIN}" tail ${bed.project} --once --json --quiet | head -n 5 > /dev/null; echo "status=\${PIPESTATUS[0]}" >&2`;
    const result = await runShell(script, bed.env());
    const lines = result.stderr.trim().split('\n');
    expect(lines.at(-1)).toBe('status=141');
    expect(lines.slice(0, -1).join('\n')).toMatch(
      /^events: warning: the reader of stdout went away; the last \d+ lines may be repeated by the next run .*--max-events/,
    );
  });

  it('> /dev/full: exit 74 naming stdout and the disk, the cursor untouched', async () => {
    await bed.primed(150);
    const cursorDir = path.join(bed.stateDir, 'cursors');
    const before = fs.readdirSync(cursorDir).map((f) => fs.readFileSync(path.join(cursorDir, f), 'utf8'));
    const result = await runShell(
      `"${process.execPath}" "${BIN}" tail ${bed.project} --once --json > /dev/full`,
      bed.env(),
    );
    expect(result.code).toBe(74);
    expect(result.stderr.trim()).toBe(
      'events: cannot write stdout: no space left on the device (ENOSPC) (free some space, then run again: the cursor did not move)',
    );
    expect(fs.readdirSync(cursorDir).map((f) => fs.readFileSync(path.join(cursorDir, f), 'utf8'))).toEqual(before);
    const again = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
    expect(eventsOf(again.stdout)).toHaveLength(150);
  });

  it('a closed stdout (>&-): exit 74 before any event is consumed', async () => {
    await bed.primed(20);
    const result = await runShell(`"${process.execPath}" "${BIN}" tail ${bed.project} --once --json >&-`, bed.env());
    expect(result.code).toBe(74);
    expect(result.stderr.trim()).toMatch(
      /^events: stdout is closed \(or \/dev\/null opened read-write, .*\), so events would be consumed and lost \(.*--output FILE; to discard events on purpose, redirect with > \/dev\/null\)$/,
    );
    expect(pageRequests()).toBe(0); // the first run only took a token
    const again = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
    expect(eventsOf(again.stdout)).toHaveLength(20);
  });
});
