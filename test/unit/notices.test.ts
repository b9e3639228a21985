// The reporter port: the rate governor and the follow core hand over notices as data, and the
// output layer alone words them (the texts below are the ones users and other tests know).
// What the follow core reports, kind by kind, is test/unit/follow-reports.test.ts.
import { describe, expect, it } from 'vitest';
import { LockedError, NotFoundError } from '../../src/core/errors.js';
import type { Notice, NoticeKind } from '../../src/core/notice.js';
import { WebhookTargetError } from '../../src/core/wake.js';
import { Governor, type GovernorClock } from '../../src/net/governor.js';
import { progressReporter, wordNotice, type NoticeChannel, type NoticeOutlet } from '../../src/output/notices.js';

/** Time stands still: the governor's waits never end, which these tests do not need. */
const still: GovernorClock = { now: () => 0, setTimer: () => 0, clearTimer: () => undefined };

describe('the rate governor reports notices, never text', () => {
  it('a 429 that teaches a rate: rate-limited, with the new rate', async () => {
    const notices: Notice[] = [];
    const governor = new Governor({
      vendor: 'Asana',
      ratePerMin: 1500,
      clock: still,
      reporter: { notice: (n) => notices.push(n) },
    });
    governor.release(await governor.acquire('a'), { status: 429, retryAfterMs: 2000 });
    expect(notices).toEqual([
      { kind: 'rate-limited', vendor: 'Asana', retryAfterMs: 2000, slowedToPerMin: 1050, pinned: false },
    ]);
  });

  it('a 429 under --rate: rate-limited, pinned, no new rate', async () => {
    const notices: Notice[] = [];
    const governor = new Governor({
      vendor: 'Box',
      ratePerMin: 60,
      pinned: true,
      clock: still,
      reporter: { notice: (n) => notices.push(n) },
    });
    governor.release(await governor.acquire('a'), { status: 429, retryAfterMs: 0 });
    expect(notices).toEqual([
      { kind: 'rate-limited', vendor: 'Box', retryAfterMs: 1000, slowedToPerMin: undefined, pinned: true },
    ]);
  });
});

