// The emulator as clients other than ours see it: plain fetch and JSON.parse, like the official
// SDKs. By default Box positions are safe integers (the CLI's own tests use the >2^60 stress mode),
// the account endpoints exist, opt_fields may be repeated, and every error body is the spec's.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { cleanEnv, tempDir } from '../helpers/env.js';
import { eventsOf } from '../helpers/run-result.js';
import { runCli } from '../helpers/spawn.js';
import { waitUntil } from '../helpers/wait-until.js';

const TOKEN = { authorization: 'Bearer any-token' };
/** components.schemas.ClientError.properties.code.enum of box_oas.json. */
const BOX_ERROR_CODES = [
  'created',
  'accepted',
  'no_content',
  'redirect',
  'not_modified',
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'precondition_failed',
  'too_many_requests',
  'internal_server_error',
  'unavailable',
  'item_name_invalid',
  'insufficient_scope',
];

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ seed: 3, activity: false, boxAdminTokens: ['admin-token'] });
});
afterAll(async () => emu.close());

async function get(path: string, init: RequestInit = {}): Promise<{ status: number; text: string; body: any }> {
  const res = await fetch(`${emu.url}${path}`, { headers: TOKEN, ...init });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

/** The raw text of next_stream_position, as it is on the wire. */
function rawPosition(text: string): string {
  return /"next_stream_position":("?)(\d+)\1/.exec(text)![2]!;
}

describe('Box positions by default', () => {
  it('are safe integers that round-trip through JSON.parse', async () => {
    emu.box.appendEvents(5);
    for (const start of ['0', 'now']) {
      const page = await get(`/2.0/events?stream_position=${start}`);
      expect(page.status).toBe(200);
      const position = page.body.next_stream_position;
      expect(typeof position).toBe('number');
      expect(Number.isSafeInteger(position)).toBe(true);
      expect(String(position)).toBe(rawPosition(page.text));
    }
    expect(Number((await get('/2.0/events?stream_position=now')).body.next_stream_position)).toBeGreaterThanOrEqual(
      1348790499819,
    );
  });

  it('a client that parses positions with JSON.parse neither re-reads events nor busy-loops the realtime server', async () => {
    emu.box.appendEvents(20);
    let position: number = (await get('/2.0/events?stream_position=now')).body.next_stream_position;
    const stop = new AbortController();
    const received: string[] = [];
    let subscribes = 0;
    // The SDKs' long-polling loop: OPTIONS, then GET the realtime URL with the position number.
    const loop = (async () => {
      let server = (await get('/2.0/events', { method: 'OPTIONS' })).body.entries[0].url as string;
      while (!stop.signal.aborted) {
        subscribes++;
        const res = await fetch(`${server}&stream_position=${position}`, { signal: stop.signal }).catch(
          () => undefined,
        );
        if (!res) break;
        const { message } = JSON.parse(await res.text()) as { message: string };
        if (message === 'reconnect') server = (await get('/2.0/events', { method: 'OPTIONS' })).body.entries[0].url;
        if (message !== 'new_change') continue;
        const page = await get(`/2.0/events?stream_position=${JSON.stringify(position)}`);
        received.push(...page.body.entries.map((e: { event_id: string }) => e.event_id));
        position = JSON.parse(JSON.stringify(page.body.next_stream_position));
      }
    })();
    await waitUntil(() => subscribes >= 1);
    const appended = emu.box.appendEvents(3).map((e) => e['event_id']);
    await waitUntil(() => received.length >= 3);
    // Quiet for a while: a client whose position was rounded would be answered new_change at once.
    const before = subscribes;
    await new Promise((r) => setTimeout(r, 1500));
    stop.abort();
    await loop;
    expect(received).toEqual(appended);
    expect(subscribes - before).toBeLessThanOrEqual(1);
    expect(subscribes).toBeLessThanOrEqual(3);
    expect(emu.violations.filter((v) => v.includes('never handed out'))).toEqual([]);
  });

  it('events itself works on the default positions: exactly the new events, the position stored as given', async () => {
    const env = cleanEnv({ BOX_BASE_URL: `${emu.url}/2.0`, BOX_ACCESS_TOKEN: 'x', EVENTS_CONFIG_DIR: tempDir() });
    expect(await runCli(['tail', 'box', '--once', '--json'], env)).toMatchObject({ code: 0, stdout: '' });
    const appended = emu.box.appendEvents(30);
    const run = await runCli(['tail', 'box', '--once', '--json'], env);
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
    // The stored position is the one the emulator answers for `now`, digit for digit.
    const now = rawPosition((await get('/2.0/events?stream_position=now')).text);
    const cursors = path.join(env['EVENTS_CONFIG_DIR']!, 'cursors');
    const stored = fs
      .readdirSync(cursors)
      .map((f) => JSON.parse(fs.readFileSync(path.join(cursors, f), 'utf8')).cursor.position);
    expect(stored).toEqual([now]);
    expect(emu.violations).toEqual([]);
  });

  it('the stress mode keeps positions above 2^53 (the CLI tests run on it) and flags a client that rounds them', async () => {
    const huge = await startEmulator({ seed: 3, activity: false, boxHugePositions: true });
    try {
      huge.box.appendEvents(3);
      const res = await fetch(`${huge.url}/2.0/events?stream_position=now`, { headers: TOKEN });
      const text = await res.text();
      expect(BigInt(rawPosition(text))).toBeGreaterThan(2n ** 53n);
      await fetch(`${huge.url}/2.0/events?stream_position=${rawPosition(text)}`, { headers: TOKEN });
      expect(huge.violations).toEqual([]);
      const rounded = JSON.stringify(JSON.parse(text).next_stream_position);
      expect(rounded).not.toBe(rawPosition(text));
      await fetch(`${huge.url}/2.0/events?stream_position=${rounded}`, { headers: TOKEN });
      expect(huge.violations).toEqual([
        `GET /events: stream_position ${rounded} was never handed out (rounded through a double?)`,
      ]);
    } finally {
      await huge.close();
    }
  });
});

describe('account endpoints', () => {
  it('Asana GET /users/me: the user, its email and workspaces', async () => {
    const { status, body } = await get('/api/1.0/users/me');
    expect(status).toBe(200);
    expect(body.data).toMatchObject({
      gid: expect.stringMatching(/^\d+$/),
      resource_type: 'user',
      name: expect.any(String),
      email: expect.stringContaining('@'),
    });
    expect(body.data.workspaces).toContainEqual({
      gid: emu.asana.workspaceGid,
      resource_type: 'workspace',
      name: expect.any(String),
    });
    expect(body.data.workspaces).toEqual((await get('/api/1.0/workspaces')).body.data);
    expect((await get(`/api/1.0/users/${body.data.gid}`)).body.data).toEqual(body.data);
  });

  it('Asana GET /workspaces: compact workspaces with limit/offset pagination', async () => {
    const all = await get('/api/1.0/workspaces');
    expect(all.status).toBe(200);
    expect(all.body.data).toHaveLength(2);
    expect(all.body.data[0]).toEqual({
      gid: emu.asana.workspaceGid,
      resource_type: 'workspace',
      name: expect.any(String),
    });
    for (const w of all.body.data) expect(Object.keys(w).sort()).toEqual(['gid', 'name', 'resource_type']);
    // One per page, following next_page.offset to the end.
    const seen: unknown[] = [];
    let offset: string | undefined;
    for (let page = 0; page < 5; page++) {
      const { body } = await get(
        `/api/1.0/workspaces?limit=1&opt_fields=name,is_organization${offset ? `&offset=${offset}` : ''}`,
      );
      expect(body.data).toHaveLength(1);
      expect(Object.keys(body.data[0]).sort()).toEqual(['gid', 'is_organization', 'name']);
      seen.push(body.data[0].gid);
      if (body.next_page === null) break;
      expect(body.next_page).toEqual({
        offset: expect.any(String),
        path: expect.stringContaining('/workspaces?limit=1&offset='),
        uri: expect.stringContaining('https://'),
      });
      offset = body.next_page.offset;
    }
    expect(seen).toEqual(all.body.data.map((w: { gid: string }) => w.gid));
    expect((await get('/api/1.0/workspaces?limit=0')).status).toBe(400);
    expect((await get('/api/1.0/workspaces?offset=garbage')).status).toBe(400);
  });

  it('Box GET /2.0/users/me: a full user; with fields, the mini form plus those', async () => {
    const { status, body } = await get('/2.0/users/me');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      type: 'user',
      id: expect.stringMatching(/^\d+$/),
      name: expect.any(String),
      login: expect.stringContaining('@'),
      status: 'active',
      enterprise: { type: 'enterprise' },
    });
    const some = await get('/2.0/users/me?fields=role,timezone');
    expect(Object.keys(some.body).sort()).toEqual(['id', 'login', 'name', 'role', 'timezone', 'type']);
  });
});

