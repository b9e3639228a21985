// The life of the webhooks that wake subscriptions (issue 26): one per subscription, reused across
// runs when Asana still has it active with the same target, created otherwise; deleted when its
// project leaves the run for good; and checked every --webhook-poll (the safety net), so one that
// Asana deleted, deactivated or that went silent is created again. Only a live webhook lets its
// subscription poll at the slow interval: the follow core hears that through WakeTarget.setLive,
// and the spinner and --verbose hear how many are live (the webhooks-live notice).
//
// It owns the receiver: a handshake's secret is stored durably (state/webhooks.ts) before the
// receiver echoes it, and a verified delivery refreshes "last heard" before it wakes the loop.
// Every request goes through the token's governor under one key ('webhooks'), and at most a few
// creations run at once, so hundreds of them are spread over the budget, never a burst.
import { EventsError } from '../core/errors.js';
import type { Reporter, WebhookLossReason } from '../core/notice.js';
import type { ProviderContext } from '../core/provider.js';
import { WebhookTargetError, type Webhook, type WebhookApi, type WakeTarget } from '../core/wake.js';
import { sleep } from '../lib/sleep.js';
import { TransientError } from '../net/retry.js';
import type { WebhookKey, WebhookStore } from '../state/webhooks.js';
import { WebhookReceiver, type ReceiverOptions } from './receiver.js';

/** Asana sends a heartbeat every 8 hours; silence past this (with a margin) means the webhook is lost. */
export const DEFAULT_SILENT_AFTER_MS = 8.5 * 3600_000;
const DEFAULT_CONCURRENCY = 2;

export interface WebhookSubscription {
  /** The subscription's key: the cursor's subscription (the resource gid), the receiver's route. */
  key: string;
  /** The gid the webhook watches. */
  resource: string;
  /** For notices: "project 1204567890123456". */
  label: string;
  /** The resource's workspace, when known: confirm() then lists the workspace once for all of them. */
  workspace?: string;
}

export interface LifecycleOptions {
  api: WebhookApi;
  store: WebhookStore;
  /** The store's key of a subscription: its cursor's provider, host and --group. */
  storeKey(subscriptionKey: string): WebhookKey;
  /** --webhook-url: what Asana reaches; targets are this + /hooks/<path id>. Undefined: the receiver's own URL (tests). */
  webhookUrl?: string;
  /** --listen and --cert/--key (and the receiver's limits, for tests). */
  listen: Omit<ReceiverOptions, 'wake' | 'storeSecret' | 'verbose'>;
  /** The follow core: wake-ups, and which subscriptions poll at the slow interval. */
  wakes: WakeTarget;
  reporter: Reporter;
  /** The command's stop signal and a retry report; its subscription is the governor's key. */
  ctx: ProviderContext;
  verbose?: (line: string) => void;
  /** No delivery and no heartbeat for this long: lost (default: Asana's 8 h heartbeat period and a margin). */
  silentAfterMs?: number;
  /** Creations in flight at once (default 2). */
  concurrency?: number;
  now?: () => number;
}

interface Hook {
  sub: WebhookSubscription;
  /** The webhook at Asana, once created or reused. */
  gid: string | undefined;
  live: boolean;
  /** The last verified delivery or heartbeat (or the creation, or the reuse). */
  heardAt: number;
  /** The creation (or reuse) in flight. */
  busy: Promise<void> | undefined;
  removed: boolean;
}

export class WebhookLifecycle {
  readonly receiver: WebhookReceiver;
  readonly #options: LifecycleOptions;
  readonly #hooks = new Map<string, Hook>();
  readonly #slots: Slots;
  readonly #now: () => number;
  readonly #webhookUrl: string;
  /** Asana refused --webhook-url: creations wait for the next check, which tries one. */
  #refused = false;
  #toldCount: string | undefined;

  private constructor(options: LifecycleOptions, receiver: WebhookReceiver) {
    this.#options = options;
    this.receiver = receiver;
    this.#slots = new Slots(options.concurrency ?? DEFAULT_CONCURRENCY);
    this.#now = options.now ?? Date.now;
    this.#webhookUrl = (options.webhookUrl ?? receiver.url).replace(/\/+$/, '');
  }

