// The follow loop of one subscription: read a page, write it, and only then save the cursor.
// A crash therefore repeats at most the page in flight and never skips one. It knows nothing
// about terminals: records go to the record sink, and what happens is reported as typed notices
// (core/notice.ts) that output/notices.ts words.
import { CursorRefusedError, ExitCode, ExpiredError, StopRequested } from '../core/errors.js';
import type { Reporter } from '../core/notice.js';
import type { RecordSink, RecordTarget, SnapshotReason } from '../core/record-sink.js';
import type { EventBatch } from '../core/event-batch.js';
import type { Cursor, FetchResult, Provider, ProviderContext } from '../core/provider.js';
import type { CursorFile, CursorRecord } from '../state/cursors.js';
import { Checkpointer } from './checkpointer.js';
import { RecentIds } from './recent-ids.js';
import { selectEvents, type Budget } from './select.js';
import { DEFAULT_WEBHOOK_POLL_MS, type WakeSignal } from './wakes.js';

export type OnExpire = 'recrawl' | 'warn' | 'fail';

export interface Subscription extends RecordTarget {
  provider: Provider;
  cursors: CursorFile;
  /** --action, --user, ... for this provider's events; undefined prints everything. */
  filter?: (event: unknown) => boolean;
  /** Webhook wake-ups (--webhook-url): read at once when woken, poll slowly while the webhook is live. */
  wake?: WakeSignal;
}

export interface LoopOptions {
  once: boolean;
  onExpire: OnExpire;
  /** On a first run (no stored cursor), crawl the current state after taking the first cursor. */
  snapshot?: boolean;
  /** --webhook-poll: the poll of a subscription whose webhook is live (default 300 s). */
  webhookPollMs?: number;
}

export interface LoopEnv {
  /** Where pages, resync notices and snapshots go (output/records.ts in the CLI). */
  records: RecordSink;
  signal: AbortSignal;
  options: LoopOptions;
  /** --max-events: shared by every subscription of the command. */
  budget?: Budget;
  /**
   * Resolves once the prefetch just started is on the wire (in tail: HttpClient.sent). The loop
   * waits for it before writing the current page, whose work may never let the request go out.
   */
  prefetchSent: () => Promise<void>;
  /** Hears everything the loop has to say, its requests' retries and recoveries included (output/notices.ts words it). */
  reporter: Reporter;
  /** Lines a stop left uncounted (the next run repeats them), summed over the subscriptions. */
  repeatable?: { lines: number };
  /** With filters: events they saw and let through, shared by every subscription of the command. */
  tally?: FilterTally;
}

/**
 * A page whose lines a pipe's reader could still lose (RecordSink.linesSettled is behind them): on
 * a stop the cursor goes back to the first line that does not count as delivered.
 */
interface UnsettledPage {
  /** Its lines are the record sink's lines [start, end). */
  start: number;
  end: number;
  /** The cursor it was read from; `skip` events of it had been consumed before. */
  cursor: Cursor;
  skip: number;
  /** Input index of each line written (Selection.indexes). */
  indexes: number[];
  /** Ids this page admitted, by input index: forgotten again for the lines not counted (Box). */
  admitted: Array<[number, string | undefined]>;
  events: EventBatch;
  lastEventAtBefore: string | undefined;
}

/** A filter that lets nothing through is said once, not left to look like a quiet stream. */
export interface FilterTally {
  /** The filter flags as given, e.g. "--resource-type tsk". */
  flags: string;
  read: number;
  matched: number;
  told: boolean;
}

/** "10 events read, none matched --resource-type tsk", once, when events were read and none let through. */
export function tellNoneMatched(tally: FilterTally | undefined, reporter: Reporter): void {
  if (!tally || tally.told || tally.read === 0 || tally.matched > 0) return;
  tally.told = true;
  reporter.notice({ kind: 'none-matched', read: tally.read, flags: tally.flags });
}