describe('opt_fields once comma-separated or repeated', () => {
  it.each([
    ['/api/1.0/users/me', ['name', 'email']],
    ['/api/1.0/workspaces', ['name', 'is_organization']],
    [`/api/1.0/projects/PROJECT`, ['name', 'owner', 'team.name']],
    [`/api/1.0/events?resource=PROJECT&sync=SYNC`, ['action', 'type']],
  ])('%s gives the same answer both ways', async (template, fields) => {
    const project = emu.asana.projectGids[0]!;
    let path = template.replace('PROJECT', project);
    if (path.includes('SYNC')) {
      const sync = (await get(`/api/1.0/events?resource=${project}`)).body.sync as string;
      emu.asana.appendEvents(project, 2);
      path = path.replace('SYNC', encodeURIComponent(sync));
    }
    const sep = path.includes('?') ? '&' : '?';
    const once = await get(`${path}${sep}opt_fields=${fields.join(',')}`);
    const repeated = await get(`${path}${sep}${fields.map((f) => `opt_fields=${f}`).join('&')}`);
    expect(once.status).toBe(200);
    expect(repeated.body).toEqual(once.body);
    const first = Array.isArray(once.body.data) ? once.body.data[0] : once.body.data;
    for (const field of fields) expect(first).toHaveProperty(field.split('.')[0]!);
  });
});

