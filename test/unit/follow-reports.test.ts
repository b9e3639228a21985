// What the follow core reports, as typed notices heard by a recording reporter: never English
// (test/unit/notices.test.ts holds the words of each kind). Real providers against the emulator,
// real cursor files and locks in a temporary state folder.
import fs from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StaticTokenSource } from '../../src/auth/token-source.js';
import { ExitCode, ExpiredError, NotFoundError } from '../../src/core/errors.js';
import type { Notice, NoticeKind, Reporter } from '../../src/core/notice.js';
import type { Provider, ProviderContext } from '../../src/core/provider.js';
import type { RecordNoticeKind, RecordSink } from '../../src/core/record-sink.js';
import { parseReference, type Expander, type Reference } from '../../src/core/refs.js';
import { Expansion } from '../../src/follow/expansion.js';
import {
  follow,
  tellNoneMatched,
  type FilterTally,
  type LoopOptions,
  type Subscription,
} from '../../src/follow/loop.js';
import { DIRECT, SubscriptionSet } from '../../src/follow/subscription-set.js';
import { HttpClient } from '../../src/net/http.js';
import { AsanaProvider } from '../../src/providers/asana/provider.js';
import { BoxProvider } from '../../src/providers/box/provider.js';
import { CursorStore } from '../../src/state/cursors.js';
import { acquireLock } from '../../src/state/lock.js';
import { tempDir } from '../helpers/env.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
let http: HttpClient;
let asana: AsanaProvider;
let store: CursorStore;
let stateDir: string;

beforeAll(async () => {
  bed = await startTestBed();
  http = new HttpClient({ userAgent: 'test', timeoutMs: 10_000 });
  asana = new AsanaProvider({
    baseUrl: `${bed.emulator.url}/api/1.0`,
    auth: new StaticTokenSource('asana', 't', 'ASANA_ACCESS_TOKEN'),
    http,
    retry: { baseMs: 10, capMs: 10 },
    intervalMs: 100,
  });
});
afterAll(async () => {
  await http.close();
  await bed.close();
});
beforeEach(() => {
  stateDir = tempDir('events-reports-');
  store = new CursorStore(stateDir);
  return () => fs.rmSync(stateDir, { recursive: true, force: true });
});

/** A reporter that keeps every notice; `on` may act on one as it comes (stop the run, say). */
function recorder(on?: (notice: Notice) => void): Reporter & { heard: Notice[]; kinds: () => NoticeKind[] } {
  const heard: Notice[] = [];
  return {
    heard,
    kinds: () => heard.map((n) => n.kind),
    notice: (notice) => {
      heard.push(notice);
      on?.(notice);
    },
  };
}

/** A record sink in memory: the record kinds and lines it was handed. */
function memorySink(): RecordSink & { kinds: RecordNoticeKind[] } {
  let lines = 0;
  const kinds: RecordNoticeKind[] = [];
  return {
    kinds,
    get linesWritten() {
      return lines;
    },
    events: async (_target, events) => (lines += events.length) && events.length,
    notice: async (_target, kind) => void kinds.push(kind),
    snapshot: async () => undefined,
    flush: async () => undefined,
  };
}

function subscription(ref: Reference, provider: Provider = asana): Subscription {
  const key = { provider: provider.name, host: provider.host, subscription: ref.id, group: 'g' };
  return {
    ref,
    provider,
    cursors: store.file(key),
    origin: { provider: provider.name, subscription: ref.id, group: 'g' },
  };
}

async function run(
  sub: Subscription,
  reporter: Reporter,
  options: Partial<LoopOptions> = {},
  records: RecordSink = memorySink(),
  signal = new AbortController().signal,
): Promise<void> {
  await follow(sub, {
    records,
    reporter,
    signal,
    options: { once: true, onExpire: 'recrawl', ...options },
    prefetchSent: () => http.sent(),
  });
}

const project = (): Reference => parseReference(bed.emulator.asana.projectGids[0]!);