export async function follow(sub: Subscription, env: LoopEnv): Promise<void> {
  const { provider, ref } = sub;
  const { records, reporter, signal, options } = env;
  // The provider's waits and requests listen to a signal of this subscription's own: a thousand
  // subscriptions adding and removing listeners on the one stop signal would make each add and
  // remove scan a thousand others.
  const own = new AbortController();
  const onStop = (): void => own.abort(signal.reason);
  if (signal.aborted) onStop();
  else signal.addEventListener('abort', onStop, { once: true });
  const ctx: ProviderContext = {
    signal: own.signal,
    subscription: ref.id,
    report: {
      retrying: ({ delayMs, reason, rateLimited }) =>
        reporter.notice({
          kind: 'retrying',
          subject: ref.label,
          reason,
          delayMs,
          rateLimited: rateLimited === true,
        }),
      recovered: ({ downMs, rateLimitedOnly }) =>
        reporter.notice({
          kind: 'recovered',
          subject: ref.label,
          downMs,
          rateLimitedOnly: rateLimitedOnly === true,
        }),
    },
  };

  /** Every events request goes out through here: it answers the wake-ups heard before it. */
  const fetchPage = (from: Cursor): Promise<FetchResult> => {
    sub.wake?.requested();
    return handled(provider.fetch(ref, from, ctx));
  };
  const waitForChanges = (at: Cursor): Promise<void> =>
    sub.wake
      ? sub.wake.wait(
          (signal) => provider.waitForChanges(ref, at, { ...ctx, signal }),
          options.webhookPollMs ?? DEFAULT_WEBHOOK_POLL_MS,
          own.signal,
        )
      : provider.waitForChanges(ref, at, ctx);

  const loaded = sub.cursors.load();
  const recent = provider.eventId ? new RecentIds(loaded?.seen) : undefined;
  // Durable, quick or no save at all: the checkpointer's call. A quick save runs while the next
  // page is fetched; flush() waits for it before the next page is written.
  const checkpoints = new Checkpointer({
    cursors: sub.cursors,
    stored: loaded,
    label: ref.label,
    seen: () => recent?.toJSON(),
    flushOutput: (durable) => records.flush(durable),
  });
  const unsettled: UnsettledPage[] = [];
  /**
   * On a stop (not the end of --max-events or a dropped subscription: their reader lives on),
   * lines that may still sit in stdout's pipe when its reader dies with us do not count: the
   * cursor goes back to the first of them, so the next run repeats them instead of skipping them.
   */
  let rewound = false;
  const rewind = async (): Promise<void> => {
    if (rewound || !signal.aborted || signal.reason === ExitCode.ok) return;
    rewound = true;
    const delivered = records.linesDelivered?.() ?? records.linesWritten;
    const first = unsettled.findIndex((p) => p.end > delivered);
    if (first < 0) return;
    const page = unsettled[first]!;
    const kept = Math.max(0, delivered - page.start);
    const upTo = kept === 0 ? page.indexes[0]! : page.indexes[kept - 1]! + 1;
    let lines = 0;
    for (const [i, p] of unsettled.entries()) {
      if (i < first) continue;
      lines += p.end - Math.max(p.start, delivered);
      for (const [index, id] of p.admitted) if (i > first || index >= upTo) recent?.forget(id);
    }
    const lastEventAt = kept
      ? lastCreatedAt(page.events.pick(Array.from({ length: kept }, (_, i) => i)))
      : page.lastEventAtBefore;
    await checkpoints.saveDurable(recent ? page.cursor : { ...page.cursor, skip: page.skip + upTo }, lastEventAt);
    if (env.repeatable) env.repeatable.lines += lines;
    reporter.notice({ kind: 'rewound', subject: ref.label, lines });
  };
  /** Remembers a written page while a pipe's reader could still lose its lines. */
  const remember = (
    page: Omit<UnsettledPage, 'admitted' | 'events' | 'lastEventAtBefore'>,
    events: EventBatch,
    admitted: () => UnsettledPage['admitted'],
  ): void => {
    const settled = records.linesSettled ?? records.linesWritten;
    while (unsettled.length && unsettled[0]!.end <= settled) unsettled.shift();
    if (page.end > settled)
      unsettled.push({ ...page, events, admitted: admitted(), lastEventAtBefore: checkpoints.stored?.lastEventAt });
  };

  try {
    let cursor: Cursor;
    if (!loaded) {
      // Events before the first token do not exist for the API: establish it and start from now.
      cursor = await provider.start(ref, ctx);
      // The cursor is taken before the crawl, so whatever changes during the crawl arrives as events.
      if (options.snapshot) await recrawl(sub, env, ctx, 'first run');
      await checkpoints.saveDurable(cursor);
      reporter.notice({ kind: 'cursor-started', subject: ref.label });
      if (options.once && !provider.startsWithHistory?.(ref)) {
        // A first --once prints nothing, which looks like a failure to a person trying it out.
        reporter.notice({ kind: 'first-run', subject: ref.label });
        return;
      }
    } else {
      cursor = loaded.cursor;
    }

    let next = fetchPage(cursor);
    for (;;) {
      reporter.notice({ kind: 'reading', subject: ref.label });
      const result: FetchResult = await next;
      if (result.kind === 'expired') {
        await checkpoints.flush();
        await onExpired(sub, env, checkpoints.stored, ctx);
        cursor = result.fresh;
        await checkpoints.saveDurable(cursor);
        next = fetchPage(cursor);
        continue;
      }
      const { page } = result;
      // Fetch the following page while this one is written: re-sending a token is safe, so a
      // prefetch thrown away on stop costs a request and nothing else. Its cursor is saved only
      // after this page's, below. Wait until it is on the wire: the HTTP client writes it from
      // the tick queue, which the work below (promise callbacks, synchronous writes) may never
      // let run, so the server would otherwise only see it after this page was written and saved.
      if (page.more && !signal.aborted) {
        next = fetchPage(page.next);
        await env.prefetchSent();
      }
      // A cursor saved mid-page (--max-events) re-reads its page and skips what was written.
      const skip = typeof cursor['skip'] === 'number' ? cursor['skip'] : 0;
      const { events } = page;
      // Selection works on positions: an event is parsed only if a repeat check or filter asks.
      const input: number[] = [];
      for (let i = skip; i < events.length; i++) input.push(i);
      const { eventId } = provider;
      const admit = recent && eventId ? (i: number) => recent.admit(eventId(events.value(i))) : undefined;
      const filter = sub.filter;
      const chosen = selectEvents(input, {
        admit,
        filter: filter && ((i: number) => filter(events.value(i))),
        budget: env.budget,
      });
      if (chosen.dropped) reporter.notice({ kind: 'repeats-dropped', subject: ref.label, count: chosen.dropped });
      const cut = chosen.consumed < input.length;
      if (filter && env.tally) {
        env.tally.read += chosen.consumed - chosen.dropped;
        env.tally.matched += chosen.events.length;
      }
      const batch = events.pick(chosen.events);
      // Mid-drain pages are saved cheaply; caught up, cut or stopping, output and cursor are made
      // durable, in that order (an idle poll skips the fsync, or the save). Decided before the
      // page is written, as the time a slow reader takes is not the drain's.
      const plan = checkpoints.plan({
        wroteEvents: chosen.events.length > 0,
        more: page.more,
        cut,
        stopping: signal.aborted,
        lastEventAt: lastCreatedAt(batch),
      });
      await checkpoints.flush();
      const before = records.linesWritten;
      const upToLine = (lines: number): number => (lines === 0 ? chosen.indexes[0]! : chosen.indexes[lines - 1]! + 1);
      // The lines of this page the sink accepted, as it says: other subscriptions' pages may be
      // written meanwhile, so the sink's running total does not tell.
      let written: number | undefined;
      try {
        written = batch.length ? await records.events(sub, batch) : 0;
      } catch (error) {
        // The reader went away in the middle of the page (EPIPE): what was not handed over was
        // not seen either, whatever the cursor saved on the way out says.
        const upTo = upToLine(records.linesWritten - before);
        for (const index of chosen.admitted)
          if (index >= upTo) recent?.forget(provider.eventId!(events.value(input[index]!)));
        throw error;
      } finally {
        // What the reader was handed, also of a page cut short, until the pipe can no longer lose it.
        const handed = written ?? records.linesWritten - before;
        if (handed) {
          const end = written === undefined ? before + handed : records.linesWritten;
          remember({ start: end - handed, end, cursor, skip, indexes: chosen.indexes }, batch, () =>
            chosen.admitted.map((index) => [index, provider.eventId?.(events.value(input[index]!))]),
          );
        }
      }
      if (written < batch.length) {
        // A stop (Ctrl-C, SIGTERM) cut the page short while a slow reader held stdout: keep
        // exactly what was handed over, so the next run neither repeats nor skips a line (to a
        // pipe, rewind() then goes back to the lines its reader could still lose).
        const upTo = upToLine(written);
        for (const index of chosen.admitted)
          if (index >= upTo) recent?.forget(provider.eventId!(events.value(input[index]!)));
        await records.flush(true);
        await checkpoints.saveDurable(
          recent ? cursor : { ...cursor, skip: skip + upTo },
          lastCreatedAt(events.pick(chosen.events.slice(0, written))),
        );
        reporter.notice({ kind: 'stopped-mid-page', subject: ref.label, written, selected: chosen.events.length });
        await rewind();
        return;
      }
      // Cut mid-page: Asana re-sends the same page for a token, so "this token, minus the first k"
      // is exact. Box pages may come back reordered, so there the position stays and the saved
      // event ids (every consumed event was admitted) drop what was already handled.
      if (cut) cursor = recent ? cursor : { ...cursor, skip: skip + chosen.consumed };
      else cursor = page.next;
      await checkpoints.checkpoint(cursor, plan);
      if (env.budget && env.budget.remaining <= 0) throw new StopRequested(ExitCode.ok);
      if (signal.aborted) return await rewind();
      // Follow mode has no end to say it at: the first page read in full with nothing let through.
      if (!options.once && !cut) tellNoneMatched(env.tally, reporter);
      if (page.more) continue;
      if (options.once) return;
      reporter.notice({ kind: 'waiting', subject: ref.label });
      await waitForChanges(cursor);
      next = fetchPage(cursor);
    }
  } catch (error) {
    // Stopped while waiting or reading, or the reader went away (EPIPE) in the middle of a page.
    await rewind();
    // The server refuses the stored cursor for good (414, 431): say how to start over.
    throw error instanceof CursorRefusedError ? sub.cursors.needsReset(error) : error;
  } finally {
    // Whatever of this subscription is still in flight (a prefetch) ends with it.
    signal.removeEventListener('abort', onStop);
    own.abort(signal.aborted ? signal.reason : new Error('the subscription ended'));
    // The lock is released after this returns: no save may land after another process took over.
    await checkpoints.close();
  }
}

