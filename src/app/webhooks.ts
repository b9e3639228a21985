// The seam between the subscription set and the webhook lifecycle (issue 26): every Asana
// resource followed gets a webhook, one that leaves for good (its project archived, deleted or
// moved out of a listing; a 404) has it deleted. A stop deletes nothing: the next run reuses it.
// Workspaces (workspace:<gid>) and Box streams have no webhook and keep polling.
import type { SubscriptionWatcher } from '../follow/subscription-set.js';
import type { Subscription } from '../follow/loop.js';
import type { WebhookLifecycle, WebhookSubscription } from '../webhooks/lifecycle.js';

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
