// References projects:<workspace> and team:<team> (listed through the API, relisted while
// running), --shard K/N and --refs-file, against the emulator's project lists.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { tempDir } from '../helpers/env.js';
import { jsonLines } from '../helpers/run-result.js';
import { BIN, collect, runCli, RunningCli } from '../helpers/spawn.js';
import { runInProcess } from '../helpers/run-in-process.js';
import { cliCommand, runTtyScript } from '../helpers/pty.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';
import { CursorStore } from '../../src/state/cursors.js';
import { acquireLock } from '../../src/state/lock.js';

let bed: TestBed;
let workspace: string;
let engineering: string;
let archived: string;

beforeAll(async () => {
  bed = await startTestBed();
  const { asana } = bed.emulator;
  workspace = asana.workspaceGid;
  engineering = asana.teamGids[1]!;
  // 3 seeded + 110 new projects: two listing pages of 100. Every 10th in the Engineering team.
  for (let i = 0; i < 110; i++) asana.createProject(`Project ${i}`, 0, i % 10 === 0 ? engineering : undefined);
  archived = asana.projectGids[50]!;
  asana.archiveProject(archived);
});
afterAll(async () => bed.close());

/** A fresh state folder per run, so every test sees only its own cursors. */
function freshEnv(): { env: NodeJS.ProcessEnv; dir: string } {
  const dir = tempDir('events-refs-');
  return { env: bed.env({ EVENTS_CONFIG_DIR: dir }), dir };
}

async function subscriptions(env: NodeJS.ProcessEnv, group?: string): Promise<string[]> {
  const list = await runInProcess(['state', 'list', '--json'], { env: env });
  expect(list.code).toBe(0);
  const rows = JSON.parse(list.stdout) as Array<{ subscription: string; group: string }>;
  return rows
    .filter((r) => group === undefined || r.group === group)
    .map((r) => r.subscription)
    .sort();
}

function live(gids: string[]): string[] {
  return gids.filter((gid) => bed.emulator.asana.world.objects.get(gid)?.['archived'] === false).sort();
}

/**
 * Project-list requests since an index, of one list when `path` is given. (A request of a process
 * killed by the test before can be recorded late, once its body was read: filter by path.)
 */
function listingRequests(since = 0, path?: string): Array<{ path: string; query: Record<string, string> }> {
  return bed.emulator.requests
    .slice(since)
    .filter((r) => (path === undefined ? /\/projects$/.test(r.path) : r.path === path))
    .map((r) => ({ path: r.path, query: r.query }));
}

function startRequests(gid: string): number {
  return bed.emulator.requests.filter(
    (r) =>
      r.path === '/api/1.0/events' && r.query['resource'] === gid && r.query['sync'] === undefined && r.status === 412,
  ).length;
}

function eventsFor(out: string, gid: string): Array<Record<string, unknown>> {
  return jsonLines(out).filter(
    (r) =>
      (r['_events'] as { kind: string; subscription: string }).kind === 'event' &&
      (r['_events'] as { subscription: string }).subscription === gid,
  );
}