describe("error bodies are the specs'", () => {
  it.each([
    ['/api/1.0/no/such/route', 404, undefined],
    ['/no/such/route', 404, undefined],
    ['/api/1.0/users/me?bogus=1', 400, undefined],
    ['/api/1.0/users/me?opt_fields=salary', 400, undefined],
    ['/api/1.0/tasks/1', 404, undefined],
    ['/api/1.0/users/me', 401, 'none'],
  ])('Asana %s → %i: {errors:[{message, help}]}', async (path, status, auth) => {
    const res = await get(path, auth === 'none' ? { headers: {} } : {});
    expect(res.status).toBe(status);
    expect(Object.keys(res.body)).toEqual(['errors']);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0]).toEqual({ message: expect.any(String), help: expect.stringContaining('https://') });
  });

  it('Asana 500: with a phrase', async () => {
    emu.faults.add({ kind: 'status', status: 500, path: '/users/me', times: 1 });
    const res = await get('/api/1.0/users/me');
    expect(res.status).toBe(500);
    expect(res.body.errors[0]).toEqual({
      message: expect.any(String),
      help: expect.any(String),
      phrase: expect.any(String),
    });
  });

  it.each([
    ['/2.0/no/such/route', 404, {}],
    ['/2.0/users/me', 401, { headers: {} }],
    ['/2.0/events?stream_type=admin_logs', 403, {}],
    ['/2.0/events?stream_position=abc', 400, {}],
    ['/2.0/events?bogus=1', 400, {}],
    ['/2.0/events', 405, { method: 'DELETE' }],
  ])("Box %s → %i: a ClientError with a code from the spec's enum", async (path, status, init) => {
    const res = await get(path, init);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({
      type: 'error',
      status,
      code: expect.any(String),
      message: expect.any(String),
      help_url: expect.stringContaining('https://'),
      request_id: expect.any(String),
    });
    expect(BOX_ERROR_CODES).toContain(res.body.code);
  });

  it.each([
    [{ kind: '429' as const, retryAfter: 1 }, 429, 'too_many_requests'],
    [{ kind: 'status' as const, status: 503 }, 503, 'unavailable'],
    [{ kind: 'status' as const, status: 500 }, 500, 'internal_server_error'],
  ])('Box fault %j → a ClientError %i %s', async (fault, status, code) => {
    emu.faults.add({ ...fault, path: '/users/me', times: 1 });
    const res = await get('/2.0/users/me');
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ type: 'error', status, code });
  });
});