describe('one subscription reports', () => {
  it('a first --once run: a new cursor, the first-run tip, and nothing read', async () => {
    const reporter = recorder();
    await run(subscription(project()), reporter);
    expect(reporter.heard).toEqual([
      { kind: 'cursor-started', subject: project().label },
      { kind: 'first-run', subject: project().label },
    ]);
  });

  it('a first run with --snapshot: the crawl before the cursor is saved', async () => {
    const reporter = recorder();
    await run(subscription(project()), reporter, { snapshot: true });
    expect(reporter.kinds()).toEqual(['crawling', 'cursor-started', 'first-run']);
  });

  it('a page read with a stored cursor; caught up in follow mode, waiting (then stopped)', async () => {
    const sub = subscription(project());
    await run(sub, recorder());
    bed.emulator.asana.appendEvents(project().id, 3);
    const once = recorder();
    await run(sub, once);
    expect(once.heard).toEqual([{ kind: 'reading', subject: project().label }]);

    const stop = new AbortController();
    const follows = recorder((n) => n.kind === 'waiting' && stop.abort(ExitCode.sigint));
    await run(sub, follows, { once: false }, memorySink(), stop.signal).catch(() => undefined);
    expect(follows.heard).toEqual([
      { kind: 'reading', subject: project().label },
      { kind: 'waiting', subject: project().label },
    ]);
  });

  it('an expired cursor: the warning with the stored cursor’s age, a resync record, the crawl', async () => {
    const sub = subscription(project());
    await run(sub, recorder());
    bed.emulator.asana.expireTokens(project().id);
    const reporter = recorder();
    const records = memorySink();
    await run(sub, reporter, {}, records);
    expect(reporter.heard).toContainEqual({
      kind: 'cursor-expired',
      subject: project().label,
      ageMs: expect.any(Number),
    });
    expect(reporter.kinds().slice(0, 3)).toEqual(['reading', 'cursor-expired', 'crawling']);
    expect(records.kinds).toEqual(['resync', 'snapshot_begin', 'snapshot_end']);
  });

  it('an expired cursor under --on-expire fail: no warning, an ExpiredError saying the same', async () => {
    const sub = subscription(project());
    await run(sub, recorder());
    bed.emulator.asana.expireTokens(project().id);
    const reporter = recorder();
    const failed = run(sub, reporter, { onExpire: 'fail' });
    await expect(failed).rejects.toBeInstanceOf(ExpiredError);
    await expect(failed).rejects.toThrow(`the stored cursor of ${project().label} has expired (saved 0 min ago)`);
    expect(reporter.kinds()).toEqual(['reading']);
  });

  it('a page a stop cut short: how many of its lines were handed over', async () => {
    const sub = subscription(project());
    await run(sub, recorder());
    bed.emulator.asana.appendEvents(project().id, 10);
    const stop = new AbortController();
    const records: RecordSink = {
      ...memorySink(),
      linesWritten: 3,
      events: async () => {
        stop.abort(ExitCode.sigint);
        return 3;
      },
    };
    const reporter = recorder();
    await run(sub, reporter, {}, records, stop.signal);
    expect(reporter.heard).toContainEqual({
      kind: 'stopped-mid-page',
      subject: project().label,
      written: 3,
      selected: 10,
    });
  });

  it('a stop with lines a pipe’s reader may still lose: the lines the next run repeats', async () => {
    const sub = subscription(project());
    await run(sub, recorder());
    bed.emulator.asana.appendEvents(project().id, 4);
    const stop = new AbortController();
    let lines = 0;
    const records: RecordSink = {
      ...memorySink(),
      get linesWritten() {
        return lines;
      },
      linesSettled: 0,
      linesDelivered: () => 0,
      events: async (_t, events) => {
        lines += events.length;
        stop.abort(ExitCode.sigint);
        return events.length;
      },
    };
    const reporter = recorder();
    await run(sub, reporter, {}, records, stop.signal);
    expect(reporter.heard.at(-1)).toEqual({ kind: 'rewound', subject: project().label, lines: 4 });
  });

  it('Box repeats dropped from a page, counted', async () => {
    const box = new BoxProvider({
      baseUrl: `${bed.emulator.url}/2.0`,
      auth: new StaticTokenSource('box', 'box-token', 'BOX_ACCESS_TOKEN'),
      http,
      retry: { baseMs: 10, capMs: 10 },
      intervalMs: 100,
      fromStart: true,
    });
    bed.emulator.box.appendEvents(1200, 'enterprise');
    const reporter = recorder();
    await run(subscription(parseReference('box:admin_logs_streaming'), box), reporter);
    const dropped = reporter.heard.filter((n) => n.kind === 'repeats-dropped');
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped[0]).toEqual({ kind: 'repeats-dropped', subject: 'box:admin_logs_streaming', count: 3 });
  });

  it('a 503 and the recovery after it, with the subscription as the subject', async () => {
    const sub = subscription(project());
    await run(sub, recorder());
    bed.emulator.asana.appendEvents(project().id, 3);
    bed.emulator.faults.add({ kind: 'status', status: 503, path: '/events', times: 1 });
    const reporter = recorder();
    await run(sub, reporter);
    expect(reporter.heard).toEqual([
      { kind: 'reading', subject: project().label },
      {
        kind: 'retrying',
        subject: project().label,
        reason: expect.stringMatching(/503/),
        delayMs: expect.any(Number),
        rateLimited: false,
      },
      { kind: 'recovered', subject: project().label, downMs: expect.any(Number), rateLimitedOnly: false },
    ]);
  });

  it('filters that let nothing through: the events read, said once', () => {
    const reporter = recorder();
    const tally: FilterTally = { flags: '--user 9', read: 0, matched: 0, told: false };
    tellNoneMatched(tally, reporter);
    tally.read = 5;
    tellNoneMatched(tally, reporter);
    tellNoneMatched(tally, reporter);
    expect(reporter.heard).toEqual([{ kind: 'none-matched', read: 5, flags: '--user 9' }]);
  });
});

