// The seam between the subscription set and the webhook lifecycle (issue 26): every Asana
// resource followed gets a webhook, one that leaves for good (its project archived, deleted or
// moved out of a listing; a 404) has it deleted. A stop deletes nothing: the next run reuses it.
// Workspaces (workspace:<gid>) and Box streams have no webhook and keep polling.
import { UnavailableError, UsageError } from '../core/errors.js';
import type { Reporter } from '../core/notice.js';
import type { ProviderContext } from '../core/provider.js';
import type { SubscriptionWatcher } from '../follow/subscription-set.js';
import type { Subscription } from '../follow/loop.js';
import { WakeBoard } from '../follow/wakes.js';
import type { AsanaProvider } from '../providers/asana/provider.js';
import { WebhookStore } from '../state/webhooks.js';
import { WebhookLifecycle, type WebhookSubscription } from '../webhooks/lifecycle.js';
import { readCertAndKey } from './pem-files.js';

export interface WebhookWatcherOptions {
  /** The workspace of the followed resources, when one is known (projects:<gid>): cheaper checks. */
  workspace?: string;
  /** A bug in the lifecycle (never Asana's failures, which are notices): stop the run with it. */
  onError(error: unknown): void;
}

export function webhookWatcher(lifecycle: WebhookLifecycle, options: WebhookWatcherOptions): SubscriptionWatcher {
  return {
    followed: (sub) => {
      const hook = webhookSubscription(sub, options.workspace);
      if (hook) lifecycle.ensure(hook).catch(options.onError);
    },
    left: (sub) => {
      if (webhookSubscription(sub)) lifecycle.remove(sub.ref.id).catch(options.onError);
    },
  };
}

/** What the lifecycle needs of a subscription that can have a webhook; undefined for the others. */
export function webhookSubscription(sub: Subscription, workspace?: string): WebhookSubscription | undefined {
  const { ref } = sub;
  if (ref.provider !== 'asana' || ref.kind !== 'resource') return undefined;
  const hook: WebhookSubscription = { key: ref.id, resource: ref.gid, label: ref.label };
  if (workspace !== undefined) hook.workspace = workspace;
  return hook;
}

/** --webhook-url and its companions, as `events tail` checked them. */
export interface WebhookConfig {
  /** --webhook-url: what Asana reaches (https, or http to a loopback host). */
  url: string;
  /** --listen: where the receiver binds. */
  listen: { host: string; port: number };
  /** --cert/--key: the receiver serves HTTPS itself. */
  tls?: { certFile: string; keyFile: string };
  /** --webhook-poll: the slow poll and the safety-net check of a live webhook. */
  pollMs: number;
}

export interface StartOptions {
  config: WebhookConfig;
  /** The Asana provider of the run: its token, host, HTTP client and governor serve the webhooks too. */
  provider: AsanaProvider;
  stateDir: string;
  group: string;
  /** The workspace of every followed Asana resource, when one is known: one listing checks them all. */
  workspace?: string;
  reporter: Reporter;
  /** The command's stop. */
  signal: AbortSignal;
  /** --verbose lines (refused deliveries, never a secret). */
  debug?: (line: string) => void;
  /** A bug in the lifecycle: stop the run with it. */
  onError(error: unknown): void;
}

/** The webhooks of one `events tail` run, wired as the subscription set and the loops need them. */
export interface RunningWebhooks {
  /** The loops' wake signals (SubscriptionSet's `wakes`). */
  board: WakeBoard;
  /** SubscriptionSet's `watcher`: holds what it hears until open() (notices need the spinner). */
  watcher: SubscriptionWatcher & { open(): void };
  lifecycle: WebhookLifecycle;
  /** The safety net: a check every --webhook-poll until stop(). */
  keepConfirming(): Promise<void>;
  /** Ends keepConfirming() and any creation in flight (the loops are done). */
  stop(): void;
  close(): Promise<void>;
}

/** Starts the receiver on --listen and the lifecycle; webhooks are made as subscriptions are followed. */
export async function startWebhooks(options: StartOptions): Promise<RunningWebhooks> {
  const { config, provider, reporter } = options;
  const own = new AbortController();
  const stopOwn = (): void => own.abort(options.signal.reason);
  if (options.signal.aborted) stopOwn();
  else options.signal.addEventListener('abort', stopOwn, { once: true });
  const subject = 'webhooks';
  const ctx: ProviderContext = {
    signal: own.signal,
    report: {
      // A 429 is the rate governor's to report, once for the whole process.
      retrying: ({ delayMs, reason, rateLimited }) =>
        reporter.notice({ kind: 'retrying', subject, reason, delayMs, rateLimited: rateLimited === true }),
      recovered: ({ downMs }) => reporter.notice({ kind: 'recovered', subject, downMs, rateLimitedOnly: false }),
    },
  };
  const tls = config.tls && (await readCertAndKey(config.tls.certFile, config.tls.keyFile));
  const board = new WakeBoard();
  let lifecycle: WebhookLifecycle;
  try {
    lifecycle = await WebhookLifecycle.start({
      api: provider.webhooks(),
      store: new WebhookStore(options.stateDir),
      storeKey: (subscription) => ({ provider: 'asana', host: provider.host, subscription, group: options.group }),
      webhookUrl: config.url,
      listen: { ...config.listen, tls },
      wakes: board,
      reporter,
      ctx,
      verbose: options.debug,
    });
  } catch (error) {
    options.signal.removeEventListener('abort', stopOwn);
    throw listenFailed(error, config.listen);
  }
  const inner = webhookWatcher(lifecycle, { workspace: options.workspace, onError: options.onError });
  let held: Array<() => void> | undefined = [];
  const later = (call: () => void): void => (held ? void held.push(call) : call());
  return {
    board,
    lifecycle,
    watcher: {
      followed: (sub) => later(() => inner.followed(sub)),
      left: (sub) => later(() => inner.left(sub)),
      open: () => {
        const calls = held ?? [];
        held = undefined;
        for (const call of calls) call();
      },
    },
    keepConfirming: () => lifecycle.keepConfirming(config.pollMs),
    stop: () => own.abort(0),
    close: async () => {
      options.signal.removeEventListener('abort', stopOwn);
      own.abort(0);
      await lifecycle.close();
    },
  };
}

/** EADDRINUSE and friends are the user's to fix (another --listen), not a bug. */
function listenFailed(error: unknown, listen: { host: string; port: number }): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
  if (code === 'EADDRINUSE')
    return new UnavailableError(
      `cannot listen on --listen ${where} for webhooks: the port is already in use`,
      'stop what uses it, or pass another --listen host:port (and a --webhook-url that reaches it)',
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new UsageError(
      `cannot listen on --listen ${where} for webhooks: ${listen.host} is not an address of this machine`,
      'pass --listen 127.0.0.1:8787 (the default) or an address of this machine',
    );
  if (code === 'EACCES')
    return new UnavailableError(
      `cannot listen on --listen ${where} for webhooks: permission denied (ports below 1024 need privileges)`,
      'pass a --listen port above 1023',
    );
  return error;
}
