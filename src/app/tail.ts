// `events tail` as a plain function: build the providers, take the locks, run one follow loop per
// subscription over one shared HTTP client, and decide the exit code. The CLI layer only parses
// flags into a TailConfig; tests can call this directly.
import { setMaxListeners } from 'node:events';
import {
  AuthError,
  EmptyShardError,
  emptyShardMessage,
  EventsError,
  ExitCode,
  OutputError,
  StopRequested,
  UsageError,
} from '../core/errors.js';
import { HttpClient, isLoopback } from '../net/http.js';
import type { ProxyChoice } from '../net/proxy.js';
import { redactedLines, redactText } from '../lib/redact.js';
import { colorLevel, type ColorChoice } from '../output/color.js';
import { Progress } from '../output/progress.js';
import { JsonRenderer, type Renderer } from '../output/renderer.js';
import { FileSink, StreamSink, type Sink } from '../output/sink.js';
import { AsanaProvider } from '../providers/asana/provider.js';
import { BoxProvider } from '../providers/box/provider.js';
import type { Provider } from '../core/provider.js';
import { isExpander, type Expander, type Reference } from '../core/refs.js';
import type { RetryPolicy, RetryReport } from '../net/retry.js';
import { stdoutIsClosed } from '../output/stdout-transport.js';
import { HOW_TO_CONFIGURE, resolveAuth } from '../auth/resolve.js';
import { CursorStore } from '../state/cursors.js';
import { describeFilters, isEmptyFilter, type FilterSpec } from '../core/filter.js';
import { inShard, type Shard } from '../core/shard.js';
import { Expansion } from '../follow/expansion.js';
import { tellNoneMatched, type FilterTally, type OnExpire } from '../follow/loop.js';
import { DIRECT, SubscriptionSet } from '../follow/subscription-set.js';
import { DOCUMENTED_RATE_PER_MIN, Governor } from '../net/governor.js';
import type { Reporter } from '../core/notice.js';
import type { IO } from '../core/io.js';
import { progressReporter } from '../output/notices.js';
import { isEnterpriseStream } from '../providers/box/provider.js';
import { TimerGrid } from '../net/timer-grid.js';
import { glyphsFor } from '../output/glyphs.js';
import { startWebhooks, type RunningWebhooks, type WebhookConfig } from './webhooks.js';

export interface TailConfig {
  refs: Reference[];
  /** --proxy or the `proxy` key of config.json (the environment's HTTPS_PROXY sits between). */
  proxy?: ProxyChoice;
  /** --max-answer-size: the largest answer body accepted, in bytes. */
  maxAnswerBytes?: number;
  once: boolean;
  json: boolean;
  group: string;
  intervalMs: number;
  fields?: string[];
  crawlFields?: string[];
  snapshot: boolean;
  color: ColorChoice;
  quiet: boolean;
  verbose: boolean;
  asana: { baseUrl: string };
  box: { baseUrl: string; fromStart: boolean; eventTypes?: string[]; since?: string; until?: string };
  stateDir: string;
  timeoutMs: number;
  retry: RetryPolicy;
  lockWaitMs: number;
  onExpire: OnExpire;
  allowInsecureHttp: boolean;
  output?: string;
  userAgent: string;
  filters: FilterSpec;
  maxEvents?: number;
  /** --shard K/N: only the references (and listed projects) whose hash lands in shard K. */
  shard?: Shard;
  /** --relist: how often projects:/team: lists are read again. */
  relistMs: number;
  /** --rate: requests per minute per token, fixed; undefined: learned from 429s. */
  ratePerMin?: number;
  /** --webhook-url and its companions: Asana subscriptions are woken by webhooks; undefined: none. */
  webhooks?: WebhookConfig;
  /** The cursors go away with the run (demo): there is no next run to repeat lines, so none is promised. */
  throwAwayState?: boolean;
}