/** One or more notices of each kind, its channel and its words: a kind missing here does not compile. */
const WORDING: { [K in NoticeKind]: Array<[Extract<Notice, { kind: K }>, NoticeChannel, string]> } = {
  reading: [[{ kind: 'reading', subject: 'project 1' }, 'status', 'reading project 1 …']],
  waiting: [[{ kind: 'waiting', subject: 'project 1' }, 'status', 'waiting for events on project 1 …']],
  crawling: [[{ kind: 'crawling', subject: 'project 1' }, 'status', 'crawling project 1 …']],
  'cursor-started': [[{ kind: 'cursor-started', subject: 'project 1' }, 'debug', 'project 1: started a new cursor']],
  'first-run': [
    [
      { kind: 'first-run', subject: 'project 1' },
      'tip',
      'project 1: first run: the cursor is now stored and events start from here; the next run prints what happened since',
    ],
  ],
  'cursor-expired': [
    [
      { kind: 'cursor-expired', subject: 'project 1', ageMs: 3 * 3_600_000 },
      'warn',
      'the stored cursor of project 1 has expired (saved 3 h ago); events since then were missed',
    ],
    [
      { kind: 'cursor-expired', subject: 'project 1', ageMs: undefined },
      'warn',
      'the stored cursor of project 1 has expired (saved unknown ago); events since then were missed',
    ],
  ],
  'repeats-dropped': [
    [{ kind: 'repeats-dropped', subject: 'box events', count: 2 }, 'debug', 'box events: dropped 2 repeated events'],
  ],
  'stopped-mid-page': [
    [
      { kind: 'stopped-mid-page', subject: 'project 1', written: 3, selected: 10 },
      'debug',
      'project 1: stopped after 3 of 10 lines of a page',
    ],
  ],
  rewound: [
    [
      { kind: 'rewound', subject: 'project 1', lines: 4 },
      'debug',
      'project 1: 4 lines written to the pipe are not counted: the next run repeats them',
    ],
  ],
  'none-matched': [
    [{ kind: 'none-matched', read: 1, flags: '--user 9' }, 'note', '1 event read, none matched --user 9'],
    [{ kind: 'none-matched', read: 10, flags: '--user 9' }, 'note', '10 events read, none matched --user 9'],
  ],
  'listing-failed': [
    [
      {
        kind: 'listing-failed',
        subject: 'projects:7',
        error: new NotFoundError('workspace 7 was not found', 'check it'),
      },
      'note',
      'could not list projects:7, keeping the last list: workspace 7 was not found (check it)',
    ],
  ],
  'project-added': [
    [
      { kind: 'project-added', subject: 'projects:7', gid: '42', name: 'Q3', alreadyFollowed: false, newInList: false },
      'debug',
      'projects:7: following project 42 "Q3"',
    ],
    [
      {
        kind: 'project-added',
        subject: 'projects:7',
        gid: '42',
        name: undefined,
        alreadyFollowed: true,
        newInList: true,
      },
      'debug',
      'projects:7: also lists project 42 (new in the list)',
    ],
  ],
  'project-left': [
    [
      { kind: 'project-left', subject: 'projects:7', gid: '42' },
      'note',
      'project 42 left projects:7 (archived, deleted or moved): stopped following it; its cursor is kept',
    ],
  ],
  'project-locked': [
    [
      { kind: 'project-locked', error: new LockedError('project 42 is followed by process 9', 'stop it') },
      'note',
      'project 42 is followed by process 9 (stop it); trying again at the next listing',
    ],
  ],
  'projects-in-shard': [
    [
      { kind: 'projects-in-shard', subject: 'projects:7', mine: 3, listed: 9, shard: { index: 1, count: 3 } },
      'debug',
      'projects:7: 3 of 9 listed projects in this process (shard 1/3)',
    ],
    [
      { kind: 'projects-in-shard', subject: 'projects:7', mine: 9, listed: 9, shard: undefined },
      'debug',
      'projects:7: 9 of 9 listed projects in this process',
    ],
  ],
  'subscription-gone': [
    [
      { kind: 'subscription-gone', subject: 'project 42' },
      'note',
      'project 42 is gone (404: deleted, or no longer visible to the token): stopped following it; its cursor is kept',
    ],
  ],
  'subscription-not-found': [
    [
      { kind: 'subscription-not-found', error: new NotFoundError('project 42 was not found', 'check the gid') },
      'error',
      'events: project 42 was not found (check the gid)',
    ],
  ],
  'rate-limited': [
    [
      { kind: 'rate-limited', vendor: 'Asana', retryAfterMs: 2000, slowedToPerMin: 1050, pinned: false },
      'note',
      'rate limited by Asana (429); retrying in 2 s; slowing to about 1,100 requests/min',
    ],
    [
      { kind: 'rate-limited', vendor: 'Asana', retryAfterMs: 30_000, pinned: false },
      'note',
      'rate limited by Asana (429); retrying in 30 s',
    ],
    [
      { kind: 'rate-limited', vendor: 'Box', retryAfterMs: 1000, pinned: true },
      'note',
      'rate limited by Box (429); retrying in 1 s (--rate is fixed)',
    ],
  ],
  stretched: [
    [
      { kind: 'stretched', subscriptions: 400, intervalMs: 1000, ratePerMin: 900, basis: 'learned' },
      'note',
      '400 subscriptions at --interval 1 need 24,000 requests/min; this token allows about 900/min: each is polled about every 27 s',
    ],
    [
      { kind: 'stretched', subscriptions: 400, intervalMs: 1000, ratePerMin: 60, basis: 'pinned' },
      'note',
      '400 subscriptions at --interval 1 need 24,000 requests/min; --rate allows 60/min: each is polled about every 400 s',
    ],
    [
      // 66 of 1,000 with a live webhook poll every --webhook-poll: a demand of 934.3 subscriptions.
      { kind: 'stretched', subscriptions: 934.3, intervalMs: 30_000, ratePerMin: 1200, basis: 'learned' },
      'note',
      '934 subscriptions at --interval 30 need 1,900 requests/min; this token allows about 1,200/min: each is polled about every 47 s',
    ],
  ],
  retrying: [
    [
      { kind: 'retrying', subject: 'project 1', reason: 'Asana answered 503', delayMs: 1500, rateLimited: false },
      'retrying',
      'project 1: Asana answered 503; retrying in 1.5 s',
    ],
    [
      { kind: 'retrying', subject: 'project 1', reason: 'Asana answered 429', delayMs: 2000, rateLimited: true },
      'debug',
      'project 1: Asana answered 429; retrying in 2 s',
    ],
  ],
  recovered: [
    [
      { kind: 'recovered', subject: 'listing projects', downMs: 12_400, rateLimitedOnly: false },
      'note',
      'listing projects: recovered after 12 s',
    ],
    [
      { kind: 'recovered', subject: 'project 1', downMs: 900, rateLimitedOnly: true },
      'debug',
      'project 1: recovered after 0.9 s',
    ],
  ],
  'shard-empty': [
    [
      { kind: 'shard-empty', shard: { index: 2, count: 3 }, references: 1 },
      'note',
      'shard 2/3 is empty: the hash of its id sends the one reference to another shard, so there is nothing to follow',
    ],
    [
      { kind: 'shard-empty', shard: { index: 0, count: 4 }, references: 3 },
      'note',
      'shard 0/4 is empty: the hashes of their ids send all 3 references to other shards, so there is nothing to follow',
    ],
  ],
  'shard-references': [
    [
      { kind: 'shard-references', shard: { index: 1, count: 2 }, mine: 3, named: 5 },
      'debug',
      'shard 1/2: 3 of 5 named references',
    ],
  ],
  'stdout-full': [[{ kind: 'stdout-full' }, 'debug', 'stdout is full: waiting for its reader']],
  'reader-gone': [
    [
      { kind: 'reader-gone', repeatLines: 12 },
      'warn',
      'the reader of stdout went away; the last 12 lines may be repeated by the next run (a reader that stops early should let events stop: --max-events N)',
    ],
    [
      { kind: 'reader-gone', repeatLines: 0 },
      'warn',
      'the reader of stdout went away; lines it had not read yet were lost with it (a reader that stops early should let events stop: --max-events N)',
    ],
  ],
  stopped: [
    [{ kind: 'stopped', repeatLines: 7 }, 'stopped', 'stopped; the last 7 lines may be repeated by the next run'],
  ],
  'token-retrying': [
    [
      { kind: 'token-retrying', attempt: 2, delayMs: 1250, reason: "Box's token endpoint answered 503" },
      'warn',
      "token request failed (Box's token endpoint answered 503); retry 2 in 1.3 s",
    ],
  ],
  'token-recovered': [[{ kind: 'token-recovered', attempts: 3 }, 'note', 'token endpoint recovered after 3 attempts']],
  'snapshot-retrying': [
    [
      { kind: 'snapshot-retrying', reason: 'Asana answered 502', delayMs: 2000 },
      'retrying',
      'Asana answered 502; retrying in 2 s',
    ],
  ],
  'webhooks-live': [
    [{ kind: 'webhooks-live', live: 2, total: 3 }, 'debug', '2 of 3 webhooks live'],
    [{ kind: 'webhooks-live', live: 0, total: 1 }, 'debug', '0 of 1 webhook live'],
  ],
  'webhook-ready': [
    [{ kind: 'webhook-ready', subject: 'project 1', reused: false }, 'debug', 'project 1: created a webhook'],
    [{ kind: 'webhook-ready', subject: 'project 1', reused: true }, 'debug', 'project 1: reusing its webhook'],
  ],
  'webhook-lost': [
    [
      { kind: 'webhook-lost', subject: 'project 1', reason: 'deleted' },
      'warn',
      'the webhook of project 1 was lost (Asana deleted it): polling it every --interval until it is created again',
    ],
    [
      { kind: 'webhook-lost', subject: 'project 1', reason: 'silent' },
      'warn',
      "the webhook of project 1 was lost (no delivery and no heartbeat for longer than Asana's heartbeat period): polling it every --interval until it is created again",
    ],
  ],
  'webhook-target-refused': [
    [
      {
        kind: 'webhook-target-refused',
        error: new WebhookTargetError(
          'https://localhost/hooks/x',
          'Asana refused the webhook target https://localhost for 1 (403: Invalid hostname: localhost)',
        ),
      },
      'warn',
      'Asana refused the webhook target https://localhost for 1 (403: Invalid hostname: localhost) (check --webhook-url: a public https URL that reaches --listen (a reverse proxy or a tunnel, docs/webhooks.md)); polling every --interval instead',
    ],
  ],
  'webhook-failed': [
    [
      { kind: 'webhook-failed', subject: 'project 1', error: new NotFoundError('project 1 was not found (404)') },
      'note',
      'the webhook of project 1 failed: project 1 was not found (404); polling it every --interval, trying again at the next --webhook-poll',
    ],
  ],
  'webhook-deleted': [
    [{ kind: 'webhook-deleted', subject: 'project 1', count: 1 }, 'debug', 'project 1: deleted its webhook at Asana'],
    [{ kind: 'webhook-deleted', subject: 'project 1', count: 2 }, 'debug', 'project 1: deleted 2 webhooks at Asana'],
  ],
};

