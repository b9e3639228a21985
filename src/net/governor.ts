// One rate governor per access token and host, shared by every subscription of the process.
// A token bucket that starts at the vendor's documented budget and learns the real one from 429s
// (AIMD, as TCP and the AWS SDK's adaptive retry mode do). Multiplicative decrease: on a 429
// episode the rate drops to what the server admitted over the last minute, spread over that time
// plus the Retry-After, times a safety factor, but by at most half and at least 15% per episode,
// so a storm of refusals cannot ratchet it to nothing. Additive increase while requests wait and
// no 429 comes: fast (1/120 of the starting rate per second) back up to 85% of the knee, the
// rate at which the last 429 came, then slowly; five minutes without a 429 forget the
// knee, and the rate climbs fast to the documented budget again. It also keeps an in-flight
// window under the vendor's cap and serves waiting subscriptions round-robin, so one subscription
// draining a backlog gets its share of the budget, not all of it. Pure logic: the clock and timers are
// injected, so tests run it in virtual time.
import type { RateBasis, Reporter } from '../core/notice.js';
export { parseRate, RATE_BOUNDS } from '../core/rate.js';

export interface GovernorClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const realClock: GovernorClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface GovernorOptions {
  /** For messages: "Asana", "Box". */
  vendor: string;
  /** The starting rate, requests per minute: the documented paid budget, or --rate. */
  ratePerMin: number;
  /** --rate: keep this rate; a 429 still pauses, but teaches nothing. */
  pinned?: boolean;
  /** Requests in flight at once (Asana allows 50 per token). */
  maxInFlight?: number;
  clock?: GovernorClock;
  /** Hears the 429 episodes and the stretch (output/notices.ts words them). */
  reporter?: Reporter;
}

/** Documented budgets per token: Asana 1500/min on paid plans, Box about 1000/min per user. */
export const DOCUMENTED_RATE_PER_MIN = { asana: 1500, box: 1000 } as const;

/** A Retry-After of 0, a past date or none at all still waits this long: never a tight loop. */
export const MIN_PAUSE_MS = 1000;
/** A Retry-After beyond this (a server's mistake, or a date years ahead) waits this long. */
export const MAX_PAUSE_MS = 15 * 60_000;
/** The new rate is this share of what the server admitted: room for other clients and jitter. */
const SAFETY = 0.9;
/** How far back the admitted requests are counted (Asana's budget is per minute). */
const LOOKBACK_MS = 60_000;
/** Fewer admitted requests than this say nothing about the budget: cut multiplicatively instead. */
const MIN_SAMPLE = 10;
const BLIND_CUT = 0.7;
/** One episode cuts the rate to between these shares of what it was: never more than half. */
const DEEPEST_CUT = 0.5;
const SHALLOWEST_CUT = 0.85;
/** The window a vendor counts its budget in (Asana: per minute). */
const WINDOW_MS = 60_000;
/**
 * A burst may use this much of the window's budget at once: a drain after a weekend, or a --once
 * run over many projects, needs no wait while the minute's budget lasts. The sliding window below
 * keeps a whole minute within the budget all the same.
 */
const BURST_MS = 0.9 * WINDOW_MS;
/** After a 429 that came before the window's budget was used, bursts shrink to a second's worth. */
const SHORT_BURST_MS = 1000;
/**
 * Recovery: the rate grows by this share of the starting rate per second spent waiting (from
 * 1500/min: 12.5/min more each second, the whole way in two minutes), up to where the shallowest
 * cut would have left it: SHALLOWEST_CUT times the knee. An ordinary episode is followed by slow
 * probing only, so a follow that needs more than the budget meets a 429 about every 90 s, not
 * every few seconds; a deep cut (a storm, a long Retry-After) is made good fast.
 */