export async function runTail(config: TailConfig, io: IO): Promise<number> {
  const debug = config.verbose ? redactedLines(io.stderr, 'events: debug: ') : undefined;
  // Every subscription's wait and request listens to the stop signal: hundreds are expected.
  setMaxListeners(0, io.stop.signal);
  const http = new HttpClient({
    userAgent: config.userAgent,
    timeoutMs: config.timeoutMs,
    debug,
    env: io.env,
    proxy: config.proxy,
    maxAnswerBytes: config.maxAnswerBytes,
  });
  let set: SubscriptionSet | undefined;
  let progress: Progress | undefined;
  let sink: Sink | undefined;
  let unhook: (() => void) | undefined;
  let hooks: RunningWebhooks | undefined;
  let failure: PromiseRejectedResult | undefined;
  // The governors and loops report notices; the output layer words them for the progress
  // reporter, which exists only once the locks are held.
  const reporter = progressReporter(() => progress);
  // Every wait of the follow loops (--interval, the governor's wait for a free slot) ends on one grid.
  const grid = TimerGrid.forInterval(config.intervalMs);
  const governors = createGovernors(config, reporter, grid);
  try {
    // --shard keeps the direct references of this shard; expanders are listed by every shard and
    // their projects split by the same hash.
    const refs = config.refs.filter((ref) => isExpander(ref) || inShard(ref.id, config.shard));
    if (!refs.length && !config.once) throw emptyShard(config);
    const providers = createProviders({ ...config, refs }, http, io.env, {
      warn: redactedLines(io.stderr),
      reporter,
      governors,
      grid,
    });
    const store = new CursorStore(config.stateDir);
    // --webhook-url: the receiver listens before any subscription is claimed (each gets its webhook).
    const asana = providers.get('asana') as AsanaProvider | undefined;
    if (config.webhooks && asana)
      hooks = await startWebhooks({
        config: config.webhooks,
        provider: asana,
        stateDir: config.stateDir,
        group: config.group,
        workspace: knownWorkspace(refs),
        reporter,
        signal: io.stop.signal,
        debug,
        onError: (error) => {
          failure ??= { status: 'rejected', reason: error };
          io.stop.abort(ExitCode.internal);
        },
      });
    set = new SubscriptionSet({
      store,
      providers,
      group: config.group,
      filters: config.filters,
      lockWaitMs: config.lockWaitMs,
      stop: io.stop,
      wakes: hooks?.board,
      watcher: hooks?.watcher,
    });
    // Locks in a fixed order, so two overlapping runs cannot each hold what the other waits for.
    const direct = refs.filter((ref) => !isExpander(ref)).sort((a, b) => a.id.localeCompare(b.id));
    for (const ref of direct) await set.claim(ref, DIRECT);
    if (!config.once) {
      // The stretch message needs how many subscriptions poll every --interval: every Asana one
      // (listed projects come and go) and Box's enterprise streams (Box user streams long-poll).
      const box = direct.filter((r) => r.provider === 'box');
      // A subscription whose webhook is live polls only every --webhook-poll.
      const slow = config.webhooks ? config.intervalMs / config.webhooks.pollMs : 1;
      const live = (): number => hooks?.lifecycle.counts.live ?? 0;
      governors.get('asana')?.setDemand(() => (set?.size ?? 0) - box.length - live() * (1 - slow), config.intervalMs);
      governors
        .get('box')
        ?.setDemand(
          box.filter((r) => r.provider === 'box' && isEnterpriseStream(r.streamType)).length,
          config.intervalMs,
        );
    }
    progress = await Progress.create({
      stream: io.stderr,
      quiet: config.quiet,
      verbose: config.verbose,
      sharesTerminalWithStdout: io.stdout.isTTY === true,
      colorLevel: colorLevel(config.color, io.env, io.stderr.isTTY === true),
      glyphs: glyphsFor(io.env),
      // A first --once --output FILE run writes nothing at all: its log gets the one line that says why.
      tipsOffTerminal: config.once && config.output && config.output !== '-' ? ['first-run'] : [],
    });
    // Webhook notices now have a spinner to go to.
    hooks?.watcher.open();
    // --once: a cron run of an empty shard has done its job.
    if (!refs.length) reporter.notice({ kind: 'shard-empty', shard: config.shard!, references: config.refs.length });
    if (config.shard) {
      const named = config.refs.filter((r) => !isExpander(r)).length;
      reporter.notice({ kind: 'shard-references', shard: config.shard, mine: direct.length, named });
    }
    // A page goes out only when its cursor can then be saved: with a full state disk, each run
    // would otherwise write the same page again and fail to save the cursor past it.
    const beforeWrite = (): void => store.checkWritable();
    const warn = (text: string): void => progress?.warn(text);
    sink =
      config.output && config.output !== '-'
        ? new FileSink(config.output, { beforeWrite, warn })
        : openStdoutSink(io, () => reporter.notice({ kind: 'stdout-full' }), beforeWrite);
    // Log rotation: SIGHUP reopens --output FILE (a rename or removal is noticed at the next write).
    if (sink instanceof FileSink) {
      const file = sink;
      unhook = io.onHangup?.(() => file.reopen());
    }
    const expanders = refs.filter(isExpander);
    const renderer = await createRenderer(config, io, sink, progress, refs.length > 1 || expanders.length > 0);
    const budget = config.maxEvents === undefined ? undefined : { remaining: config.maxEvents };
    const repeatable = { lines: 0 };
    const tally: FilterTally | undefined = isEmptyFilter(config.filters)
      ? undefined
      : { flags: describeFilters(config.filters), read: 0, matched: 0, told: false };
    const env = {
      records: renderer,
      signal: io.stop.signal,
      budget,
      repeatable,
      tally,
      prefetchSent: () => http.sent(),
      reporter,
      options: {
        once: config.once,
        onExpire: config.onExpire,
        snapshot: config.snapshot,
        webhookPollMs: config.webhooks?.pollMs,
      },
    };
    const expansion = expanders.length
      ? createExpansion(expanders, providers, set, config, reporter, io.stop.signal)
      : undefined;
    await expansion?.refresh(true);
    set.start(env);
    // A failed relisting (a bug) stops the loops too, so no lock is released under a running loop.
    const relisting = config.once
      ? undefined
      : expansion?.keepFresh(config.relistMs).catch((error: unknown) => {
          io.stop.abort(ExitCode.internal);
          throw error;
        });
    // The safety net of the webhooks (--webhook-poll) runs beside the loops until they end.
    const confirming = hooks?.keepConfirming().catch((error: unknown) => {
      io.stop.abort(ExitCode.internal);
      throw error;
    });
    const [loops, lists] = await Promise.allSettled([set.settled(), relisting]);
    const [later] = await Promise.allSettled([set.settled()]);
    hooks?.stop();
    const [checks] = await Promise.allSettled([confirming]);
    // A loop's or the relisting's failure stopped the others with exit 1: it is the error to print.
    failure ??= [loops, lists, later, checks].find(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    );
    if (failure) throw failure.reason;
    if (config.once) tellNoneMatched(tally, reporter);
    const code =
      io.stop.signal.aborted && typeof io.stop.signal.reason === 'number' ? io.stop.signal.reason : set.exitCode;
    // A pipe's reader may die with lines still in the pipe: the loops did not count those.
    const repeatLines = repeatable.lines;
    // `events demo | head` keeps no cursor: nothing a next run could repeat, nothing to warn about.
    if (!config.throwAwayState) {
      if (code === ExitCode.brokenPipe) reporter.notice({ kind: 'reader-gone', repeatLines });
      else if (repeatLines && io.stop.signal.aborted) reporter.notice({ kind: 'stopped', repeatLines });
    }
    return code;
  } catch (error) {
    // Stopped (Ctrl-C) while listing or taking locks: the signal's exit code, not an error. A
    // failure that itself stopped the run is not a stop: it is printed, never kept silent.
    if (
      !failure &&
      io.stop.signal.aborted &&
      typeof io.stop.signal.reason === 'number' &&
      !(error instanceof EventsError)
    )
      return io.stop.signal.reason;
    throw error;
  } finally {
    unhook?.();
    progress?.stop();
    set?.close();
    await hooks?.close();
    await sink?.close();
    await http.close();
  }
}