async function onExpired(
  sub: Subscription,
  env: LoopEnv,
  stored: CursorRecord | undefined,
  ctx: ProviderContext,
): Promise<void> {
  const ageMs = stored ? Date.now() - Date.parse(stored.savedAt) : undefined;
  if (env.options.onExpire === 'fail') throw new ExpiredError(sub.ref.label, ageMs);
  env.reporter.notice({ kind: 'cursor-expired', subject: sub.ref.label, ageMs });
  const reason: SnapshotReason = 'cursor expired';
  await env.records.notice(sub, 'resync', { reason, lost_cursor_saved_at: stored?.savedAt ?? null });
  // The fresh cursor came with the 412, before this crawl: changes made meanwhile follow as events.
  // It is saved only after the crawl was written, so a crash mid-crawl crawls again next time.
  if (env.options.onExpire === 'recrawl' && sub.provider.crawl) await recrawl(sub, env, ctx, reason);
  await env.records.flush();
}

/** Writes the current state of the subscribed resource between snapshot_begin and snapshot_end. */
export async function recrawl(
  sub: RecordTarget & { provider: Provider },
  env: Pick<LoopEnv, 'records' | 'reporter'>,
  ctx: ProviderContext,
  reason: SnapshotReason,
): Promise<number> {
  const { records, reporter } = env;
  if (!sub.provider.crawl) return 0;
  reporter.notice({ kind: 'crawling', subject: sub.ref.label });
  await records.notice(sub, 'snapshot_begin', { resource: sub.ref.id, reason });
  let count = 0;
  for await (const items of sub.provider.crawl(sub.ref, ctx)) {
    await records.snapshot(sub, items);
    count += items.length;
  }
  await records.notice(sub, 'snapshot_end', { resource: sub.ref.id, count });
  await records.flush();
  return count;
}

/** Marks a promise as handled now (it may be dropped on stop) while keeping its rejection for `await`. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function lastCreatedAt(events: EventBatch): string | undefined {
  const last = (events.length ? events.value(events.length - 1) : undefined) as
    { created_at?: unknown } | null | undefined;
  return typeof last?.created_at === 'string' ? last.created_at : undefined;
}