describe('projects:<workspace gid>', () => {
  it('--once follows every non-archived project, listed across pages, each with its own cursor', async () => {
    const { env } = freshEnv();
    const before = bed.emulator.requests.length;
    const run = await runInProcess(['tail', `projects:${workspace}`, '--once', '--json'], { env: env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const all = bed.emulator.asana.projectGids;
    expect(all.length).toBeGreaterThan(100);
    expect(await subscriptions(env)).toEqual(live(all));
    expect(await subscriptions(env)).not.toContain(archived);
    const pages = listingRequests(before);
    expect(pages.length).toBe(2);
    expect(pages[0]).toEqual({
      path: '/api/1.0/projects',
      query: { workspace, archived: 'false', limit: '100', opt_fields: 'name,archived' },
    });
    expect(pages[1]!.query['offset']).toMatch(/\S/);
    expect(bed.emulator.violations).toEqual([]);
  });

  it('state show and reset of projects: explain that each project has its own cursor; snapshot refuses it', async () => {
    const { env } = freshEnv();
    const before = bed.emulator.requests.length;
    const snapshot = await runInProcess(['snapshot', bed.emulator.asana.projectGids[0]!, `team:${engineering}`], {
      env: env,
    });
    expect(snapshot.code).toBe(2);
    expect(snapshot.stdout).toBe('');
    expect(snapshot.stderr).toMatch(new RegExp(`^events: team:${engineering} has no snapshot of its own`));
    expect(bed.emulator.requests.length).toBe(before);
    for (const command of ['show', 'reset']) {
      const run = await runInProcess(['state', command, `projects:${workspace}`], { env: env });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `events: projects:${workspace} has no cursor of its own: each project it lists has one, keyed by the project's gid (see 'events state list', then show or reset a project by its gid)\n`,
      );
    }
  });

  it('a first --once on a terminal says once (not once per project) that the cursors are stored', async () => {
    const { env } = freshEnv();
    // stderr on a pseudo-terminal (util-linux script), stdout thrown away.
    const command = [process.execPath, BIN, 'tail', `team:${engineering}`, '--once', '--json']
      .map((a) => `'${a}'`)
      .join(' ');
    const child = spawn('script', ['-qec', `${command} >/dev/null`, '/dev/null'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const said = (await collect(child, Date.now())).stdout;
    expect(said.match(/first run: the cursor is now stored/g)).toHaveLength(1);
    expect((await subscriptions(env)).length).toBeGreaterThan(5);
  });

  it('a project named directly and through projects: is read once', async () => {
    const { env } = freshEnv();
    const project = bed.emulator.asana.projectGids[7]!;
    const before = startRequests(project);
    const run = await runInProcess(['tail', project, `projects:${workspace}`, '--once'], { env: env });
    expect(run.code).toBe(0);
    expect(startRequests(project) - before).toBe(1);
  });

  it('--relist picks up a project created mid-run (snapshot, then its new events exactly once) and drops archived and deleted ones with one notice', async () => {
    const { env, dir } = freshEnv();
    const { asana } = bed.emulator;
    // 112 projects at --interval 2 need more than Asana's documented 1500/min, which the rate
    // governor would keep to (stretching each poll to ~4.5 s); this emulator has no budget.
    const cli = new RunningCli(
      [
        'tail',
        `projects:${workspace}`,
        '--relist',
        '1',
        '--interval',
        '2',
        '--json',
        '--snapshot',
        '--rate',
        '100000/min',
      ],
      env,
    );
    try {
      const expected = live(asana.projectGids).length;
      await cli.waitFor(
        () =>
          fs.existsSync(path.join(dir, 'cursors')) &&
          fs.readdirSync(path.join(dir, 'cursors')).filter((f) => f.endsWith('.json')).length >= expected,
        20_000,
        'every project started',
      );

      // A project on the second listing page keeps being followed.
      const late = live(asana.projectGids).at(-1)!;
      asana.appendEvents(late, 2);
      await cli.waitFor(() => eventsFor(cli.stdout, late).length >= 2, 10_000, 'events of a second-page project');

      const created = asana.createProject('Created mid-run', 0);
      // Events appended once its snapshot is written; earlier ones could be in the snapshot too.
      const snapshotted = (): boolean =>
        jsonLines(cli.stdout).some(
          (r) =>
            (r['_events'] as { kind: string; subscription: string }).kind === 'snapshot_end' &&
            (r['_events'] as { subscription: string }).subscription === created,
        );
      await cli.waitFor(snapshotted, 10_000, 'the new project started, with its snapshot');
      asana.appendEvents(created, 3);
      await cli.waitFor(() => eventsFor(cli.stdout, created).length >= 3, 10_000, 'events of the new project');

      const toArchive = live(asana.projectGids)[3]!;
      asana.archiveProject(toArchive);
      await cli.waitFor(
        () => cli.stderr.includes(`project ${toArchive} left projects of workspace ${workspace}`),
        10_000,
        'the archive notice',
      );
      const printedBefore = eventsFor(cli.stdout, toArchive).length;
      asana.appendEvents(toArchive, 4);

      const toDelete = live(asana.projectGids)[4]!;
      asana.deleteProject(toDelete);
      await cli.waitFor(() => cli.stderr.includes(toDelete), 10_000, 'the delete notice');

      // Two more listings and a marker event later, nothing more came of the dropped projects.
      const listed = listingRequests().length;
      await cli.waitFor(() => listingRequests().length >= listed + 4, 10_000, 'two more listings');
      asana.appendEvents(late, 1);
      await cli.waitFor(() => eventsFor(cli.stdout, late).length >= 3, 10_000, 'the marker event');
      expect(eventsFor(cli.stdout, toArchive)).toHaveLength(printedBefore);
      expect(eventsFor(cli.stdout, created)).toHaveLength(3);
      // Like any first run with --snapshot: the project's state, then what changed after its first token.
      const kinds = jsonLines(cli.stdout)
        .map((r) => r['_events'] as { kind: string; subscription: string })
        .filter((m) => m.subscription === created)
        .map((m) => m.kind);
      expect(kinds).toEqual(['snapshot_begin', 'snapshot', 'snapshot_end', 'event', 'event', 'event']);
      expect(eventsFor(cli.stdout, late)).toHaveLength(3);
      expect(cli.stderr.split('\n').filter((l) => l.includes(toArchive))).toHaveLength(1);
      expect(cli.stderr.split('\n').filter((l) => l.includes(toDelete))).toHaveLength(1);
      // Dropped means unlocked and kept: both cursors are still stored.
      expect(fs.readdirSync(path.join(dir, 'locks')).some((f) => f.includes(toArchive))).toBe(false);
      expect(await subscriptions(env)).toEqual(expect.arrayContaining([toArchive, toDelete, created]));
    } finally {
      cli.kill('SIGTERM');
    }
    const done = await cli.done;
    expect(done.code).toBe(143);
    expect(bed.emulator.violations).toEqual([]);
  }, 60_000);
});

describe('team:<team gid>', () => {
  it('follows only the projects of that team', async () => {
    const { env } = freshEnv();
    const before = bed.emulator.requests.length;
    const run = await runInProcess(['tail', `team:${engineering}`, '--once'], { env: env });
    expect(run.code).toBe(0);
    const team = bed.emulator.asana.world.projectsOf({ team: engineering }).map((p) => p.gid);
    expect(team.length).toBeGreaterThan(5);
    expect(await subscriptions(env)).toEqual(live(team));
    expect(listingRequests(before, `/api/1.0/teams/${engineering}/projects`)).toHaveLength(1);
    expect(bed.emulator.violations).toEqual([]);
  });

  it('a listed project deleted between two listings (its events answer 404) is dropped with one notice; the rest go on', async () => {
    const { env, dir } = freshEnv();
    const { asana } = bed.emulator;
    const team = live(asana.world.projectsOf({ team: engineering }).map((p) => p.gid));
    const cli = new RunningCli(['tail', `team:${engineering}`, '--relist', '3600', '--interval', '1', '--json'], env);
    try {
      await cli.waitFor(
        () =>
          fs.existsSync(path.join(dir, 'cursors')) && fs.readdirSync(path.join(dir, 'cursors')).length >= team.length,
        10_000,
        'every project started',
      );
      const [doomed, other] = team as [string, string];
      asana.deleteProject(doomed);
      await cli.waitFor(() => cli.stderr.includes(doomed), 10_000, 'the notice');
      expect(cli.stderr).toBe(
        `events: project ${doomed} is gone (404: deleted, or no longer visible to the token): stopped following it; its cursor is kept\n`,
      );
      const polls = bed.emulator.requests.filter((r) => r.query['resource'] === doomed).length;
      asana.appendEvents(other, 2);
      await cli.waitFor(() => eventsFor(cli.stdout, other).length >= 2, 10_000, 'events of another project');
      await cli.waitFor(
        () => bed.emulator.requests.filter((r) => r.query['resource'] === other).length >= 3,
        10_000,
        'more polls',
      );
      expect(bed.emulator.requests.filter((r) => r.query['resource'] === doomed).length).toBe(polls);
    } finally {
      cli.kill('SIGTERM');
    }
    expect((await cli.done).code).toBe(143);
  }, 30_000);

  it('--verbose says which list brought each project; a list refused later keeps the last one, with one line', async () => {
    const { env, dir } = freshEnv();
    const team = live(bed.emulator.asana.world.projectsOf({ team: engineering }).map((p) => p.gid));
    const cli = new RunningCli(
      ['tail', `team:${engineering}`, team[0]!, '--relist', '1', '--interval', '1', '--verbose'],
      env,
    );
    try {
      await cli.waitFor(
        () =>
          fs.existsSync(path.join(dir, 'cursors')) && fs.readdirSync(path.join(dir, 'cursors')).length >= team.length,
        10_000,
        'every project started',
      );
      expect(cli.stderr).toContain(`events: debug: projects of team ${engineering}: also lists project ${team[0]}`);
      for (const gid of team.slice(1))
        expect(cli.stderr).toMatch(
          new RegExp(`events: debug: projects of team ${engineering}: following project ${gid} "Project \\d+"`),
        );
      const teamList = `/api/1.0/teams/${engineering}/projects`;
      const listed = listingRequests(0, teamList).length;
      bed.emulator.faults.add({ kind: 'status', status: 403, path: `/teams/${engineering}/projects`, times: 1 });
      await cli.waitFor(
        () => listingRequests(0, teamList).length >= listed + 3,
        10_000,
        'a refused listing and two more',
      );
      expect(cli.stderr.split('\n').filter((l) => l.startsWith('events: could not list'))).toEqual([
        `events: could not list projects of team ${engineering}, keeping the last list: Asana denied access to projects of team ${engineering} (403: Error 403) (check that the token's user can see it)`,
      ]);
      expect(cli.stderr).not.toContain('left projects of team');
    } finally {
      cli.kill('SIGTERM');
    }
    expect((await cli.done).code).toBe(143);
  }, 30_000);

  it('a listed project whose cursor another process holds: exit 6 at start; later one line, and it is claimed once free', async () => {
    const { env, dir } = freshEnv();
    const { asana } = bed.emulator;
    const team = live(asana.world.projectsOf({ team: engineering }).map((p) => p.gid));
    const holder = new RunningCli(['tail', team[1]!, '--interval', '1'], env);
    await holder.waitFor(
      () => fs.existsSync(path.join(dir, 'locks')) && fs.readdirSync(path.join(dir, 'locks')).length === 1,
      10_000,
      'the other process holding its lock',
    );
    const refused = await runCli(['tail', `team:${engineering}`, '--once'], env);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^events: another events process \\(pid ${holder.child.pid}, since [^)]+\\) is reading project ${team[1]}`,
      ),
    );

    holder.kill('SIGTERM');
    await holder.done;

    const cli = new RunningCli(['tail', `team:${engineering}`, '--relist', '1', '--interval', '1', '--json'], env);
    try {
      await cli.waitFor(
        () =>
          fs.existsSync(path.join(dir, 'cursors')) && fs.readdirSync(path.join(dir, 'cursors')).length >= team.length,
        10_000,
        'every project started',
      );
      // A new project whose lock another process (this test) takes in the same tick, before any listing can see it.
      const created = asana.createProject('Held elsewhere', 0, engineering);
      const lock = new CursorStore(dir).lockPath({
        provider: 'asana',
        host: new URL(bed.emulator.url).host,
        subscription: created,
        group: 'default',
      });
      const release = await acquireLock(lock, { waitMs: 0, description: 'the test' });
      await cli.waitFor(() => cli.stderr.includes(created), 10_000, 'the locked notice');
      const teamList = `/api/1.0/teams/${engineering}/projects`;
      const listed = listingRequests(0, teamList).length;
      await cli.waitFor(() => listingRequests(0, teamList).length >= listed + 2, 10_000, 'two more listings');
      expect(cli.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(cli.stderr).toMatch(
        new RegExp(
          `^events: another events process \\(pid ${process.pid}, since [^)]+\\) is reading project ${created} \\(group default\\); lock file .*; trying again at the next listing\n$`,
        ),
      );
      expect(startRequests(created)).toBe(0);
      release();
      await cli.waitFor(() => startRequests(created) === 1, 10_000, 'the project claimed once free');
      asana.appendEvents(created, 2);
      await cli.waitFor(() => eventsFor(cli.stdout, created).length === 2, 10_000, 'its events');
    } finally {
      cli.kill('SIGTERM');
    }
    expect((await cli.done).code).toBe(143);
  }, 40_000);

  it('an unknown team is a not-found error (exit 4)', async () => {
    const run = await runInProcess(['tail', 'team:999', '--once'], { env: freshEnv().env });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^events: projects of team 999 was not found \(404/);
  });
});

describe('--shard K/N', () => {
  it('splits 60 references into 3 disjoint shards that cover them all; a 61st moves no other', async () => {
    const { env, dir } = freshEnv();
    const refs = bed.emulator.asana.projectGids.slice(0, 60);
    const file = path.join(dir, 'refs.txt');
    const shardsOf = async (list: string[], tag: string): Promise<string[][]> => {
      fs.writeFileSync(file, `${list.join('\n')}\n`);
      const out: string[][] = [];
      for (const k of [1, 2, 3]) {
        const run = await runInProcess(
          ['tail', '--refs-file', file, '--shard', `${k}/3`, '--once', '--group', `${tag}${k}`],
          { env: env },
        );
        expect(run.code).toBe(0);
        out.push(await subscriptions(env, `${tag}${k}`));
      }
      return out;
    };
    const shards = await shardsOf(refs, 's');
    for (const shard of shards) expect(shard.length).toBeGreaterThan(5);
    expect(shards.flat().sort()).toEqual([...refs].sort());
    expect(new Set(shards.flat()).size).toBe(60);

    const extra = bed.emulator.asana.projectGids[60]!;
    const grown = await shardsOf([...refs, extra], 'g');
    grown.forEach((shard, i) => expect(shard.filter((gid) => gid !== extra)).toEqual(shards[i]));
    expect(grown.flat()).toContain(extra);
  }, 60_000);

  it('splits the projects a projects: reference lists the same way', async () => {
    const { env } = freshEnv();
    for (const k of [1, 2])
      expect(
        (
          await runInProcess(['tail', `projects:${workspace}`, '--shard', `${k}/2`, '--once', '--group', `p${k}`], {
            env: env,
          })
        ).code,
      ).toBe(0);
    const [one, two] = [await subscriptions(env, 'p1'), await subscriptions(env, 'p2')];
    expect(one.length).toBeGreaterThan(20);
    expect(two.length).toBeGreaterThan(20);
    expect([...one, ...two].sort()).toEqual(live(bed.emulator.asana.projectGids));
  }, 30_000);

  it.each(['0/3', '4/3', '1/0', '1/1025', 'two/3', '1'])('--shard %s is a usage error', async (value) => {
    const run = await runInProcess(['tail', '1', '--shard', value], { env: freshEnv().env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^events: --shard must be K\/N with 1 <= K <= N <= 1024/);
  });
});

describe('--relist bounds', () => {
  it.each([
    [
      ['--relist', '0.5'],
      undefined,
      2,
      /^events: --relist must be a number of seconds from 1 to 86400, not "0.5" \(for example --relist 600\)/,
    ],
    [['--relist', 'soon'], undefined, 2, /^events: --relist must be a number of seconds from 1 to 86400, not "soon"/],
    [[], { relist: 100_000 }, 78, /config\.json: "relist" must be a number of seconds from 1 to 86400, not 100000/],
  ])('%j with config %j: exit %d', async (flags, config, code, message) => {
    const { env, dir } = freshEnv();
    if (config) fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    const run = await runInProcess(['tail', `projects:${workspace}`, '--once', ...flags], { env: env });
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
  });
});

describe('the emulator control API', () => {
  it('creates, archives and deletes projects over HTTP', async () => {
    const base = `${bed.emulator.url}/_emulator/asana/projects`;
    const post = async (url: string, body?: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(url, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    const { data } = (await post(base, { name: 'Over HTTP', tasks: 2, team: engineering })) as {
      data: { gid: string };
    };
    const project = bed.emulator.asana.world.objects.get(data.gid)!;
    expect(project).toMatchObject({ name: 'Over HTTP', archived: false, team: { gid: engineering } });
    expect(bed.emulator.asana.taskGids(data.gid)).toHaveLength(2);
    await post(`${base}/${data.gid}/archive`);
    expect(project['archived']).toBe(true);
    expect((await fetch(`${base}/${data.gid}`, { method: 'DELETE' })).status).toBe(200);
    expect(bed.emulator.asana.world.objects.has(data.gid)).toBe(false);
    const events = await fetch(`${bed.emulator.url}/api/1.0/events?resource=${data.gid}`, {
      headers: { authorization: 'Bearer t' },
    });
    expect(events.status).toBe(404);
    expect((await fetch(`${base}/999/archive`, { method: 'POST' })).status).toBe(400);
  });

  it('pages project lists with limit and offset, next_page null at the end, and refuses what the spec lacks', async () => {
    const get = async (query: string): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(`${bed.emulator.url}/api/1.0/projects?${query}`, {
        headers: { authorization: 'Bearer t' },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const seen: string[] = [];
    let query = `workspace=${workspace}&archived=false&limit=40`;
    for (let pages = 0; ; pages++) {
      const { status, body } = await get(query);
      expect(status).toBe(200);
      seen.push(...(body['data'] as Array<{ gid: string }>).map((p) => p.gid));
      const next = body['next_page'] as { offset: string; path: string; uri: string } | null;
      if (next === null) break;
      expect(next.path).toBe(
        `/projects?${new URLSearchParams({ workspace, archived: 'false', limit: '40', offset: next.offset })}`,
      );
      expect(next.uri).toBe(`https://app.asana.com/api/1.0${next.path}`);
      query = next.path.slice('/projects?'.length);
      expect(pages).toBeLessThan(10);
    }
    expect(seen.length).toBeGreaterThan(80);
    expect([...seen].sort()).toEqual(live(bed.emulator.asana.projectGids));
    const violations = bed.emulator.violations.length;
    expect((await get(`workspace=${workspace}&limit=101`)).status).toBe(400);
    expect((await get(`workspace=${workspace}&offset=garbage`)).status).toBe(400);
    expect(bed.emulator.violations.length).toBe(violations);
    expect((await get(`workspace=${workspace}&sort=name`)).status).toBe(400);
    expect((await get(`workspace=${workspace}&opt_fields=name,secret`)).status).toBe(400);
    expect(bed.emulator.violations.slice(violations)).toEqual([
      'getProjects: query parameter sort is not in the spec',
      "getProjects: opt_fields value secret is not in the spec's enum",
    ]);
    bed.emulator.violations.length = violations;
  });
});

