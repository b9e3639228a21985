// The words for every notice of the follow core, the rate governor and the use cases (core/notice.ts), and where
// each goes: the status line, a line worth keeping in a log, a tip for a person, a warning that
// events may be missing, or --verbose only. Nothing else in src/ words a happening.
import { groupDigits } from '../lib/digits.js';
import { emptyShardMessage, expiredCursorMessage, formatError } from '../core/errors.js';
import type { Notice, RateBasis, Reporter, WebhookLossReason } from '../core/notice.js';
import type { Progress } from './progress.js';

/** How a notice reaches stderr: the Progress method of that name (see output/progress.ts). */
export type NoticeChannel = 'status' | 'note' | 'tip' | 'warn' | 'stopped' | 'retrying' | 'debug' | 'error';

/** What of Progress the notices use: one method per channel (tests hand a recording one). */
export type NoticeOutlet = Pick<Progress, NoticeChannel>;

export interface WordedNotice {
  channel: NoticeChannel;
  text: string;
  /** For a tip: shown only the first time a tip of this key comes (a thousand first runs, one hint). */
  once?: string;
}

export function wordNotice(notice: Notice): WordedNotice {
  switch (notice.kind) {
    case 'reading':
      return { channel: 'status', text: `reading ${notice.subject} …` };
    case 'waiting':
      return { channel: 'status', text: `waiting for events on ${notice.subject} …` };
    case 'crawling':
      return { channel: 'status', text: `crawling ${notice.subject} …` };
    case 'cursor-started':
      return { channel: 'debug', text: `${notice.subject}: started a new cursor` };
    case 'first-run':
      // A first --once prints nothing, which looks like a failure to a person trying it out.
      return {
        channel: 'tip',
        text: `${notice.subject}: first run: the cursor is now stored and events start from here; the next run prints what happened since`,
        once: 'first-run',
      };
    case 'cursor-expired':
      return { channel: 'warn', text: expiredCursorMessage(notice.subject, notice.ageMs) };
    case 'repeats-dropped':
      return { channel: 'debug', text: `${notice.subject}: dropped ${notice.count} repeated events` };
    case 'stopped-mid-page':
      return {
        channel: 'debug',
        text: `${notice.subject}: stopped after ${notice.written} of ${notice.selected} lines of a page`,
      };
    case 'rewound':
      return {
        channel: 'debug',
        text: `${notice.subject}: ${notice.lines} lines written to the pipe are not counted: the next run repeats them`,
      };
    case 'none-matched':
      return {
        channel: 'note',
        text: `${notice.read} ${notice.read === 1 ? 'event' : 'events'} read, none matched ${notice.flags}`,
      };
    case 'listing-failed':
      return {
        channel: 'note',
        text: `could not list ${notice.subject}, keeping the last list: ${errorText(notice.error)}`,
      };
    case 'project-added': {
      const name = notice.name === undefined ? '' : ` "${notice.name}"`;
      return {
        channel: 'debug',
        text: `${notice.subject}: ${notice.alreadyFollowed ? 'also lists' : 'following'} project ${notice.gid}${name}${notice.newInList ? ' (new in the list)' : ''}`,
      };
    }
    case 'project-left':
      return {
        channel: 'note',
        text: `project ${notice.gid} left ${notice.subject} (archived, deleted or moved): stopped following it; its cursor is kept`,
      };
    case 'project-locked':
      return { channel: 'note', text: `${errorText(notice.error)}; trying again at the next listing` };
    case 'projects-in-shard': {
      const shard = notice.shard ? ` (shard ${notice.shard.index}/${notice.shard.count})` : '';
      return {
        channel: 'debug',
        text: `${notice.subject}: ${notice.mine} of ${notice.listed} listed projects in this process${shard}`,
      };
    }
    case 'subscription-gone':
      return {
        channel: 'note',
        text: `${notice.subject} is gone (404: deleted, or no longer visible to the token): stopped following it; its cursor is kept`,
      };
    case 'subscription-not-found':
      // An error line as the top level prints one: "events: <cause> (<fix>)".
      return { channel: 'error', text: formatError(notice.error, false) };
    case 'rate-limited': {
      const slowing = notice.pinned
        ? ' (--rate is fixed)'
        : notice.slowedToPerMin !== undefined
          ? `; slowing to about ${formatRate(notice.slowedToPerMin)} requests/min`
          : '';
      return {
        channel: 'note',
        text: `rate limited by ${notice.vendor} (429); retrying in ${formatSeconds(notice.retryAfterMs)}${slowing}`,
      };
    }
    case 'stretched':
      return {
        channel: 'note',
        text: stretchMessage(notice.subscriptions, notice.intervalMs, notice.ratePerMin, notice.basis),
      };
    case 'retrying':
      // A 429 is about the token, not this subscription: the governor says it once for all of
      // them; the per-subscription detail is for --verbose.
      return {
        channel: notice.rateLimited ? 'debug' : 'retrying',
        text: `${notice.subject}: ${notice.reason}; retrying in ${formatSeconds(notice.delayMs)}`,
      };
    case 'recovered':
      return {
        channel: notice.rateLimitedOnly ? 'debug' : 'note',
        text: `${notice.subject}: recovered after ${formatSeconds(notice.downMs)}`,
      };
    case 'shard-empty':
      return { channel: 'note', text: emptyShardMessage(notice.shard, notice.references) };
    case 'shard-references':
      return {
        channel: 'debug',
        text: `shard ${notice.shard.index}/${notice.shard.count}: ${notice.mine} of ${notice.named} named references`,
      };
    case 'stdout-full':
      return { channel: 'debug', text: 'stdout is full: waiting for its reader' };
    case 'reader-gone':
      // Events may be missing or repeated: a warning, --quiet included.
      return {
        channel: 'warn',
        text: `the reader of stdout went away; ${notice.repeatLines ? repeatedLines(notice.repeatLines) : 'lines it had not read yet were lost with it'} (a reader that stops early should let events stop: --max-events N)`,
      };
    case 'stopped':
      return { channel: 'stopped', text: `stopped; ${repeatedLines(notice.repeatLines)}` };
    case 'token-retrying':
      return {
        channel: 'warn',
        text: `token request failed (${notice.reason}); retry ${notice.attempt} in ${(notice.delayMs / 1000).toFixed(1)} s`,
      };
    case 'token-recovered':
      return { channel: 'note', text: `token endpoint recovered after ${notice.attempts} attempts` };
    case 'snapshot-retrying':
      return { channel: 'retrying', text: `${notice.reason}; retrying in ${formatSeconds(notice.delayMs)}` };
    case 'webhooks-live':
      return { channel: 'debug', text: webhooksLive(notice.live, notice.total) };
    case 'webhook-ready':
      return { channel: 'debug', text: `${notice.subject}: ${notice.reused ? 'reusing its' : 'created a'} webhook` };
    case 'webhook-lost':
      return {
        channel: 'warn',
        text: `the webhook of ${notice.subject} was lost (${LOSS[notice.reason]}): polling it every --interval until it is created again`,
      };
    case 'webhook-target-refused':
      return { channel: 'warn', text: `${errorText(notice.error)}; polling every --interval instead` };
    case 'webhook-failed':
      return {
        channel: 'note',
        text: `the webhook of ${notice.subject} failed: ${errorText(notice.error)}; polling it every --interval, trying again at the next --webhook-poll`,
      };
    case 'webhook-deleted':
      return {
        channel: 'debug',
        text: `${notice.subject}: deleted ${notice.count === 1 ? 'its webhook' : `${notice.count} webhooks`} at Asana`,
      };
  }
}

