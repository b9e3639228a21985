// End to end: bin/events.js against the emulator, as a user or a cron job runs it.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/env.js';
import { eventsOf, jsonLines } from '../helpers/run-result.js';
import { runCli, RunningCli } from '../helpers/spawn.js';
import { runInProcess } from '../helpers/run-in-process.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';
import { cliCommand, runTty, runTtyScript } from '../helpers/pty.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await startTestBed();
});
afterEach(async () => bed.close());

describe('events tail (Asana)', () => {
  it('a first --once run stores the token from the 412 and prints nothing', async () => {
    const run = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const requests = bed.eventRequests();
    expect(requests).toHaveLength(1);
    expect(requests[0]!.query).toEqual({ resource: bed.project });
    const files = fs.readdirSync(path.join(bed.stateDir, 'cursors'));
    expect(files).toHaveLength(1);
    const saved = JSON.parse(fs.readFileSync(path.join(bed.stateDir, 'cursors', files[0]!), 'utf8'));
    expect(saved.cursor.sync).toMatch(/^[0-9a-f]{32}:\d+$/);
    expect(JSON.stringify(saved)).not.toContain('test-token');
  });

  it('drains 1050 events in 11 pages, exactly once and in order, then only new ones', async () => {
    await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    const appended = bed.emulator.asana.appendEvents(bed.project, 1050);
    const before = bed.eventRequests().length;
    const run = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
    const pages = bed.eventRequests().slice(before);
    expect(pages).toHaveLength(11);
    // Each page is asked for with the token of the page before it.
    expect(new Set(pages.map((p) => p.query['sync'])).size).toBe(11);

    const more = bed.emulator.asana.appendEvents(bed.project, 3);
    const second = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(eventsOf(second.stdout)).toEqual(more);
    const idle = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(idle.stdout).toBe('');
  });

  it('writes the documented JSON Lines schema', async () => {
    await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    bed.emulator.asana.appendEvents(bed.project, 5);
    const run = await runInProcess(['tail', bed.project, '--once', '--json', '--group', 'export'], { env: bed.env() });
    // The new group starts its own cursor: nothing yet. The default group sees the five events.
    expect(run.stdout).toBe('');
    const main = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    const records = jsonLines(main.stdout);
    expect(records).toHaveLength(5);
    for (const record of records) {
      expect(record).toHaveProperty('action');
      expect(record).toHaveProperty('resource.gid');
      expect(record).toHaveProperty('created_at');
      const meta = record['_events'] as Record<string, unknown>;
      expect(Object.keys(meta).sort()).toEqual(['group', 'kind', 'provider', 'received_at', 'subscription']);
      expect(meta).toMatchObject({ kind: 'event', provider: 'asana', subscription: bed.project, group: 'default' });
      expect(Number.isNaN(Date.parse(meta['received_at'] as string))).toBe(false);
    }
  });

  it('tails two resources at once, each with its own cursor', async () => {
    const [a, b] = bed.emulator.asana.projectGids as [string, string];
    await runInProcess(['tail', a, b, '--once', '--json'], { env: bed.env() });
    const ea = bed.emulator.asana.appendEvents(a, 150);
    const eb = bed.emulator.asana.appendEvents(b, 20);
    const run = await runInProcess(['tail', a, b, '--once', '--json'], { env: bed.env() });
    expect(run.code).toBe(0);
    const records = jsonLines(run.stdout);
    const of = (gid: string): unknown[] =>
      records
        .filter((r) => (r['_events'] as { subscription: string }).subscription === gid)
        .map(({ _events, ...e }) => e);
    expect(of(a)).toEqual(ea);
    expect(of(b)).toEqual(eb);
    expect(fs.readdirSync(path.join(bed.stateDir, 'cursors'))).toHaveLength(2);
  });

  it('reads 2500 workspace events in pages of 1000', async () => {
    const ws = `workspace:${bed.emulator.asana.workspaceGid}`;
    await runInProcess(['tail', ws, '--once', '--json'], { env: bed.env() });
    const appended = bed.emulator.asana.simulate(2500);
    const before = bed.eventRequests().length;
    const run = await runInProcess(['tail', ws, '--once', '--json'], { env: bed.env() });
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
    const pages = bed.eventRequests().slice(before);
    expect(pages.map((p) => p.path)).toEqual(
      Array(3).fill(`/api/1.0/workspaces/${bed.emulator.asana.workspaceGid}/events`),
    );
    // The spec has no opt_fields on workspace events: none is sent.
    expect(pages.every((p) => !('opt_fields' in p.query))).toBe(true);
  });

  it('accepts every browser URL form and reads the right resource', async () => {
    const p = bed.project;
    const t = bed.emulator.asana.taskGids(p)[0]!;
    const ws = bed.emulator.asana.workspaceGid;
    const forms: Array<[string, string]> = [
      [`https://app.asana.com/0/${p}/list`, p],
      [`https://app.asana.com/0/${p}/board`, p],
      [`https://app.asana.com/0/${p}/${t}`, t],
      [`https://app.asana.com/0/${p}/${t}/f`, t],
      [`https://app.asana.com/1/${ws}/project/${p}/list`, p],
      [`https://app.asana.com/1/${ws}/project/${p}/task/${t}`, t],
      [`https://app.asana.com/1/${ws}/task/${t}`, t],
    ];
    for (const [url, gid] of forms) {
      const before = bed.eventRequests().length;
      const run = await runInProcess(['tail', url, '--once', '--json'], { env: bed.env() });
      expect(run.code, `${url}: ${run.stderr}`).toBe(0);
      expect(
        bed
          .eventRequests()
          .slice(before)
          .map((r) => r.query['resource']),
      ).toContain(gid);
    }
  });

  it('rejects an unknown reference with a usage error listing the forms', async () => {
    const run = await runInProcess(['tail', 'https://example.com/nope', '--once'], { env: bed.env() });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('workspace:<gid>');
    expect(bed.emulator.requests).toHaveLength(0);
  });

  it('passes --fields through as opt_fields and refuses fields the API does not have', async () => {
    await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    bed.emulator.asana.appendEvents(bed.project, 2);
    const run = await runInProcess(
      ['tail', bed.project, '--once', '--json', '--fields', 'user.name,resource.name,action'],
      { env: bed.env() },
    );
    expect(run.code).toBe(0);
    const last = bed.eventRequests().at(-1)!;
    expect(last.query['opt_fields']).toBe('user.name,resource.name,action');
    for (const record of jsonLines(run.stdout)) expect(record).not.toHaveProperty('created_at');
    const bad = await runInProcess(['tail', bed.project, '--once', '--fields', 'resource.color'], { env: bed.env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--fields must be fields of Asana events \(action, .*\), not "resource\.color"/);
  });

  it('prints human lines without ANSI codes when piped', async () => {
    await runCli(['tail', bed.project, '--once'], bed.env());
    bed.emulator.asana.appendEvents(bed.project, 10);
    const run = await runCli(['tail', bed.project, '--once'], bed.env());
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(run.stdout).not.toContain('\u001b');
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d \S.* (added|removed|changed|deleted|undeleted) /);
  });

  it('colours when forced, and NO_COLOR turns colour off on a terminal', async () => {
    await runInProcess(['tail', bed.project, '--once'], { env: bed.env() });
    bed.emulator.asana.appendEvents(bed.project, 3);
    const forced = await runInProcess(['tail', bed.project, '--once', '--group', 'g1'], {
      env: bed.env({ FORCE_COLOR: '1' }),
    });
    expect(forced.code).toBe(0);
    bed.emulator.asana.appendEvents(bed.project, 3);
    const colour = await runInProcess(['tail', bed.project, '--once', '--color', 'always'], { env: bed.env() });
    expect(colour.stdout).toContain('\u001b[');
    bed.emulator.asana.appendEvents(bed.project, 3);
    // `script` gives the CLI a real terminal as stdout.
    const tty = await runTty(['tail', bed.project, '--once'], bed.env({ NO_COLOR: '1', TERM: 'xterm' }));
    expect(tty).toMatch(/changed|added|removed|deleted/);
    expect(tty).not.toMatch(/\u001b\[3\dm/);
  });

  it('shows a spinner on a terminal stderr ("waiting for events on …"), never on a pipe', async () => {
    await runInProcess(['tail', bed.project, '--once'], { env: bed.env() });
    const shown = await runTtyScript(
      `stty cols 120; timeout -s INT 2 ${cliCommand(['tail', bed.project, '--interval', '0.3'])}`,
      bed.env({ TERM: 'xterm' }),
    );
    expect(shown).toMatch(/waiting for events on resource \d+ …/);
    const piped = new RunningCli(['tail', bed.project, '--interval', '0.3'], bed.env());
    // Several polls, each of which a terminal would show as spinner text.
    await piped.waitFor(() => bed.eventRequests().filter((r) => r.query['sync']).length >= 3, 10_000, 'three polls');
    piped.kill('SIGINT');
    expect((await piped.done).stderr).toBe('');
  });

  it('follows: new events appear without restarting', async () => {
    const tail = new RunningCli(['tail', bed.project, '--json', '--interval', '0.2'], bed.env());
    await tail.waitFor(() => bed.eventRequests().length >= 2, 10_000, 'the first poll');
    const appended = bed.emulator.asana.appendEvents(bed.project, 120);
    await tail.waitForLines(120);
    tail.kill('SIGINT');
    const result = await tail.done;
    expect(result.code).toBe(130);
    expect(eventsOf(result.stdout)).toEqual(appended);
  });

  it('many resources share one client with at most 50 requests in flight', async () => {
    const many = bed.emulator.asana.taskGids(bed.emulator.asana.createProject('Wide', 80));
    expect(many.length).toBe(80);
    bed.emulator.faults.add({ kind: 'slow', path: '/events', times: 80, delayMs: 300 });
    // A rate high enough that the in-flight cap, not the rate governor's bucket, is what binds.
    const run = await runInProcess(['tail', ...many, '--once', '--json', '--rate', '6000/min'], { env: bed.env() });
    expect(run.code).toBe(0);
    expect(bed.eventRequests()).toHaveLength(80);
    expect(bed.emulator.maxInFlight).toBeLessThanOrEqual(50);
    expect(bed.emulator.maxInFlight).toBeGreaterThanOrEqual(40);
    expect(fs.readdirSync(path.join(bed.stateDir, 'cursors'))).toHaveLength(80);
  });

  it('settings: a flag beats the environment, which beats config.json', async () => {
    fs.writeFileSync(
      path.join(bed.stateDir, 'config.json'),
      JSON.stringify({ asanaBaseUrl: 'http://127.0.0.1:9/api/1.0', group: 'from-file', color: 'never' }),
    );
    // The environment's base URL wins over the file's (which points nowhere).
    const run = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(run.code).toBe(0);
    const groups = (): string[] =>
      fs.readdirSync(path.join(bed.stateDir, 'cursors')).map((f) => f.split('__').at(-1)!.replace('.json', ''));
    expect(groups()).toEqual(['from-file']);
    // The flag wins over the file.
    await runInProcess(['tail', bed.project, '--once', '--json', '--group', 'from-flag'], { env: bed.env() });
    expect(groups().sort()).toEqual(['from-file', 'from-flag']);
    // The file is used when nothing else says: its base URL answers nothing, so this fails fast.
    const fileOnly = await runInProcess(
      ['tail', bed.project, '--once', '--give-up', '1', '--retry-base-ms', '20', '--retry-cap-ms', '50'],
      { env: bed.env({ ASANA_BASE_URL: undefined }) },
    );
    expect(fileOnly.code).toBe(75);
    expect(fileOnly.stderr).toMatch(/connection refused/);
    fs.writeFileSync(path.join(bed.stateDir, 'config.json'), '{not json');
    const broken = await runInProcess(['tail', bed.project, '--once'], { env: bed.env() });
    expect(broken.code).toBe(78);
    expect(broken.stderr).toMatch(/config\.json is not valid JSON/);
  });

  it('401: exit 3 with a one-line message and no stack', async () => {
    await bed.close();
    bed = await startTestBed({ accessTokens: ['the-right-token'] });
    const run = await runInProcess(['tail', bed.project, '--once'], {
      env: bed.env({ ASANA_ACCESS_TOKEN: 'wrong-token' }),
    });
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('401');
    expect(run.stderr).toContain('ASANA_ACCESS_TOKEN');
    expect(run.stderr).not.toContain('wrong-token');
    expect(run.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('no token: exit 3 before any request', async () => {
    const run = await runInProcess(['tail', bed.project, '--once'], {
      env: bed.env({ ASANA_ACCESS_TOKEN: undefined }),
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/ASANA_ACCESS_TOKEN is not set/);
    expect(bed.emulator.requests).toHaveLength(0);
  });

  it('404 on one resource stops that one, the other goes on, exit 4', async () => {
    const good = bed.project;
    await runInProcess(['tail', good, '--once', '--json'], { env: bed.env() });
    const appended = bed.emulator.asana.appendEvents(good, 4);
    const run = await runInProcess(['tail', good, '999999999', '--once', '--json'], { env: bed.env() });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/resource 999999999 was not found \(404/);
    expect(eventsOf(run.stdout)).toEqual(appended);
  });

  it('workspace events refused: the message says they are for Enterprise+ service accounts', async () => {
    await bed.close();
    bed = await startTestBed({ workspaceEventsTokens: ['service-account'] });
    const run = await runInProcess(['tail', `workspace:${bed.emulator.asana.workspaceGid}`, '--once'], {
      env: bed.env(),
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/service accounts of Enterprise\+ domains/);
  });

  it('sends a User-Agent naming the tool and the token only as a bearer header', async () => {
    await runInProcess(['tail', bed.project, '--once'], { env: bed.env() });
    const request = bed.emulator.requests[0]!;
    expect(request.headers['user-agent']).toMatch(/^events\/\d+\.\d+\.\d+/);
    // The package it names is this one (package.json), not the old name events-tail.
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string };
    expect(request.headers['user-agent']).toContain(`(+https://www.npmjs.com/package/${pkg.name}; node `);
    expect(request.headers['user-agent']).not.toContain('events-tail');
    expect(request.headers['authorization']).toBe('Bearer test-token');
  });
});
