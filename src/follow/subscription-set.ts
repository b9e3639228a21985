// The running follow loops of one `events tail`, keyed by subscription id. References named on
// the command line are claimed once at start; projects listed by projects:/team: come and go
// while it runs. A subscription has one or more sources ("direct", or the id of each expander that
// lists it), one lock and one loop: a project named directly and through projects: is read once.
import { setMaxListeners } from 'node:events';
import { AuthError, ExitCode, NotFoundError, StopRequested } from '../core/errors.js';
import { buildFilter, type FilterSpec } from '../core/filter.js';
import type { Provider } from '../core/provider.js';
import type { Reference } from '../core/refs.js';
import type { CursorStore } from '../state/cursors.js';
import { acquireLock, type Release } from '../state/lock.js';
import { follow, type LoopEnv, type Subscription } from './loop.js';
import type { WakeBoard } from './wakes.js';

export const DIRECT = 'direct';

export interface SubscriptionSetOptions {
  store: CursorStore;
  providers: Map<string, Provider>;
  group: string;
  filters: FilterSpec;
  lockWaitMs: number;
  /** The whole command's stop: aborting it ends every loop. */
  stop: AbortController;
  /** --webhook-url: the wake signals of Asana subscriptions (the webhook lifecycle sets them). */
  wakes?: WakeBoard;
  /** Hears subscriptions come and go for good (the webhook lifecycle creates and deletes theirs). */
  watcher?: SubscriptionWatcher;
}

export interface SubscriptionWatcher {
  /** A new subscription (named, or listed by projects:/team:). */
  followed(sub: Subscription): void;
  /** Gone for good: it left its listing (archived, deleted, moved) or answered 404; not a stop. */
  left(sub: Subscription): void;
}

interface Entry {
  sub: Subscription;
  sources: Set<string>;
  release: Release;
  /** Aborted when this one subscription is dropped (or the command stops). */
  abort: AbortController;
  done?: Promise<void>;
}

export class SubscriptionSet {
  /** Exit code from the loops: 4 when a directly named resource was not found. */
  exitCode: number = ExitCode.ok;
  /** Listed projects whose events endpoint answered 404; not claimed again while still listed. */
  readonly gone = new Set<string>();
  #fatal: unknown;
  readonly #entries = new Map<string, Entry>();
  readonly #options: SubscriptionSetOptions;
  #env: LoopEnv | undefined;

  constructor(options: SubscriptionSetOptions) {
    this.#options = options;
    // Every loop links its own stop to the command's: a thousand listeners there are expected.
    setMaxListeners(0, options.stop.signal);
  }

  get size(): number {
    return this.#entries.size;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /**
   * Takes the lock of a reference (once per id) and adds `source` to it. Returns true when the
   * subscription is new. Its loop starts with start(), or at once when the set already runs.
   */
  async claim(ref: Reference, source: string): Promise<boolean> {
    const existing = this.#entries.get(ref.id);
    if (existing) {
      existing.sources.add(source);
      return false;
    }
    const { store, providers, group, filters, lockWaitMs, stop, wakes } = this.#options;
    const provider = providers.get(ref.provider)!;
    const key = { provider: provider.name, host: provider.host, subscription: ref.id, group };
    const release = await acquireLock(store.lockPath(key), {
      waitMs: lockWaitMs,
      description: `${ref.label} (group ${group})`,
      signal: stop.signal,
    });
    const sub: Subscription = {
      ref,
      provider,
      cursors: store.file(key),
      filter: buildFilter(filters, provider.name),
      origin: { provider: provider.name, subscription: ref.id, group },
    };
    if (wakes && provider.name === 'asana') sub.wake = wakes.signal(ref.id);
    const entry: Entry = { sub, sources: new Set([source]), release, abort: linkedAbort(stop.signal) };
    this.#entries.set(ref.id, entry);
    this.#options.watcher?.followed(sub);
    if (this.#env) this.#run(entry, this.#env);
    return true;
  }

  /**
   * Removes `source` from a subscription; the last source gone stops its loop and releases its
   * lock (the cursor stays). Returns true when a running subscription was stopped.
   */
  async drop(id: string, source: string): Promise<boolean> {
    const entry = this.#entries.get(id);
    if (!entry || !entry.sources.delete(source) || entry.sources.size) return false;
    entry.abort.abort(ExitCode.ok);
    if (entry.done) await entry.done;
    else this.#forget(entry);
    this.#options.watcher?.left(entry.sub);
    return true;
  }

  /** Starts the loops of everything claimed so far, and of whatever is claimed later. */
  start(env: LoopEnv): void {
    this.#env = env;
    for (const entry of this.#entries.values()) if (!entry.done) this.#run(entry, env);
  }

  /** Resolves when no loop runs any more (loops started meanwhile included); rethrows a bug. */
  async settled(): Promise<void> {
    for (;;) {
      const running = [...this.#entries.values()].flatMap((e) => (e.done ? [e.done] : []));
      if (!running.length) break;
      await Promise.all(running);
    }
    if (this.#fatal !== undefined) throw this.#fatal;
  }

  /** Releases every lock still held (loops that never started, or on the way out). */
  close(): void {
    for (const entry of this.#entries.values()) this.#forget(entry);
  }

  #run(entry: Entry, env: LoopEnv): void {
    entry.done = this.#follow(entry, env).finally(() => this.#forget(entry));
  }

  async #follow(entry: Entry, env: LoopEnv): Promise<void> {
    const { stop } = this.#options;
    try {
      await follow(entry.sub, { ...env, signal: entry.abort.signal });
    } catch (error) {
      if (entry.abort.signal.aborted && !stop.signal.aborted) return; // dropped on purpose
      if (stop.signal.aborted && !(error instanceof AuthError)) return;
      if (error instanceof NotFoundError) {
        if (!entry.sources.has(DIRECT)) {
          // A listed project deleted (or hidden from the token) between two listings.
          this.gone.add(entry.sub.ref.id);
          env.reporter.notice({ kind: 'subscription-gone', subject: entry.sub.ref.label });
          this.#options.watcher?.left(entry.sub);
          return;
        }
        // One missing resource stops its own subscription; the others go on.
        env.reporter.notice({ kind: 'subscription-not-found', error });
        this.exitCode = ExitCode.notFound;
        this.#options.watcher?.left(entry.sub);
        return;
      }
      if (error instanceof StopRequested) {
        stop.abort(error.exitCode);
        return;
      }
      this.#fatal ??= error;
      stop.abort(ExitCode.internal);
    }
  }

  #forget(entry: Entry): void {
    if (this.#entries.get(entry.sub.ref.id) !== entry) return;
    this.#entries.delete(entry.sub.ref.id);
    this.#options.wakes?.delete(entry.sub.ref.id);
    entry.abort.abort(ExitCode.ok);
    entry.release();
  }
}

/** An AbortController that also aborts when `parent` does (AbortSignal.any is newer than Node 20.0). */
function linkedAbort(parent: AbortSignal): AbortController {
  const child = new AbortController();
  if (parent.aborted) child.abort(parent.reason);
  else {
    const onAbort = (): void => child.abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    child.signal.addEventListener('abort', () => parent.removeEventListener('abort', onAbort), { once: true });
  }
  return child;
}