/**
 * The workspace of every Asana resource followed, when the run says it: one projects:<workspace>
 * and nothing else of Asana's. Then one listing checks all the webhooks; otherwise each is a GET
 * (a listing of the wrong workspace would call every other webhook deleted).
 */
function knownWorkspace(refs: Reference[]): string | undefined {
  const asana = refs.filter((ref) => ref.provider === 'asana');
  const [only] = asana;
  return asana.length === 1 && only?.kind === 'projects' ? only.gid : undefined;
}

function createExpansion(
  expanders: Expander[],
  providers: Map<string, Provider>,
  set: SubscriptionSet,
  config: TailConfig,
  reporter: Reporter,
  signal: AbortSignal,
): Expansion {
  const subject = 'listing projects';
  const ctx = {
    signal,
    report: {
      // A 429 is the rate governor's to report, once for the whole process.
      retrying: ({ delayMs, reason, rateLimited }: { delayMs: number; reason: string; rateLimited?: boolean }) =>
        reporter.notice({ kind: 'retrying', subject, reason, delayMs, rateLimited: rateLimited === true }),
      recovered: ({ downMs }: { downMs: number }) =>
        reporter.notice({ kind: 'recovered', subject, downMs, rateLimitedOnly: false }),
    },
  };
  return new Expansion({
    expanders,
    lister: providers.get('asana') as AsanaProvider,
    set,
    shard: config.shard,
    reporter,
    ctx,
  });
}