  /** Starts the receiver on --listen; webhooks are made by ensure(). */
  static async start(options: LifecycleOptions): Promise<WebhookLifecycle> {
    let lifecycle: WebhookLifecycle | undefined;
    const receiver = await WebhookReceiver.listen({
      ...options.listen,
      verbose: options.verbose,
      wake: {
        onWake: (key) => options.wakes.onWake(key),
        onAlive: (key) => lifecycle?.alive(key),
      },
      storeSecret: (key, secret) => lifecycle!.#storeSecret(key, secret),
    });
    lifecycle = new WebhookLifecycle(options, receiver);
    return lifecycle;
  }

  /** How many subscriptions have a live webhook, of how many that want one. */
  get counts(): { live: number; total: number } {
    let live = 0;
    for (const hook of this.#hooks.values()) if (hook.live) live++;
    return { live, total: this.#hooks.size };
  }

  isLive(key: string): boolean {
    return this.#hooks.get(key)?.live === true;
  }

  /**
   * Gives a subscription its webhook: the stored one when Asana still has it active with the
   * same target, else a new one. Never rejects for Asana's sake: a refused target or a failure
   * is a notice, the subscription polls at --interval, and the next confirm() tries again.
   */
  ensure(sub: WebhookSubscription): Promise<void> {
    let hook = this.#hooks.get(sub.key);
    if (!hook) {
      hook = { sub, gid: undefined, live: false, heardAt: this.#now(), busy: undefined, removed: false };
      this.#hooks.set(sub.key, hook);
      this.#tellCount();
    }
    return this.#establish(hook, { reuse: true });
  }

  /** Its project left the run for good (archived, removed, gone): the webhook is deleted at Asana. */
  async remove(key: string): Promise<void> {
    const hook = this.#hooks.get(key);
    if (hook) {
      hook.removed = true;
      await hook.busy?.catch(() => undefined);
    }
    const storeKey = this.#options.storeKey(key);
    const subject = hook?.sub.label ?? key;
    try {
      const gid = hook?.gid ?? this.#options.store.load(storeKey)?.webhookGid;
      if (gid !== undefined && (await this.#options.api.delete(gid, this.#ctx)))
        this.#options.reporter.notice({ kind: 'webhook-deleted', subject, count: 1 });
      this.#options.store.remove(storeKey);
    } catch (error) {
      // Kept in the store: `events webhooks remove` can delete it later.
      this.#failed(subject, error);
    } finally {
      this.receiver.remove(key);
      this.#hooks.delete(key);
      this.#options.wakes.setLive(key, false);
      this.#tellCount();
    }
  }

  /** A verified delivery or heartbeat: the webhook is alive. */
  alive(key: string): void {
    const hook = this.#hooks.get(key);
    if (!hook) return;
    hook.heardAt = this.#now();
    // Asana delivered, so it has the webhook active: live again after a check that failed.
    if (hook.gid !== undefined && !hook.busy && !hook.live) this.#setLive(hook, true);
  }

  /**
   * The safety net: checks every webhook (one listing per workspace, else GET each); one that is
   * gone, inactive, delivering elsewhere or silent too long is lost and created again, and one
   * that could not be made earlier is tried again. Resolves when that is done.
   */
  async confirm(): Promise<void> {
    const hooks = [...this.#hooks.values()].filter((h) => !h.busy && !h.removed);
    const checked = await this.#check(hooks.filter((h) => h.gid !== undefined));
    const again: Array<Promise<void>> = [];
    for (const [hook, webhook] of checked) {
      const reason = this.#lossOf(hook, webhook);
      if (reason === undefined) {
        if (!hook.live) this.#setLive(hook, true);
        continue;
      }
      if (hook.live) this.#options.reporter.notice({ kind: 'webhook-lost', subject: hook.sub.label, reason });
      this.#setLive(hook, false);
      hook.gid = undefined;
      again.push(this.#establish(hook, { reuse: false, stale: webhook?.gid }));
    }
    // Those without a webhook (a failure, a refused target): after a refusal, one tries first.
    const waiting = hooks.filter((h) => h.gid === undefined && !checked.has(h));
    if (this.#refused && waiting.length) {
      await this.#establish(waiting[0]!, { reuse: true, probe: true });
      waiting.shift();
    }
    for (const hook of waiting) again.push(this.#establish(hook, { reuse: true }));
    await Promise.all(again);
  }

  /** confirm() every `everyMs` (--webhook-poll) until the command stops. */
  async keepConfirming(everyMs: number): Promise<void> {
    const { signal } = this.#options.ctx;
    while (!signal.aborted) {
      try {
        await sleep(everyMs, signal);
      } catch {
        return;
      }
      await this.confirm();
    }
  }

  close(): Promise<void> {
    return this.receiver.close();
  }

  get #ctx(): ProviderContext {
    return { ...this.#options.ctx, subscription: 'webhooks' };
  }

  #targetOf(pathId: string): string {
    return `${this.#webhookUrl}/hooks/${pathId}`;
  }

  /** The handshake's secret, stored durably before the receiver echoes it. */
  async #storeSecret(key: string, secret: string): Promise<void> {
    const hook = this.#hooks.get(key);
    const pathId = this.receiver.pathId(key);
    if (!hook || pathId === undefined) throw new Error(`no webhook is being made for ${key}`);
    // The gid of an older webhook no longer goes with this secret: the creation stores the new one.
    await this.#options.store.update(this.#options.storeKey(key), {
      resource: hook.sub.resource,
      pathId,
      target: this.#targetOf(pathId),
      secret,
      webhookGid: undefined,
    });
  }

  #establish(hook: Hook, how: { reuse: boolean; stale?: string; probe?: boolean }): Promise<void> {
    if (hook.busy) return hook.busy;
    if (hook.live || hook.removed || (this.#refused && !how.probe)) return Promise.resolve();
    const work = this.#slots.run(() => this.#make(hook, how));
    hook.busy = work.finally(() => (hook.busy = undefined));
    return hook.busy;
  }

  async #make(hook: Hook, how: { reuse: boolean; stale?: string; probe?: boolean }): Promise<void> {
    const { api, store, reporter } = this.#options;
    const { key, label } = hook.sub;
    const storeKey = this.#options.storeKey(key);
    try {
      // Refused while this one waited for its slot: it waits for the next check instead.
      if (hook.removed || this.#ctx.signal.aborted || (this.#refused && !how.probe)) return;
      const stored = store.load(storeKey);
      let stale = how.stale;
      if (how.reuse && stored?.webhookGid !== undefined && stored.secret !== undefined) {
        const found = await api.get(stored.webhookGid, this.#ctx);
        if (found?.active && found.target === stored.target && stored.target === this.#targetOf(stored.pathId)) {
          this.receiver.add(key, { pathId: stored.pathId, secret: stored.secret });
          hook.gid = found.gid;
          hook.heardAt = this.#now();
          this.#setLive(hook, true);
          reporter.notice({ kind: 'webhook-ready', subject: label, reused: true });
          return;
        }
        stale = found?.gid;
      }
      // Inactive, delivering elsewhere or silent: Asana would keep it (and bill the budget) for nothing.
      if (stale !== undefined && (await api.delete(stale, this.#ctx)))
        reporter.notice({ kind: 'webhook-deleted', subject: label, count: 1 });
      // A secret without a gid: the last creation was cut short after its handshake, and Asana
      // may hold a webhook on this path that no one will ever delete.
      const interrupted = stored?.secret !== undefined && stored.webhookGid === undefined;
      await this.#create(hook, stored?.pathId, interrupted);
      this.#refused = false;
    } catch (error) {
      if (this.#ctx.signal.aborted) return;
      if (error instanceof WebhookTargetError) {
        // Every webhook has the same --webhook-url: one line, not one per subscription.
        if (!this.#refused) reporter.notice({ kind: 'webhook-target-refused', error });
        this.#refused = true;
        return;
      }
      this.#failed(label, error);
    }
  }

  /** POST /webhooks with the path's handshake window open; the gid stored once Asana answers. */
  async #create(hook: Hook, pathId: string | undefined, interrupted: boolean): Promise<void> {
    const { api, store, reporter } = this.#options;
    const { key, label, resource } = hook.sub;
    const path = this.receiver.add(key, pathId === undefined ? undefined : { pathId });
    const target = this.#targetOf(path);
    // A POST that failed on the way (5xx, a cut connection) and was sent again may have created
    // a webhook at Asana all the same: after such a retry the extras are found and deleted.
    let resent = interrupted;
    const ctx: ProviderContext = {
      ...this.#ctx,
      report: {
        retrying: (info) => {
          if (!info.rateLimited) resent = true;
          this.#options.ctx.report.retrying(info);
        },
        recovered: (info) => this.#options.ctx.report.recovered(info),
      },
    };
    const done = this.receiver.expectHandshake(key);
    let gid: string | undefined;
    try {
      gid = (await api.create(resource, target, ctx)).webhook.gid;
      await store.update(this.#options.storeKey(key), { webhookGid: gid });
    } finally {
      done();
      if (resent) await this.#dropDuplicates(hook, target, gid);
    }
    hook.gid = gid;
    hook.heardAt = this.#now();
    this.#setLive(hook, true);
    reporter.notice({ kind: 'webhook-ready', subject: label, reused: false });
  }

  async #dropDuplicates(hook: Hook, target: string, kept: string | undefined): Promise<void> {
    const { workspace, resource, label } = hook.sub;
    if (workspace === undefined) return;
    try {
      const extras = (await this.#options.api.list(workspace, this.#ctx, resource)).filter(
        (w) => w.target === target && w.gid !== kept,
      );
      for (const extra of extras) await this.#options.api.delete(extra.gid, this.#ctx);
      if (extras.length)
        this.#options.reporter.notice({ kind: 'webhook-deleted', subject: label, count: extras.length });
    } catch (error) {
      if (!this.#ctx.signal.aborted) this.#failed(label, error);
    }
  }

  /** What Asana says of each webhook (undefined: gone); a hook whose check failed is left out. */
  async #check(hooks: Hook[]): Promise<Map<Hook, Webhook | undefined>> {
    const { api } = this.#options;
    const checked = new Map<Hook, Webhook | undefined>();
    const byWorkspace = new Map<string, Hook[]>();
    const single: Hook[] = [];
    for (const hook of hooks) {
      const { workspace } = hook.sub;
      if (workspace === undefined) single.push(hook);
      else byWorkspace.set(workspace, [...(byWorkspace.get(workspace) ?? []), hook]);
    }
    for (const [workspace, group] of byWorkspace) {
      // One listing answers for all of them; for a single webhook a GET is as cheap.
      if (group.length === 1) {
        single.push(group[0]!);
        continue;
      }
      try {
        const listed = new Map((await api.list(workspace, this.#ctx)).map((w) => [w.gid, w]));
        for (const hook of group) checked.set(hook, listed.get(hook.gid!));
      } catch (error) {
        this.#uncheckable(group, error);
      }
    }
    for (const hook of single) {
      try {
        checked.set(hook, await api.get(hook.gid!, this.#ctx));
      } catch (error) {
        this.#uncheckable([hook], error);
      }
    }
    return checked;
  }

  /** Not confirmed: not live (they poll at --interval) until a check or a delivery says otherwise. */
  #uncheckable(hooks: Hook[], error: unknown): void {
    if (this.#ctx.signal.aborted) return;
    this.#failed(hooks.length === 1 ? hooks[0]!.sub.label : `${hooks.length} subscriptions`, error);
    for (const hook of hooks) this.#setLive(hook, false);
  }

  #lossOf(hook: Hook, webhook: Webhook | undefined): WebhookLossReason | undefined {
    if (!webhook) return 'deleted';
    if (!webhook.active) return 'inactive';
    if (webhook.target !== this.#targetOf(this.receiver.pathId(hook.sub.key) ?? '')) return 'target-changed';
    if (this.#now() - hook.heardAt > (this.#options.silentAfterMs ?? DEFAULT_SILENT_AFTER_MS)) return 'silent';
    return undefined;
  }

  #failed(subject: string, error: unknown): void {
    // A bug is not Asana's failure: it stops the run like any other.
    if (!(error instanceof EventsError || error instanceof TransientError)) throw error;
    this.#options.reporter.notice({ kind: 'webhook-failed', subject, error });
  }

  #setLive(hook: Hook, live: boolean): void {
    if (hook.live === live) return;
    hook.live = live;
    this.#options.wakes.setLive(hook.sub.key, live);
    this.#tellCount();
  }

  #tellCount(): void {
    const { live, total } = this.counts;
    const told = `${live}/${total}`;
    if (told === this.#toldCount) return;
    this.#toldCount = told;
    this.#options.reporter.notice({ kind: 'webhooks-live', live, total });
  }
}

/** At most `size` tasks at once; the others wait their turn in order. */
class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = Math.max(1, size);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
