// The words for the notices of the follow loop and the rate governor (core/notice.ts), and where
// each goes: a line worth keeping in a log, the spinner's text, or --verbose only.
import type { Notice, RateBasis, Reporter } from '../core/notice.js';
import type { Progress } from './progress.js';

/** How a notice reaches stderr: Progress.note, Progress.retrying (spinner text on a terminal), or Progress.debug. */
export type NoticeChannel = 'note' | 'retrying' | 'debug';

export function wordNotice(notice: Notice): { channel: NoticeChannel; text: string } {
  switch (notice.kind) {
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
  }
}

/** A reporter that words each notice and hands it to the progress reporter (none yet: dropped). */
export function progressReporter(progress: () => Progress | undefined): Reporter {
  return {
    notice: (notice) => {
      const target = progress();
      if (!target) return;
      const { channel, text } = wordNotice(notice);
      target[channel](text);
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
  return `${subscriptions.toLocaleString('en-US')} subscriptions at --interval ${intervalMs / 1000} need ${formatRate(needed)} requests/min; ${allows}: each is polled about every ${formatSeconds(every)}`;
}

/** "24,000", "900": whole requests, rounded to two significant figures above 1,000. */
export function formatRate(perMin: number): string {
  const rounded =
    perMin >= 1000
      ? Math.round(perMin / 100) * 100
      : perMin >= 100
        ? Math.round(perMin / 10) * 10
        : Math.max(1, Math.round(perMin));
  return rounded.toLocaleString('en-US');
}

export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s` : `${Math.round(ms / 1000)} s`;
}
