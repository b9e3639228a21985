// Every fault the real APIs produce leaves the stream complete. Each test asserts the
// exact events delivered, the exit code and what stderr said.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf } from '../helpers/run-result.js';
import { BIN, RunningCli, runShell } from '../helpers/spawn.js';
import { waitUntil } from '../helpers/wait-until.js';
import { runInProcess, startInProcess } from '../helpers/run-in-process.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await startTestBed();
});
afterEach(async () => bed.close());

const FAST = ['--retry-base-ms', '20', '--retry-cap-ms', '100'];

function cursorFiles(): string[] {
  const dir = path.join(bed.stateDir, 'cursors');
  return fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
}

describe('transient faults are retried and nothing is lost', () => {
  it.each([500, 502, 503])('%i three times, then the page', async (status) => {
    const appended = await bed.primed(250);
    bed.emulator.faults.add({ kind: 'status', status, path: '/events', times: 3 });
    const run = await runInProcess(['tail', bed.project, '--once', '--json', ...FAST], { env: bed.env() });
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
    expect(run.stderr).toMatch(new RegExp(`answered ${status}.*retrying in`));
    expect(run.stderr).toMatch(/recovered after/);
  });

  it('--quiet keeps retries off stderr; errors still show', async () => {
    const appended = await bed.primed(20);
    bed.emulator.faults.add({ kind: 'status', status: 503, path: '/events', times: 2 });
    const run = await runInProcess(['tail', bed.project, '--once', '--json', '--quiet', ...FAST], { env: bed.env() });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(eventsOf(run.stdout)).toEqual(appended);
    const failing = await runInProcess(['tail', '424242', '--once', '--quiet'], { env: bed.env() });
    expect(failing.code).toBe(4);
    expect(failing.stderr).toMatch(/not found/);
  });

  it.each(['reset', 'truncate', 'badjson', 'nosync'] as const)('%s', async (kind) => {
    const appended = await bed.primed(150);
    bed.emulator.faults.add({ kind, path: '/events', times: 2 });
    const run = await runInProcess(['tail', bed.project, '--once', '--json', ...FAST], { env: bed.env() });
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
    expect(run.stderr).toMatch(/retrying in/);
  });

  it.each(['hang', 'drip'] as const)('a response that %ss is cut by the timeout and retried', async (kind) => {
    const appended = await bed.primed(120);
    bed.emulator.faults.add({ kind, path: '/events', times: 1, delayMs: 200 });
    const run = await runInProcess(['tail', bed.project, '--once', '--json', '--timeout', '1', ...FAST], {
      env: bed.env(),
    });
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
    // Cut once, and the retry got the whole answer: no second cut, no waiting the fault out.
    expect(run.stderr.match(/no complete answer within 1 s; retrying/g)).toHaveLength(1);
  });

  it('429 waits Retry-After, for every subscription sharing the token', async () => {
    const [a, b] = bed.emulator.asana.projectGids as [string, string];
    await runInProcess(['tail', a, b, '--once', '--json'], { env: bed.env() });
    const ea = bed.emulator.asana.appendEvents(a, 30);
    // b needs three pages: its later requests come after the 429 on a's first one.
    const eb = bed.emulator.asana.appendEvents(b, 250);
    const before = bed.emulator.requests.length;
    bed.emulator.faults.add({ kind: '429', path: '/events', times: 1, retryAfter: 2 });
    const run = await runInProcess(['tail', a, b, '--once', '--json', ...FAST], { env: bed.env() });
    expect(run.code).toBe(0);
    const records = eventsOf(run.stdout);
    expect(records.length).toBe(280);
    expect(new Set(records.map((r) => JSON.stringify(r)))).toEqual(
      new Set([...ea, ...eb].map((r) => JSON.stringify(r))),
    );
    const requests = bed.emulator.requests.slice(before);
    const limited = requests.find((r) => r.status === 429)!;
    expect(limited).toBeDefined();
    // Every request sent after the 429 was seen (either subscription's) waited the two seconds;
    // only one already in flight beside it may arrive within a few milliseconds.
    const after = requests.filter((r) => r !== limited && r.time >= limited.time);
    for (const r of after)
      expect(
        r.time - limited.time < 50 || r.time - limited.time >= 1900,
        `request ${r.time - limited.time} ms after the 429`,
      ).toBe(true);
    expect(after.filter((r) => r.time - limited.time >= 1900).length).toBeGreaterThanOrEqual(2);
    expect(run.stderr).toMatch(/rate limited by Asana \(429\); retrying in 2 s/);
  });

  it('--once gives up on a lasting outage with exit 75 and leaves the cursor alone', async () => {
    const appended = await bed.primed(10);
    const before = cursorFiles();
    bed.emulator.faults.add({ kind: 'status', status: 503, path: '/events', times: 1000 });
    const run = await runInProcess(['tail', bed.project, '--once', '--json', '--give-up', '1', ...FAST], {
      env: bed.env(),
    });
    expect(run.code).toBe(75);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/gave up after \d+ failed attempts over \d+ s: Asana answered 503/);
    expect(cursorFiles()).toEqual(before);
    bed.emulator.faults.clear();
    const next = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(eventsOf(next.stdout)).toEqual(appended);
  });

  it('follow mode keeps retrying through an outage and says when it recovered', async () => {
    await bed.primed(0);
    bed.emulator.faults.add({ kind: 'status', status: 503, path: '/events', times: 8 });
    const tail = new RunningCli(['tail', bed.project, '--json', '--interval', '0.2', ...FAST], bed.env());
    await tail.waitFor(() => /recovered after/.test(tail.stderr), 15_000, 'recovery');
    const appended = bed.emulator.asana.appendEvents(bed.project, 5);
    await tail.waitForLines(5);
    tail.kill('SIGTERM');
    const result = await tail.done;
    expect(result.code).toBe(143);
    expect(eventsOf(result.stdout)).toEqual(appended);
  });
});

