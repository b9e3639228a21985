// The emulated Asana's side of webhooks once they exist: the handshake POST, and deliveries of
// new events to the target, as Asana's guide describes them. Events are batched (a short window),
// compact (gids and types, no names), signed with the webhook's secret (X-Hook-Signature: hex
// HMAC-SHA256 of the body bytes), sent one delivery at a time per webhook, retried with
// exponential backoff while the target fails, and the webhook is deleted once the target has
// failed for `deleteAfterMs`. A heartbeat ({"events":[]}) goes out every `heartbeatMs`. Faults
// from the control API act on the next deliveries: drop (lost, as "at most once" allows), delay,
// duplicate, a wrong signature; a replay re-sends the last delivery as it was.
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

export interface WebhookTimings {
  /** How long new events are collected before one delivery goes out (default 50 ms). */
  batchMs?: number;
  /** Events per delivery at most (default 100). */
  batchSize?: number;
  /** The first retry after a failed delivery; each next one waits twice as long (default 1 s). */
  retryBaseMs?: number;
  /** The longest wait between retries (default 10 min). */
  retryCapMs?: number;
  /** A target failing this long loses its webhook, as at Asana (default 24 h). */
  deleteAfterMs?: number;
  /** A heartbeat delivery with no events this often (default 8 h, Asana's period). */
  heartbeatMs?: number;
  /** An answer slower than this is a failure (default 10 s, as at Asana). */
  timeoutMs?: number;
  /** Extra CA certificates (PEM) to trust for https targets: a receiver with a test certificate. */
  ca?: string;
}

export const WEBHOOK_FAULT_KINDS = ['drop', 'delay', 'duplicate', 'bad-signature'] as const;
export type WebhookFaultKind = (typeof WEBHOOK_FAULT_KINDS)[number];

export interface WebhookFault {
  kind: WebhookFaultKind;
  /** Only this webhook's deliveries; undefined: any webhook. */
  webhook?: string;
  /** How many deliveries it acts on (default 1). */
  times?: number;
  /** For delay. */
  delayMs?: number;
}

export interface DeliveryRecord {
  webhook: string;
  kind: 'handshake' | 'delivery' | 'heartbeat' | 'duplicate' | 'replay';
  time: number;
  events: number;
  /** The target's status; 0 when no answer came (refused, timed out) or nothing was sent (drop). */
  status: number;
  fault?: WebhookFaultKind;
}

/** What the delivery engine needs of a webhook (asana-webhooks.ts owns the rest). */
export interface DeliveryTarget {
  gid: string;
  target: string;
  secret: string;
  active: boolean;
  deleted: boolean;
  lastSuccessAt: number | undefined;
  lastFailureAt: number | undefined;
  lastFailureContent: string | undefined;
  retryCount: number;
  nextAttemptAt: number | undefined;
  /** Since when every delivery failed; undefined after a success. */
  failingSince: number | undefined;
}

interface Queue {
  pending: Array<Record<string, unknown>>;
  /** The batch that failed, sent again before anything newer. */
  retrying: { events: Array<Record<string, unknown>> } | undefined;
  heartbeatDue: boolean;
  inFlight: boolean;
  timer: NodeJS.Timeout | undefined;
  heartbeat: NodeJS.Timeout | undefined;
  last: { body: string; signature: string } | undefined;
}

const DEFAULTS = {
  batchMs: 50,
  batchSize: 100,
  retryBaseMs: 1000,
  retryCapMs: 10 * 60_000,
  deleteAfterMs: 24 * 3600_000,
  heartbeatMs: 8 * 3600_000,
  timeoutMs: 10_000,
};

export class WebhookDeliveries {
  readonly records: DeliveryRecord[] = [];
  readonly #timings: typeof DEFAULTS & { ca?: string };
  readonly #now: () => number;
  readonly #queues = new Map<DeliveryTarget, Queue>();
  readonly #faults: WebhookFault[] = [];
  readonly #onFailedTooLong: (webhook: DeliveryTarget) => void;
  readonly #agents = { http: new http.Agent({ keepAlive: true }), https: undefined as https.Agent | undefined };
  readonly #requests = new Set<http.ClientRequest>();
  #closed = false;

