// The ports of webhook wake-ups (issue 26). A webhook never carries what is printed: a verified
// delivery only says "read this subscription now", and the events API stays the record. The
// receiver (webhooks/receiver.ts) calls a WakePort; the lifecycle speaks to Asana through a
// WebhookApi (providers/asana/webhooks.ts), so the follow core knows neither HTTP nor Asana.
import { EventsError, ExitCode } from './errors.js';
import type { ProviderContext } from './provider.js';

/** What the receiver hears, by subscription key (the cursor's subscription); the lifecycle listens. */
export interface WakePort {
  /** A verified delivery with events: the subscription's next events request goes out at once. */
  onWake(subscriptionKey: string): void;
  /** Any verified delivery, heartbeats (no events) included: the webhook is alive. */
  onAlive(subscriptionKey: string): void;
}

/**
 * What the follow core hears from the webhook lifecycle (follow/wakes.ts implements it). How many
 * webhooks are live is a notice (webhooks-live) for the spinner and --verbose.
 */
export interface WakeTarget {
  /** Read this subscription now. */
  onWake(subscriptionKey: string): void;
  /** Its webhook is live (poll at --webhook-poll) or not (poll at --interval). */
  setLive(subscriptionKey: string, live: boolean): void;
}

/** A webhook as Asana describes it (WebhookResponse of the official spec, the fields we read). */
export interface Webhook {
  gid: string;
  /** The gid of the resource it watches. */
  resource: string;
  target: string;
  active: boolean;
  lastSuccessAt?: string;
  lastFailureAt?: string;
}

/** A created webhook and its secret: the X-Hook-Secret of the handshake, echoed in the answer. */
export interface CreatedWebhook {
  webhook: Webhook;
  /** Undefined when the answer did not repeat it (the handshake's copy is the one kept). */
  secret: string | undefined;
}

/** Asana's webhook endpoints, as the lifecycle needs them. */
export interface WebhookApi {
  /** POST /webhooks; the handshake reaches the target while this is in flight. */
  create(resource: string, target: string, ctx: ProviderContext): Promise<CreatedWebhook>;
  /** GET /webhooks/{gid}; undefined when Asana no longer has it (404). */
  get(gid: string, ctx: ProviderContext): Promise<Webhook | undefined>;
  /** DELETE /webhooks/{gid}; false when it was already gone (404). */
  delete(gid: string, ctx: ProviderContext): Promise<boolean>;
  /** GET /webhooks?workspace=[&resource=], every page. */
  list(workspace: string, ctx: ProviderContext, resource?: string): Promise<Webhook[]>;
}

/**
 * Asana refused the webhook's target (403: an unreachable or invalid host such as localhost), or
 * the target did not complete the handshake. The user's --webhook-url is wrong; the run goes on
 * polling, so the lifecycle reports it as one line rather than stopping. A usage error when it
 * ends a command (events webhooks …).
 */
export class WebhookTargetError extends EventsError {
  constructor(
    readonly target: string,
    message: string,
    hint = 'check --webhook-url: a public https URL that reaches --listen (a reverse proxy or a tunnel, docs/webhooks.md)',
  ) {
    super('usage', ExitCode.usage, message, hint);
  }
}