describe('signals and pipes', () => {
  it('SIGINT in follow mode: saves the cursor and exits 130', async () => {
    await bed.primed(0);
    const tail = new RunningCli(['tail', bed.project, '--json', '--interval', '0.2'], bed.env());
    const appended = bed.emulator.asana.appendEvents(bed.project, 40);
    await tail.waitForLines(40);
    tail.kill('SIGINT');
    const result = await tail.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toBe('');
    expect(eventsOf(result.stdout)).toEqual(appended);
    const next = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(next.stdout).toBe('');
  });

  it('a stop during an hour-long --interval ends the run by itself, at once (in-process: no deadline to end it)', async () => {
    // main.ts gives a stopped process 1.8 s before it exits anyway; in-process nothing does, so
    // the run ending at all (before the test's timeout, not an hour later) proves the wait ended.
    await bed.primed(0);
    const tail = startInProcess(['tail', bed.project, '--json', '--interval', '3600'], { env: bed.env() });
    const appended = bed.emulator.asana.appendEvents(bed.project, 40);
    await waitUntil(() => tail.lines().length >= 40, '40 lines');
    tail.stop.abort(130);
    const result = await tail.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toBe('');
    expect(eventsOf(result.stdout)).toEqual(appended);
    expect((await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() })).stdout).toBe('');
  });

  it('SIGTERM while draining: the page in flight is finished, exit 143, nothing skipped', async () => {
    const appended = await bed.primed(3000);
    bed.emulator.faults.add({ kind: 'slow', path: '/events', times: 1000, delayMs: 30 });
    const tail = new RunningCli(['tail', bed.project, '--once', '--json'], bed.env());
    await tail.waitForLines(150);
    tail.kill('SIGTERM');
    const first = await tail.done;
    expect(first.code).toBe(143);
    bed.emulator.faults.clear();
    const rest = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    const got = [...eventsOf(first.stdout), ...eventsOf(rest.stdout)];
    expect(got).toEqual(appended);
  });

  it('| head -n 5: exits quietly and does not save past what could not be written', async () => {
    const appended = await bed.primed(2000);
    const script = `"${process.execPath}" "${BIN}" tail ${bed.project} --once --json | head -n 5 > /dev/null; echo "status=\${PIPESTATUS[0]}" >&2`;
    const result = await runShell(script, bed.env());
    expect(result.stderr.trim()).toMatch(/^events: warning: the reader of stdout went away; .*\nstatus=141$/);
    const rest = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    const resumed = eventsOf(rest.stdout);
    // What is left starts at a page boundary and runs to the end: no page was skipped.
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.length % 100).toBe(0);
    expect(resumed).toEqual(appended.slice(appended.length - resumed.length));
  });
});