describe('--refs-file', () => {
  it('- reads stdin (comments, blank lines) together with positional references', async () => {
    const { env } = freshEnv();
    const [a, b, c] = bed.emulator.asana.projectGids;
    const input = `# projects of the export\n\n  ${a}   # launch\n\nhttps://app.asana.com/0/${b}/list\n   \n`;
    const run = await runInProcess(['tail', c!, '--refs-file', '-', '--once'], { env, stdin: input });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(await subscriptions(env)).toEqual([a, b, c].sort());
    const listed = await runInProcess(['state', 'list'], { env: env });
    for (const gid of [a, b, c]) expect(listed.stdout).toContain(gid);
  });

  it('- on a terminal says first that it reads stdin and how to end (a pipe gets no such line)', async () => {
    const { env } = freshEnv();
    // `script` gives the command a pseudo-terminal as stdin and ends it (Ctrl-D) when its own stdin ends.
    const printed = await runTtyScript(cliCommand(['tail', '--refs-file', '-', '--once']), env);
    const lines = printed.split(/\r?\n/).filter(Boolean);
    expect(lines[0]).toBe(
      'events: reading references from stdin, one per line; end with Ctrl-D (or pipe a file: --refs-file - < refs.txt)',
    );
    expect(lines[1]).toMatch(/^events: the references file \(stdin\) names no resource/);
  });

  it('a bad line is a usage error naming the file and the line', async () => {
    const { env, dir } = freshEnv();
    const file = path.join(dir, 'refs.txt');
    fs.writeFileSync(file, `# ok\n${bed.emulator.asana.projectGids[0]}\n\nprojcts:123\n`);
    const run = await runInProcess(['tail', '--refs-file', file, '--once'], { env: env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        `^events: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: "projcts:123" is not a resource reference`,
      ),
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    const stdin = await runInProcess(['tail', '--refs-file', '-'], { env: env, stdin: 'box\nnope\n' });
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toMatch(/^events: \(stdin\):2: "nope"/);
  });

  it('an unreadable file is exit 66 naming the path; no reference at all is a usage error', async () => {
    const { env, dir } = freshEnv();
    const missing = path.join(dir, 'missing.txt');
    const run = await runInProcess(['tail', '--refs-file', missing], { env: env });
    expect(run.code).toBe(66);
    expect(run.stderr).toBe(
      `events: cannot read the references file ${missing}: no such file (check the path given to --refs-file (or use - for stdin))\n`,
    );
    const none = await runInProcess(['tail'], { env: env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^events: no resource to follow/);
    const empty = await runInProcess(['tail', '--refs-file', '-'], { env: env, stdin: '# nothing\n\n' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^events: the references file \(stdin\) names no resource/);
  });
});