const FAST_PER_S = 1 / 120;
/** Probing beyond the knee, where the last 429 came: slowly (from 1500/min: 1.5/min per second). */
const PROBE_PER_S = 0.001;
/** A knee this old is forgotten: the budget may have grown, or the storm was someone else's. */
const FORGET_MS = 5 * 60_000;
/** Never below this (requests per minute), whatever the 429s say: a stuck tail helps no one. */
const FLOOR_PER_MIN = 6;
/**
 * The in-flight window: enough requests in flight to send WINDOW_RATES times the rate at the
 * measured round trip, and at least MIN_WINDOW. Every request in flight when a budget runs out is
 * refused with it, so a window as wide as the vendor's cap (50) turned one 429 into fifty; a
 * burst still goes at four times the rate or faster (100 a second from 1500/min).
 */
const WINDOW_RATES = 4;
const MIN_WINDOW = 4;
/** The round trip is a moving average: each answer moves it by this share (TCP's SRTT uses 1/8). */
const RTT_GAIN = 1 / 8;
/** The stretch message waits until the rate has held this long, and repeats only on a big change. */
const SETTLE_MS = 10_000;
const BIG_CHANGE = 1.5;
/** Demand up to this share of the rate stretches the interval too little to be worth a line. */
const STRETCH_TOLERANCE = 1.05;

export interface Ticket {
  readonly sentAt: number;
}

/** What came back: an HTTP status (0 when no answer came) and the parsed Retry-After. */
export interface Outcome {
  status: number;
  retryAfterMs?: number;
}

interface Waiter {
  grant(ticket: Ticket): void;
}

export class Governor {
  readonly vendor: string;
  readonly #clock: GovernorClock;
  readonly #maxInFlight: number;
  readonly #ceiling: number; // per ms
  readonly #pinned: boolean;
  #reporter: Reporter | undefined;
  #rate: number; // per ms
  #tokens: number;
  #lastRefill: number;
  #busySince: number | undefined;
  #pausedUntil = 0;
  #inFlight = 0;
  /** Smoothed time from grant to answer, ms; undefined until the first answer. */
  #rttMs: number | undefined;
  #lastCutAt = -Infinity;
  /** When the last 429 came (any, not only an episode's first). */
  #lastLimitedAt = -Infinity;
  /** The rate at which the last episode began; undefined: none in the last FORGET_MS. */
  #knee: number | undefined;
  #rateSetAt: number;
  /** Send times of requests the server admitted, oldest first, at most LOOKBACK_MS old. */
  #admitted: number[] = [];
  #admittedHead = 0;
  /** Grant times over the last WINDOW_MS, oldest first: no minute ever goes past its budget. */
  #granted: number[] = [];
  #grantedHead = 0;
  /** How many milliseconds' worth of the rate one burst may take. */
  #burstMs: number;
  /** Whether a 429 has taught the rate (false: still the documented budget, or --rate). */
  #learned = false;
  /** Each subscription's own queue; the Map's order is the round-robin ring. */
  readonly #queues = new Map<string, Waiter[]>();
  /** Keys served ahead of the ring when they wait (serveFirst). */
  readonly #first = new Set<string>();
  #timer: unknown;
  #timerAt = Infinity;
  #demand: { subscriptions: () => number; intervalMs: number } | undefined;
  #toldRate: number | undefined;
  readonly stats = { granted: 0, limited: 0, episodes: 0 };

  constructor(options: GovernorOptions) {
    this.vendor = options.vendor;
    this.#clock = options.clock ?? realClock;
    this.#maxInFlight = options.maxInFlight ?? 50;
    this.#rate = options.ratePerMin / 60_000;
    this.#ceiling = this.#rate;
    this.#pinned = options.pinned ?? false;
    // --rate is a pace to keep, smoothly: a second's worth at most.
    this.#burstMs = this.#pinned ? SHORT_BURST_MS : BURST_MS;
    this.#reporter = options.reporter;
    this.#lastRefill = this.#clock.now();
    this.#rateSetAt = this.#lastRefill;
    this.#tokens = this.#capacity();
  }

  set reporter(reporter: Reporter | undefined) {
    this.#reporter = reporter;
  }