describe('state that cannot break', () => {
  it('two concurrent --once runs on one cursor: the second fails clearly or waits', async () => {
    await bed.primed(0);
    bed.emulator.faults.add({ kind: 'slow', path: '/events', times: 5, delayMs: 400 });
    bed.emulator.asana.appendEvents(bed.project, 300);
    const first = new RunningCli(['tail', bed.project, '--once', '--json'], bed.env());
    await first.waitFor(() => bed.emulator.requests.length >= 2, 10_000, 'first run reading');
    const second = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(second.code).toBe(6);
    expect(second.stderr).toMatch(
      /another events process \(pid \d+, since \S+\) is reading resource \d+ \(group default\); lock file /,
    );
    expect(second.stderr).toMatch(/--wait-lock/);
    const waiting = runInProcess(['tail', bed.project, '--once', '--json', '--wait-lock', '20'], { env: bed.env() });
    const [a, b] = [await first.done, await waiting];
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(eventsOf(a.stdout).length + eventsOf(b.stdout).length).toBe(300);
  });

  it('a corrupt state file: exit 5 with the file and the fix, no stack', async () => {
    await bed.primed(0);
    const dir = path.join(bed.stateDir, 'cursors');
    const file = path.join(dir, fs.readdirSync(dir)[0]!);
    fs.writeFileSync(file, '{"version":1,"cursor":{"sy');
    const run = await runInProcess(['tail', bed.project, '--once'], { env: bed.env() });
    expect(run.code).toBe(5);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toMatch(/corrupt/);
  });

  it('state folder 0700, files 0600', async () => {
    await bed.primed(0);
    expect(fs.statSync(path.join(bed.stateDir, 'cursors')).mode & 0o777).toBe(0o700);
    for (const f of fs.readdirSync(path.join(bed.stateDir, 'cursors')))
      expect(fs.statSync(path.join(bed.stateDir, 'cursors', f)).mode & 0o777).toBe(0o600);
  });

  it('survives 30 random kill -9: no event missing, the state always loads', { timeout: 120_000 }, async () => {
    await bed.primed(0);
    const out = path.join(bed.stateDir, 'out.jsonl');
    const appended: unknown[] = [];
    const deadline = Date.now() + 90_000;
    for (let i = 0; i < 30 && Date.now() < deadline; i++) {
      appended.push(...bed.emulator.asana.appendEvents(bed.project, 400));
      const fd = fs.openSync(out, 'a');
      const child = (await import('node:child_process')).spawn(
        process.execPath,
        [BIN, 'tail', bed.project, '--once', '--json'],
        { env: bed.env(), stdio: ['ignore', fd, 'pipe'] },
      );
      fs.closeSync(fd);
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const killer = setTimeout(() => child.kill('SIGKILL'), 60 + Math.random() * 300);
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      clearTimeout(killer);
      expect(stderr, `run ${i}`).not.toMatch(/corrupt|internal error/);
      expect([0, null]).toContain(code);
    }
    const final = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(final.code).toBe(0);
    fs.appendFileSync(out, final.stdout);
    const text = fs.readFileSync(out, 'utf8');
    // A killed write may leave a partial last line: a reader skips lines that do not parse.
    const seen = text
      .split('\n')
      .filter((l) => {
        try {
          JSON.parse(l);
          return true;
        } catch {
          return false;
        }
      })
      .map((l) => {
        const { _events, ...e } = JSON.parse(l);
        return JSON.stringify(e);
      });
    const seenSet = new Set(seen);
    const missing = appended.filter((e) => !seenSet.has(JSON.stringify(e)));
    expect(missing).toEqual([]);
    // Order of first appearance is the order of the stream.
    const firstSeen = [...new Set(seen)];
    expect(firstSeen).toEqual(appended.map((e) => JSON.stringify(e)));
  });
});