describe('simulated activity changes the shape of the workspace', () => {
  it('adds projects and archives old ones now and then, as GET /projects shows them', async () => {
    const emu = await startEmulator({ seed: 11, activity: { intervalMs: 5, projectChurnEvery: 1 } });
    try {
      const workspace = emu.asana.workspaceGid;
      const initial = [...emu.asana.projectGids];
      const list = async (): Promise<string[]> => {
        const res = await fetch(`${emu.url}/api/1.0/projects?workspace=${workspace}&archived=false&limit=100`, {
          headers: { authorization: 'Bearer x' },
        });
        return ((await res.json()) as { data: Array<{ gid: string }> }).data.map((p) => p.gid);
      };
      const deadline = Date.now() + 10_000;
      let listed = await list();
      while (
        (listed.every((g) => initial.includes(g)) || initial.every((g) => listed.includes(g))) &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 20));
        listed = await list();
      }
      // Some project is new, and some project of the start is archived (gone from the list).
      expect(listed.some((g) => !initial.includes(g))).toBe(true);
      expect(initial.some((g) => !listed.includes(g))).toBe(true);
      expect(listed.length).toBeGreaterThanOrEqual(3);
      expect(emu.violations).toEqual([]);
    } finally {
      await emu.close();
    }
  });
});

describe('control API knobs', () => {
  const control = async (method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${emu.url}/_emulator/${route}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const status = async (): Promise<number> =>
    (await fetch(`${emu.url}/api/1.0/users/me`, { headers: { authorization: 'Bearer rate-probe' } })).status;

  it('bulk-added events are never stamped in the future, and their times never go back', async () => {
    const asana = (await control('POST', 'asana/events', { resource: emu.asana.projectGids[0], count: 5000 })).body
      .data as Array<{ created_at: string }>;
    const user = (await control('POST', 'box/events', { count: 5000 })).body.entries as Array<{
      created_at: string;
      recorded_at: string;
    }>;
    const enterprise = (await control('POST', 'box/events', { count: 3000, stream: 'enterprise' })).body
      .entries as Array<{ created_at: string }>;
    const after = Date.now();
    for (const list of [asana, user, enterprise]) {
      expect(list.length).toBeGreaterThanOrEqual(3000);
      const times = list.map((e) => Date.parse(e.created_at));
      expect(Math.max(...times)).toBeLessThanOrEqual(after);
      for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    }
    expect(Math.max(...user.map((e) => Date.parse(e.recorded_at)))).toBeLessThanOrEqual(after);
    // Asana events have no id: their times stay distinct, as clients tell them apart by content.
    expect(new Set(asana.map((e) => e.created_at)).size).toBe(asana.length);
  });

  it('the request budget is lifted with {"requests": null} or DELETE, keeping the in-flight cap; {} changes nothing', async () => {
    const initial = (await control('GET', 'rate-limit')).body;
    expect(initial.concurrency).toBe(50);
    try {
      expect((await control('POST', 'rate-limit', { requests: 2, window_s: 60 })).body).toMatchObject({
        requests: 2,
        window_s: 60,
        concurrency: 50,
      });
      expect([await status(), await status(), await status()]).toEqual([200, 200, 429]);
      // {} is not a way to lift anything: both limits stay.
      expect((await control('POST', 'rate-limit', {})).body).toMatchObject({
        requests: 2,
        window_s: 60,
        concurrency: 50,
      });
      expect((await control('POST', 'rate-limit', { requests: null })).body).toMatchObject({
        requests: null,
        concurrency: 50,
      });
      expect(await status()).toBe(200);
      await control('POST', 'rate-limit', { requests: 1, window_s: 60 });
      expect(await status()).toBe(200);
      expect(await status()).toBe(429);
      expect((await control('DELETE', 'rate-limit')).body).toMatchObject({
        requests: null,
        window_s: null,
        concurrency: 50,
      });
      expect(await status()).toBe(200);
      // The in-flight cap goes only when asked.
      expect((await control('POST', 'rate-limit', { concurrency: null })).body).toMatchObject({
        requests: null,
        concurrency: null,
      });
      // A typo is refused, not taken as "no limits".
      const typo = await control('POST', 'rate-limit', { request: 5 });
      expect(typo.status).toBe(400);
      expect(typo.body.error).toMatch(/unknown key request/);
    } finally {
      await control('POST', 'rate-limit', { requests: null, window_s: null, concurrency: initial.concurrency });
    }
  });
});