  constructor(timings: WebhookTimings, now: () => number, onFailedTooLong: (webhook: DeliveryTarget) => void) {
    this.#timings = { ...DEFAULTS, ...timings };
    this.#now = now;
    this.#onFailedTooLong = onFailedTooLong;
    this.#agents.https = new https.Agent({ keepAlive: true, ...(timings.ca ? { ca: timings.ca } : {}) });
  }

  /**
   * The handshake: a POST to the target with a fresh X-Hook-Secret; the secret when the target
   * echoed it with a 200 or 204, else undefined (the creation then fails).
   */
  async handshake(gid: string, target: string): Promise<string | undefined> {
    const secret = randomBytes(32).toString('hex');
    const answer = await this.#post(target, '', { 'x-hook-secret': secret });
    this.records.push({ webhook: gid, kind: 'handshake', time: this.#now(), events: 0, status: answer.status });
    const echoed = answer.headers['x-hook-secret'];
    return (answer.status === 200 || answer.status === 204) && echoed === secret ? secret : undefined;
  }

  /** Starts delivering (and heartbeats) for a webhook that passed its handshake. */
  start(webhook: DeliveryTarget): void {
    const queue: Queue = {
      pending: [],
      retrying: undefined,
      heartbeatDue: false,
      inFlight: false,
      timer: undefined,
      heartbeat: undefined,
      last: undefined,
    };
    queue.heartbeat = setInterval(() => this.heartbeat(webhook), this.#timings.heartbeatMs);
    queue.heartbeat.unref();
    this.#queues.set(webhook, queue);
  }

  stop(webhook: DeliveryTarget): void {
    const queue = this.#queues.get(webhook);
    if (!queue) return;
    clearTimeout(queue.timer);
    clearInterval(queue.heartbeat);
    this.#queues.delete(webhook);
  }

  /** A new event on the webhook's resource (or below it). */
  enqueue(webhook: DeliveryTarget, event: Record<string, unknown>): void {
    const queue = this.#queues.get(webhook);
    if (!queue || !webhook.active) return;
    queue.pending.push(event);
    this.#schedule(webhook, queue, this.#timings.batchMs);
  }

  /** A heartbeat now (the timer's, or the control API's), unless a delivery is under way. */
  heartbeat(webhook: DeliveryTarget): void {
    const queue = this.#queues.get(webhook);
    if (!queue || !webhook.active || queue.retrying || queue.pending.length) return;
    queue.heartbeatDue = true;
    this.#schedule(webhook, queue, 0);
  }

  /** Sends the last delivery again, body and signature as they were: what an attacker could replay. */
  async replay(webhook: DeliveryTarget): Promise<DeliveryRecord | undefined> {
    const last = this.#queues.get(webhook)?.last;
    if (!last) return undefined;
    const answer = await this.#post(webhook.target, last.body, this.#headers(last.signature));
    return this.#record(webhook, 'replay', countEvents(last.body), answer.status);
  }

  addFault(fault: WebhookFault): void {
    this.#faults.push({ ...fault, times: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  get faults(): WebhookFault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  pendingOf(webhook: DeliveryTarget): number {
    const queue = this.#queues.get(webhook);
    return (queue?.pending.length ?? 0) + (queue?.retrying?.events.length ?? 0);
  }

  close(): void {
    this.#closed = true;
    for (const webhook of [...this.#queues.keys()]) this.stop(webhook);
    for (const req of this.#requests) req.destroy();
    this.#agents.http.destroy();
    this.#agents.https?.destroy();
  }

  #schedule(webhook: DeliveryTarget, queue: Queue, delayMs: number): void {
    if (queue.timer || queue.inFlight) return;
    queue.timer = setTimeout(() => {
      queue.timer = undefined;
      void this.#attempt(webhook, queue);
    }, delayMs);
    queue.timer.unref();
  }

  async #attempt(webhook: DeliveryTarget, queue: Queue): Promise<void> {
    if (!webhook.active || webhook.deleted || queue.inFlight || this.#queues.get(webhook) !== queue) return;
    const batch = queue.retrying ?? { events: queue.pending.splice(0, this.#timings.batchSize) };
    const heartbeat = batch.events.length === 0;
    if (heartbeat && !queue.heartbeatDue) return;
    queue.heartbeatDue = false;
    queue.inFlight = true;
    const kind = heartbeat ? 'heartbeat' : 'delivery';
    const fault = this.#takeFault(webhook.gid);
    const body = JSON.stringify({ events: batch.events });
    let status = 0;
    if (fault?.kind === 'drop') {
      // Lost on Asana's side: nothing is sent, and nothing will be (at most once).
      this.#record(webhook, kind, batch.events.length, 0, 'drop');
      queue.retrying = undefined;
      status = 200;
    } else {
      if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 1000));
      if (this.#closed) return;
      const good = sign(webhook.secret, body);
      const signature = fault?.kind === 'bad-signature' ? sign(`${webhook.secret}-not`, body) : good;
      const answer = await this.#post(webhook.target, body, this.#headers(signature));
      status = answer.status;
      this.#record(webhook, kind, batch.events.length, status, fault?.kind);
      if (fault?.kind === 'duplicate') {
        const again = await this.#post(webhook.target, body, this.#headers(signature));
        this.#record(webhook, 'duplicate', batch.events.length, again.status, 'duplicate');
      }
      if (ok(status)) {
        queue.last = { body, signature: good };
        queue.retrying = undefined;
      } else {
        webhook.lastFailureContent = answer.status ? `${answer.status} ${answer.reason}` : answer.reason;
      }
    }
    queue.inFlight = false;
    if (webhook.deleted || this.#queues.get(webhook) !== queue) return;
    const now = this.#now();
    if (ok(status)) {
      webhook.lastSuccessAt = now;
      webhook.retryCount = 0;
      webhook.nextAttemptAt = undefined;
      webhook.failingSince = undefined;
      if (queue.pending.length) this.#schedule(webhook, queue, this.#timings.batchMs);
      return;
    }
    webhook.lastFailureAt = now;
    webhook.failingSince ??= now;
    if (now - webhook.failingSince >= this.#timings.deleteAfterMs) return this.#onFailedTooLong(webhook);
    queue.retrying = batch;
    queue.heartbeatDue = heartbeat;
    const waitMs = Math.min(this.#timings.retryCapMs, this.#timings.retryBaseMs * 2 ** webhook.retryCount);
    webhook.retryCount++;
    webhook.nextAttemptAt = now + waitMs;
    this.#schedule(webhook, queue, waitMs);
  }

  #takeFault(gid: string): WebhookFault | undefined {
    const index = this.#faults.findIndex((f) => f.webhook === undefined || f.webhook === gid);
    if (index < 0) return undefined;
    const fault = this.#faults[index]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  #headers(signature: string): Record<string, string> {
    return { 'content-type': 'application/json; charset=UTF-8', 'x-hook-signature': signature };
  }

  #record(
    webhook: DeliveryTarget,
    kind: DeliveryRecord['kind'],
    events: number,
    status: number,
    fault?: WebhookFaultKind,
  ): DeliveryRecord {
    const record: DeliveryRecord = { webhook: webhook.gid, kind, time: this.#now(), events, status };
    if (fault) record.fault = fault;
    this.records.push(record);
    if (this.records.length > 100_000) this.records.splice(0, 50_000);
    return record;
  }

  /** One POST; never throws: no answer is status 0 with the reason. */
  #post(
    target: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; reason: string; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve) => {
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        return resolve({ status: 0, reason: 'not a URL', headers: {} });
      }
      const secure = url.protocol === 'https:';
      const send = secure ? https.request : http.request;
      const req = send(url, {
        method: 'POST',
        agent: secure ? this.#agents.https : this.#agents.http,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Asana' },
        timeout: this.#timings.timeoutMs,
      });
      this.#requests.add(req);
      const done = (value: { status: number; reason: string; headers: http.IncomingHttpHeaders }): void => {
        this.#requests.delete(req);
        resolve(value);
      };
      req.on('response', (res) => {
        res.resume();
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', headers: res.headers }),
        );
        res.on('error', () => done({ status: 0, reason: 'the answer was cut off', headers: {} }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#timings.timeoutMs} ms`)));
      req.on('error', (error) => done({ status: 0, reason: error.message, headers: {} }));
      req.end(body);
    });
  }
}

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function ok(status: number): boolean {
  return status >= 200 && status < 300;
}

function countEvents(body: string): number {
  try {
    return ((JSON.parse(body) as { events?: unknown[] }).events ?? []).length;
  } catch {
    return 0;
  }
}