describe('a set of subscriptions and its listings report', () => {
  const ctx = (): ProviderContext => ({
    signal: new AbortController().signal,
    report: { retrying: () => undefined, recovered: () => undefined },
  });

  function setOf(stop = new AbortController()): SubscriptionSet {
    return new SubscriptionSet({
      store,
      providers: new Map([['asana', asana]]),
      group: 'g',
      filters: {},
      lockWaitMs: 0,
      stop,
    });
  }

  it('projects found, left, locked and a listing that failed', async () => {
    const workspace = parseReference(`projects:${bed.emulator.asana.workspaceGid}`) as Expander;
    const set = setOf();
    const reporter = recorder();
    const expansion = new Expansion({ expanders: [workspace], lister: asana, set, reporter, ctx: ctx() });
    try {
      await expansion.refresh(true);
      const listed = reporter.heard.filter((n) => n.kind === 'project-added');
      expect(listed.length).toBe(set.size);
      expect(listed[0]).toEqual({
        kind: 'project-added',
        subject: workspace.label,
        gid: expect.any(String),
        name: expect.any(String),
        alreadyFollowed: false,
        newInList: false,
      });
      expect(reporter.heard.at(-1)).toEqual({
        kind: 'projects-in-shard',
        subject: workspace.label,
        mine: set.size,
        listed: set.size,
        shard: undefined,
      });

      const gone = listed[0]!.kind === 'project-added' ? listed[0]!.gid : '';
      bed.emulator.asana.archiveProject(gone);
      const created = bed.emulator.asana.createProject('new one', 0);
      const key = { provider: 'asana', host: asana.host, subscription: created, group: 'g' };
      const release = await acquireLock(store.lockPath(key), { waitMs: 0, description: 'the test' });
      reporter.heard.length = 0;
      await expansion.refresh(false);
      release();
      expect(reporter.heard).toEqual([
        { kind: 'project-left', subject: workspace.label, gid: gone },
        { kind: 'project-locked', error: expect.objectContaining({ exitCode: ExitCode.locked }) },
      ]);

      reporter.heard.length = 0;
      await expansion.refresh(false);
      expect(reporter.heard).toEqual([
        {
          kind: 'project-added',
          subject: workspace.label,
          gid: created,
          name: 'new one',
          alreadyFollowed: false,
          newInList: true,
        },
      ]);

      reporter.heard.length = 0;
      bed.emulator.faults.add({ kind: 'status', status: 403, path: '/projects', times: 1 });
      await expansion.refresh(false);
      expect(reporter.heard).toEqual([{ kind: 'listing-failed', subject: workspace.label, error: expect.any(Error) }]);
    } finally {
      set.close();
    }
  });

  it('a listed project that answers 404 is gone; a named one is not found, and exit 4', async () => {
    const [listedGid, namedGid] = [
      bed.emulator.asana.createProject('listed', 0),
      bed.emulator.asana.createProject('named', 0),
    ];
    const listed = parseReference(listedGid);
    const named = parseReference(namedGid);
    // First runs store both cursors; then both projects are deleted.
    for (const ref of [listed, named]) await run(subscription(ref), recorder());
    bed.emulator.asana.deleteProject(listedGid);
    bed.emulator.asana.deleteProject(namedGid);
    const set = setOf();
    const reporter = recorder();
    try {
      await set.claim(listed, `projects:${bed.emulator.asana.workspaceGid}`);
      await set.claim(named, DIRECT);
      set.start({
        records: memorySink(),
        reporter,
        signal: new AbortController().signal,
        options: { once: true, onExpire: 'recrawl' },
        prefetchSent: () => http.sent(),
      });
      await set.settled();
    } finally {
      set.close();
    }
    const ends = reporter.heard.filter((n) => n.kind === 'subscription-gone' || n.kind === 'subscription-not-found');
    expect(ends).toEqual(
      expect.arrayContaining([
        { kind: 'subscription-gone', subject: listed.label },
        { kind: 'subscription-not-found', error: expect.any(NotFoundError) },
      ]),
    );
    expect(ends).toHaveLength(2);
    expect(set.exitCode).toBe(ExitCode.notFound);
    expect(set.gone.has(listedGid)).toBe(true);
  });
});