describe('secrets', () => {
  it('the access token appears in no output and no file, not even with --verbose and errors', async () => {
    const secret = 'sekrit-token-4242';
    const env = bed.env({ ASANA_ACCESS_TOKEN: secret });
    await runInProcess(['tail', bed.project, '--once', '--json', '--verbose'], { env: env });
    bed.emulator.asana.appendEvents(bed.project, 120);
    bed.emulator.faults.add({ kind: 'status', status: 500, path: '/events', times: 1 });
    const outputs = [
      await runInProcess(['tail', bed.project, '--once', '--json', '--verbose', ...FAST], { env: env }),
      await runInProcess(['tail', bed.project, '--once', '--verbose'], { env: env }),
      await runInProcess(['tail', '424242', '--once', '--verbose'], { env: env }),
    ];
    for (const o of outputs) {
      expect(o.stdout + o.stderr).not.toContain(secret);
    }
    expect(outputs[0]!.stderr).toMatch(/debug: GET http/);
    for (const file of walk(bed.stateDir)) expect(fs.readFileSync(file, 'utf8')).not.toContain(secret);
  });

  it('refuses to send the token over plain http to a host that is not loopback', async () => {
    const run = await runInProcess(['tail', '123', '--once'], {
      env: bed.env({ ASANA_BASE_URL: 'http://asana.example.com/api/1.0' }),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /refusing to send the access token over plain http to asana\.example\.com.*--allow-insecure-http/,
    );
  });
});

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('state that is not a cursor, and no silent exit', () => {
  const cursorPath = (): string => {
    const dir = path.join(bed.stateDir, 'cursors');
    return path.join(dir, fs.readdirSync(dir)[0]!);
  };

  it.each([
    ['{}'],
    ['[]'],
    ['0'],
    ['null'],
    ['"a string"'],
    ['{"cursor":{}}'],
    ['{"version":1,"cursor":{}}'],
    ['{"version":1,"cursor":{"sync":12345}}'],
  ])('a cursor file holding %s: exit 5 naming the file and the fix; nothing read, the file kept', async (content) => {
    await bed.primed(10);
    const file = cursorPath();
    fs.writeFileSync(file, content);
    const run = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(run.code).toBe(5);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`state file ${file} is corrupt`);
    expect(run.stderr).toContain(`events state reset ${bed.project}`);
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
  });

  it('a stored record with its sync token still reads on', async () => {
    const appended = await bed.primed(10);
    const run = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
  });

  it.each([['asana'], ['box']] as const)(
    'a %s page with a value nested 5,000 levels deep in --json mode is a garbled page: said, retried, nothing lost',
    async (vendor) => {
      const boxEnv = bed.env({ BOX_BASE_URL: `${bed.emulator.url}/2.0`, BOX_ACCESS_TOKEN: 'box-token' });
      const [ref, env] = vendor === 'asana' ? [bed.project, bed.env()] : ['box', boxEnv];
      let appended: unknown[];
      if (vendor === 'asana') appended = await bed.primed(10);
      else {
        expect((await runInProcess(['tail', 'box', '--once', '--json'], { env: boxEnv })).code).toBe(0);
        appended = bed.emulator.box.appendEvents(10);
      }
      bed.emulator.faults.add({ kind: 'deep', path: vendor === 'asana' ? '/events' : '/2.0/events', times: 1 });
      const run = await runInProcess(['tail', ref, '--once', '--json', ...FAST], { env: env });
      expect(run.code).toBe(0);
      expect(eventsOf(run.stdout)).toEqual(appended);
      expect(run.stderr).toMatch(
        new RegExp(
          `${vendor === 'asana' ? 'Asana' : 'Box'} sent a 200 answer holding a value nested deeper than 256 levels \\(garbled body\\); retrying in`,
        ),
      );
    },
  );

  it('a page that stays garbled ends a --once run with one line saying why', async () => {
    await bed.primed(10);
    bed.emulator.faults.add({ kind: 'deep', path: '/events', times: 1000 });
    const run = await runInProcess(['tail', bed.project, '--once', '--json', '--quiet', '--give-up', '1', ...FAST], {
      env: bed.env(),
    });
    expect(run.code).toBe(75);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/nested deeper than 256 levels \(garbled body\)/);
  });
});