/**
 * Following nothing would end at once with 0, and Restart=always would start it again every
 * RestartSec for good: a distinct exit code a unit file can name instead.
 */
function emptyShard(config: TailConfig): EmptyShardError {
  return new EmptyShardError(
    emptyShardMessage(config.shard!, config.refs.length),
    `use fewer shards than references, or let the service manager stop on exit ${ExitCode.emptyShard}: RestartPreventExitStatus=${ExitCode.emptyShard} in a systemd unit`,
  );
}

/** One governor per provider instance, that is per access token and host. */
export function createGovernors(
  config: TailConfig,
  reporter?: Reporter,
  grid?: TimerGrid,
): Map<'asana' | 'box', Governor> {
  const governors = new Map<'asana' | 'box', Governor>();
  const pinned = config.ratePerMin !== undefined;
  for (const [name, vendor] of [
    ['asana', 'Asana'],
    ['box', 'Box'],
  ] as const) {
    if (!config.refs.some((r) => r.provider === name)) continue;
    governors.set(
      name,
      new Governor({
        vendor,
        ratePerMin: config.ratePerMin ?? DOCUMENTED_RATE_PER_MIN[name],
        pinned,
        reporter,
        clock: grid?.clock,
      }),
    );
  }
  return governors;
}

/** stdout as a sink; a closed stdout is an error before any event is consumed. */
export function openStdoutSink(io: IO, onSlowReader?: () => void, beforeWrite?: () => void): StreamSink {
  if (stdoutIsClosed()) {
    throw new OutputError(
      'stdout is closed (or /dev/null opened read-write, which is what a closed stdout becomes), so events would be consumed and lost',
      'run it with stdout open (not >&-), or use --output FILE; to discard events on purpose, redirect with > /dev/null',
    );
  }
  return new StreamSink(io.stdout, {
    signal: io.stop.signal,
    onSlowReader,
    beforeWrite,
    onBroken: (error) => {
      if (error instanceof StopRequested) io.stop.abort(error.exitCode);
    },
  });
}

/** What the providers are built with besides the config; each part may be left out. */
export interface ProviderWiring {
  /** Lines of the token sources (auth/) about the credentials, written as they are. */
  warn?: (line: string) => void;
  /** Where the token endpoint's retries are reported (none: not reported). */
  reporter?: Reporter;
  governors?: Map<'asana' | 'box', Governor>;
  grid?: TimerGrid;
}