  /** Requests per minute it sends at now. */
  get ratePerMin(): number {
    return this.#rate * 60_000;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** How many subscriptions poll at which interval (a count that may change): for the stretch message. */
  setDemand(subscriptions: number | (() => number), intervalMs: number): void {
    this.#demand = {
      subscriptions: typeof subscriptions === 'number' ? () => subscriptions : subscriptions,
      intervalMs,
    };
  }

  /**
   * Requests of `key` are granted before the round-robin ring whenever they wait. For traffic that
   * takes load off the budget and is small by itself: each webhook made ends a subscription's
   * polling, and the lifecycle keeps two requests in flight at most; behind a ring of 1,000
   * polling subscriptions it got one slot per round, a few webhooks a minute.
   */
  serveFirst(key: string): void {
    this.#first.add(key);
  }

  /** Waits for a slot: a token from the bucket, no pause in force, room under the in-flight cap. */
  acquire(key: string, signal?: AbortSignal): Promise<Ticket> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Ticket>((resolve, reject) => {
      const onAbort = (): void => {
        const queue = this.#queues.get(key);
        const at = queue?.indexOf(waiter) ?? -1;
        if (queue && at >= 0) {
          queue.splice(at, 1);
          if (!queue.length) this.#queues.delete(key);
        }
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: (ticket) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(ticket);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.#queues.size === 0) this.#busySince = this.#clock.now();
      const queue = this.#queues.get(key);
      if (queue) queue.push(waiter);
      else this.#queues.set(key, [waiter]);
      this.#pump();
    });
  }

  /** Ends a request: frees its in-flight place and learns from the answer. */
  release(ticket: Ticket, outcome: Outcome): void {
    this.#inFlight--;
    if (outcome.status > 0) {
      const rtt = Math.max(0, this.#clock.now() - ticket.sentAt);
      this.#rttMs = this.#rttMs === undefined ? rtt : this.#rttMs + RTT_GAIN * (rtt - this.#rttMs);
    }
    if (outcome.status === 429) this.#limited(ticket, outcome.retryAfterMs);
    else if (outcome.status > 0) this.#admit(ticket.sentAt);
    this.#pump();
  }

  /** acquire, send, release: the whole life of one request. */
  async send<T extends { status: number; headers: Record<string, string | string[] | undefined> }>(
    key: string,
    signal: AbortSignal | undefined,
    request: () => Promise<T>,
    retryAfter: (res: T) => number | undefined,
  ): Promise<T> {
    const ticket = await this.acquire(key, signal);
    const outcome: Outcome = { status: 0 };
    try {
      const res = await request();
      outcome.status = res.status;
      if (res.status === 429) outcome.retryAfterMs = retryAfter(res);
      return res;
    } finally {
      this.release(ticket, outcome);
    }
  }

  // The gate interface withRetry uses: a 429 pauses every subscription of the token.
  pauseFor(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + clampPause(ms));
  }

  remainingMs(): number {
    return Math.max(0, this.#pausedUntil - this.#clock.now());
  }

  /** Resolves when no pause is in force (acquire waits for it too). */
  wait(signal?: AbortSignal): Promise<void> {
    const left = this.remainingMs();
    if (left === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#clock.clearTimer(timer);
        reject(signal?.reason);
      };
      const timer = this.#clock.setTimer(() => {
        signal?.removeEventListener('abort', onAbort);
        this.wait(signal).then(resolve, reject);
      }, left);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Grants slots while it can, round-robin; otherwise sets the one timer for when it can next. */
  #pump(): void {
    while (this.#queues.size > 0) {
      if (this.#inFlight >= this.#window()) return; // release() pumps again
      const now = this.#clock.now();
      if (now < this.#pausedUntil) return this.#wakeAt(this.#pausedUntil);
      this.#refill(now);
      if (this.#tokens < 1) {
        this.#tellStretch(now);
        return this.#wakeAt(now + Math.ceil((1 - this.#tokens) / this.#rate));
      }
      const full = this.#windowFullUntil(now);
      if (full !== undefined) return this.#wakeAt(full);
      this.#tokens -= 1;
      this.#granted.push(now);
      const [key, queue] = this.#next();
      const waiter = queue.shift()!;
      // The subscription goes to the back of the ring, behind everyone else waiting.
      this.#queues.delete(key);
      if (queue.length) this.#queues.set(key, queue);
      else this.#busySince = this.#queues.size ? this.#busySince : undefined;
      this.#inFlight++;
      this.stats.granted++;
      waiter.grant({ sentAt: now });
    }
  }

  /** The queue to serve next: a serveFirst key that waits, else the head of the ring. */
  #next(): [string, Waiter[]] {
    for (const key of this.#first) {
      const queue = this.#queues.get(key);
      if (queue) return [key, queue];
    }
    return this.#queues.entries().next().value as [string, Waiter[]];
  }