/** Lines written to a pipe that its reader may not have read: the next run writes them again. */
function repeatedLines(lines: number): string {
  return `the last ${lines} lines may be repeated by the next run`;
}

const LOSS: Record<WebhookLossReason, string> = {
  deleted: 'Asana deleted it',
  inactive: 'Asana marked it inactive',
  silent: "no delivery and no heartbeat for longer than Asana's heartbeat period",
  'target-changed': 'it delivers to another URL than --webhook-url',
};

function webhooksLive(live: number, total: number): string {
  return `${live} of ${total} ${total === 1 ? 'webhook' : 'webhooks'} live`;
}

/** An error inside a sentence: its one line without the "events: " every line of ours starts with. */
function errorText(error: unknown): string {
  return formatError(error, false).replace(/^events: /, '');
}

/**
 * A reporter that words each notice and hands it to the progress reporter (none yet: dropped).
 * Once webhooks are in play, the status line ends with how many are live.
 */
export function progressReporter(progress: () => NoticeOutlet | undefined): Reporter {
  let live: string | undefined;
  return {
    notice: (notice) => {
      if (notice.kind === 'webhooks-live') live = webhooksLive(notice.live, notice.total);
      const target = progress();
      if (!target) return;
      const { channel, text, once } = wordNotice(notice);
      if (channel === 'tip') target.tip(text, once);
      else if (channel === 'status' && live !== undefined) target.status(`${text} · ${live}`);
      else target[channel](text);
    },
  };
}

/** How often each of N subscriptions gets polled when they share `ratePerMin`. */
export function stretchedIntervalMs(subscriptions: number, intervalMs: number, ratePerMin: number): number {
  return Math.max(intervalMs, (subscriptions * 60_000) / ratePerMin);
}

export function stretchMessage(
  subscriptions: number,
  intervalMs: number,
  ratePerMin: number,
  basis: RateBasis = 'learned',
): string {
  const needed = (subscriptions * 60_000) / intervalMs;
  const every = stretchedIntervalMs(subscriptions, intervalMs, ratePerMin);
  const allows = {
    documented: `the documented budget is ${formatRate(ratePerMin)}/min (assumed until a 429 says otherwise)`,
    learned: `this token allows about ${formatRate(ratePerMin)}/min`,
    pinned: `--rate allows ${formatRate(ratePerMin)}/min`,
  }[basis];
  // A demand counts a subscription with a live webhook as a fraction (it polls every --webhook-poll).
  return `${groupDigits(Math.round(subscriptions))} subscriptions at --interval ${intervalMs / 1000} need ${formatRate(needed)} requests/min; ${allows}: each is polled about every ${formatSeconds(every)}`;
}

/** "24,000", "900": whole requests, rounded to two significant figures above 1,000. */
export function formatRate(perMin: number): string {
  const rounded =
    perMin >= 1000
      ? Math.round(perMin / 100) * 100
      : perMin >= 100
        ? Math.round(perMin / 10) * 10
        : Math.max(1, Math.round(perMin));
  return groupDigits(rounded);
}

export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s` : `${Math.round(ms / 1000)} s`;
}