export function createProviders(
  config: TailConfig,
  http: HttpClient,
  env: NodeJS.ProcessEnv,
  { warn, reporter, governors = createGovernors(config), grid }: ProviderWiring = {},
): Map<string, Provider> {
  const providers = new Map<string, Provider>();
  const deps = {
    http,
    retry: config.retry,
    allowInsecureHttp: config.allowInsecureHttp,
    warn,
    report: tokenRetryReport(reporter, config.quiet),
  };
  if (config.refs.some((r) => r.provider === 'asana')) {
    checkTransport(config.asana.baseUrl, config.allowInsecureHttp, 'ASANA_BASE_URL');
    const auth = resolveAuth('asana', env, { ...deps, baseUrl: config.asana.baseUrl });
    if (!auth) throw new AuthError('no Asana credentials: ASANA_ACCESS_TOKEN is not set', HOW_TO_CONFIGURE.asana);
    providers.set(
      'asana',
      new AsanaProvider({
        baseUrl: config.asana.baseUrl,
        auth,
        http,
        retry: config.retry,
        intervalMs: config.intervalMs,
        fields: config.fields,
        crawlFields: config.crawlFields,
        governor: governors.get('asana'),
        grid,
      }),
    );
  }
  const boxRefs = config.refs.filter((r) => r.provider === 'box');
  if (boxRefs.length) {
    checkTransport(config.box.baseUrl, config.allowInsecureHttp, 'BOX_BASE_URL');
    const auth = resolveAuth('box', env, { ...deps, baseUrl: config.box.baseUrl });
    if (!auth) throw new AuthError('no Box credentials: BOX_ACCESS_TOKEN is not set', HOW_TO_CONFIGURE.box);
    const box = new BoxProvider({
      baseUrl: config.box.baseUrl,
      auth,
      http,
      retry: config.retry,
      intervalMs: config.intervalMs,
      fromStart: config.box.fromStart,
      eventTypes: config.box.eventTypes,
      createdAfter: config.box.since,
      createdBefore: config.box.until,
      governor: governors.get('box'),
      grid,
    });
    for (const ref of boxRefs) box.validate(ref);
    providers.set('box', box);
  }
  return providers;
}

/**
 * A token endpoint that is down is retried; it is reported unless --quiet (its retries are
 * progress, although the retry is worded as a warning).
 */
function tokenRetryReport(reporter: Reporter | undefined, quiet: boolean): RetryReport | undefined {
  if (!reporter || quiet) return undefined;
  return {
    retrying: ({ attempt, delayMs, reason }) => reporter.notice({ kind: 'token-retrying', attempt, delayMs, reason }),
    recovered: ({ attempts }) => reporter.notice({ kind: 'token-recovered', attempts }),
  };
}

/** The access token must not cross a network in clear text. */
export function checkTransport(baseUrl: string, allowInsecure: boolean, variable: string): void {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError(
      `${variable} is not a URL: ${redactText(baseUrl)}`,
      'use a URL such as https://app.asana.com/api/1.0',
    );
  }
  if (url.protocol === 'https:') return;
  if (url.protocol !== 'http:')
    throw new UsageError(`${variable} must be an http(s) URL, not ${url.protocol}`, 'use https://…');
  if (!isLoopback(url.hostname) && !allowInsecure) {
    throw new UsageError(
      `refusing to send the access token over plain http to ${url.host}`,
      'use https, or pass --allow-insecure-http if you really mean it',
    );
  }
}

export async function createRenderer(
  config: TailConfig,
  io: IO,
  sink: Sink,
  progress: Progress,
  prefixed: boolean,
): Promise<Renderer> {
  if (config.json || config.output)
    return new JsonRenderer(sink, config.output && config.output !== '-' ? undefined : progress);
  // chalk and the human format only for human output: scripts and cron never load them.
  const [{ Chalk }, { HumanRenderer }] = await Promise.all([import('chalk'), import('../output/human-renderer.js')]);
  const level = colorLevel(config.color, io.env, io.stdout.isTTY === true);
  return new HumanRenderer(
    sink,
    {
      chalk: new Chalk({ level }),
      width: () => (io.stdout.isTTY ? io.stdout.columns : undefined),
      prefixed,
      glyphs: glyphsFor(io.env),
    },
    progress,
  );
}