/** Progress as the notices see it, recording "<channel> <text>" (and a tip's once key). */
function recordingOutlet(heard: string[]): NoticeOutlet {
  const on =
    (channel: string) =>
    (text: string): void => {
      heard.push(`${channel} ${text}`);
    };
  return {
    status: on('status'),
    note: on('note'),
    tip: (text, once) => heard.push(`tip ${text}${once === undefined ? '' : ` [once: ${once}]`}`),
    warn: on('warn'),
    stopped: on('stopped'),
    retrying: on('retrying'),
    debug: on('debug'),
    error: on('error'),
  };
}

describe('the output layer words each notice and picks its channel', () => {
  it.each(Object.values(WORDING).flat() as Array<[Notice, NoticeChannel, string]>)('%o', (notice, channel, text) => {
    expect(wordNotice(notice)).toMatchObject({ channel, text });
    const heard: string[] = [];
    progressReporter(() => recordingOutlet(heard)).notice(notice);
    expect(heard).toEqual([`${channel} ${text}${channel === 'tip' ? ' [once: first-run]' : ''}`]);
  });

  it('ends the status line with how many webhooks are live, once a count was heard', () => {
    const heard: string[] = [];
    const reporter = progressReporter(() => recordingOutlet(heard));
    reporter.notice({ kind: 'waiting', subject: 'project 1' });
    reporter.notice({ kind: 'webhooks-live', live: 1, total: 2 });
    reporter.notice({ kind: 'waiting', subject: 'project 1' });
    expect(heard).toEqual([
      'status waiting for events on project 1 …',
      'debug 1 of 2 webhooks live',
      'status waiting for events on project 1 … · 1 of 2 webhooks live',
    ]);
  });

  it('drops a notice that comes before the progress reporter exists', () => {
    expect(() =>
      progressReporter(() => undefined).notice({ kind: 'recovered', subject: 'x', downMs: 1, rateLimitedOnly: false }),
    ).not.toThrow();
  });
});