  /** How many requests may be in flight now (see WINDOW_RATES). */
  #window(): number {
    const wanted = Math.ceil(WINDOW_RATES * this.#rate * (this.#rttMs ?? 0));
    return Math.min(this.#maxInFlight, Math.max(MIN_WINDOW, wanted));
  }

  #refill(now: number): void {
    const dt = Math.max(0, now - this.#lastRefill);
    // Climb only for time spent with requests waiting: an idle token proves nothing.
    if (!this.#pinned && this.#busySince !== undefined && this.#rate < this.#ceiling) {
      const busy = Math.max(0, now - Math.max(this.#lastRefill, this.#busySince, this.#pausedUntil));
      this.#increase(busy, now);
    }
    // No saving up while the minute is full: a full bucket would burst again the moment the
    // opening burst leaves the window, and a long drain would come in minute-sized waves.
    if (this.#windowFullUntil(now) === undefined)
      this.#tokens = Math.min(this.#capacity(), this.#tokens + dt * this.#rate);
    this.#lastRefill = now;
  }

  /** Additive increase for `busyMs` of waiting: fast below the knee, slow beyond it. */
  #increase(busyMs: number, now: number): void {
    if (this.#knee !== undefined && now - this.#lastLimitedAt >= FORGET_MS) this.#knee = undefined;
    const ceiling = this.#ceiling;
    const fastUntil = this.#knee === undefined ? ceiling : Math.min(ceiling, SHALLOWEST_CUT * this.#knee);
    const fast = (ceiling * FAST_PER_S) / 1000; // per ms of waiting
    let left = busyMs;
    if (this.#rate < fastUntil) {
      const spent = Math.min(left, (fastUntil - this.#rate) / fast);
      this.#rate = Math.min(fastUntil, this.#rate + fast * spent);
      left -= spent;
    }
    this.#rate = Math.min(ceiling, this.#rate + (ceiling * PROBE_PER_S * left) / 1000);
    // Back at the documented budget with no knee left: nothing learned stands any more.
    if (this.#rate >= ceiling && this.#knee === undefined) this.#learned = false;
  }

  /** A burst of at most #burstMs' worth (and at least one request). */
  #capacity(): number {
    return Math.max(1, this.#rate * this.#burstMs);
  }

  /** When the last WINDOW_MS already hold the window's budget: the time a place frees up. */
  #windowFullUntil(now: number): number | undefined {
    while (this.#grantedHead < this.#granted.length && this.#granted[this.#grantedHead]! <= now - WINDOW_MS)
      this.#grantedHead++;
    if (this.#grantedHead > 1024 && this.#grantedHead * 2 > this.#granted.length) {
      this.#granted = this.#granted.slice(this.#grantedHead);
      this.#grantedHead = 0;
    }
    const budget = Math.max(1, Math.floor(this.#rate * WINDOW_MS));
    if (this.#granted.length - this.#grantedHead < budget) return undefined;
    return this.#granted[this.#granted.length - budget]! + WINDOW_MS + 1;
  }

  #wakeAt(at: number): void {
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimer(
      () => {
        this.#timer = undefined;
        this.#timerAt = Infinity;
        this.#pump();
      },
      Math.max(1, at - this.#clock.now()),
    );
  }

  #admit(sentAt: number): void {
    this.#admitted.push(sentAt);
    this.#prune(this.#clock.now());
  }

  #prune(now: number): void {
    while (this.#admittedHead < this.#admitted.length && this.#admitted[this.#admittedHead]! < now - LOOKBACK_MS)
      this.#admittedHead++;
    if (this.#admittedHead > 1024 && this.#admittedHead * 2 > this.#admitted.length) {
      this.#admitted = this.#admitted.slice(this.#admittedHead);
      this.#admittedHead = 0;
    }
  }

  #limited(ticket: Ticket, retryAfterMs: number | undefined): void {
    const now = this.#clock.now();
    const waitMs = clampPause(retryAfterMs ?? 0);
    this.stats.limited++;
    this.#lastLimitedAt = now;
    this.pauseFor(waitMs);
    // A request sent before the last cut belongs to that episode: it was too early, not new news.
    if (ticket.sentAt <= this.#lastCutAt) return;
    this.#lastCutAt = now;
    this.stats.episodes++;
    this.#tokens = 0;
    // Refused before this minute's budget was used: the server counts over a shorter window (or
    // another client shares the token), so a big burst would only be refused again.
    this.#windowFullUntil(now);
    if (this.#granted.length - this.#grantedHead < SAFETY * this.#rate * WINDOW_MS) this.#burstMs = SHORT_BURST_MS;
    const before = this.ratePerMin;
    if (!this.#pinned) {
      this.#prune(now);
      const admitted = this.#admitted.length - this.#admittedHead;
      let aim: number;
      if (admitted >= MIN_SAMPLE) {
        // The server took `admitted` requests over their span and wants `waitMs` more before the
        // next: that is its budget for this token, as far as this process can tell.
        const span = Math.max(1000, now - this.#admitted[this.#admittedHead]!);
        aim = (SAFETY * admitted) / (span + waitMs);
      } else {
        aim = this.#rate * BLIND_CUT;
      }
      // After a pause few requests were admitted, so `aim` alone would fall further each episode.
      const next = Math.min(SHALLOWEST_CUT * this.#rate, Math.max(DEEPEST_CUT * this.#rate, aim));
      this.#knee = this.#rate;
      this.#rate = Math.max(FLOOR_PER_MIN / 60_000, next);
      this.#rateSetAt = now;
      this.#learned = true;
    }
    const after = this.ratePerMin;
    this.#reporter?.notice({
      kind: 'rate-limited',
      vendor: this.vendor,
      retryAfterMs: waitMs,
      slowedToPerMin: !this.#pinned && after < before ? after : undefined,
      pinned: this.#pinned,
    });
  }

  /** Says once (and again after a big change) that the subscriptions need more than the budget. */
  #tellStretch(now: number): void {
    const demand = this.#demand;
    if (!demand || !this.#reporter || now - this.#rateSetAt < SETTLE_MS) return;
    const rate = this.ratePerMin;
    const subscriptions = demand.subscriptions();
    const needed = (subscriptions * 60_000) / demand.intervalMs;
    // Within a few percent the interval barely moves: "need 800/min; allows about 800/min" is noise.
    if (subscriptions <= 0 || needed <= rate * STRETCH_TOLERANCE) return;
    const told = this.#toldRate;
    if (told !== undefined && Math.max(told, rate) / Math.min(told, rate) < BIG_CHANGE) return;
    this.#toldRate = rate;
    const basis: RateBasis = this.#pinned ? 'pinned' : this.#learned ? 'learned' : 'documented';
    this.#reporter.notice({ kind: 'stretched', subscriptions, intervalMs: demand.intervalMs, ratePerMin: rate, basis });
  }
}

function clampPause(ms: number): number {
  return Number.isFinite(ms) ? Math.min(MAX_PAUSE_MS, Math.max(MIN_PAUSE_MS, ms)) : MIN_PAUSE_MS;
}
