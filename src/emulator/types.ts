// The emulator's public shapes, apart from the server so the control API can name them without a
// circle back to index.ts.
import type { AsanaWebhooks, WebhookTimings } from './asana-webhooks.js';
import type { AsanaWorld } from './asana-world.js';
import type { BoxStream } from './box-world.js';
import type { FaultSpec } from './faults.js';
import type { OAuthEmulatorOptions, OAuthServer } from './oauth.js';
import type { RateLimiter, RateLimitSpec } from './rate-limit.js';

export interface EmulatorOptions {
  host?: string;
  port?: number;
  seed?: number;
  /** Bearer tokens accepted; undefined: any non-empty token. */
  accessTokens?: string[];
  /** Tokens allowed to read Asana workspace events; undefined: every accepted token. */
  workspaceEventsTokens?: string[];
  /** Tokens allowed to read Box enterprise streams; undefined: every accepted token. */
  boxAdminTokens?: string[];
  /**
   * Simulated activity on a timer (Asana workspace and both Box streams), or none. About one tick
   * in `projectChurnEvery` (default 15) also adds a project or archives one.
   */
  activity?: { intervalMs: number; projectChurnEvery?: number } | false;
  /** How long an Asana sync token stays valid (default 24 h). */
  tokenTtlMs?: number;
  now?: () => number;
  boxRealtime?: Partial<{ retryTimeoutS: number; maxRetries: number; ttlMinutes: number }>;
  /**
   * Per-token limits on API requests (not Box's realtime long poll): `requests` per `windowMs`
   * and `concurrency` in flight, over which the answer is 429. Default: 50 in flight (Asana's
   * limit), no request budget.
   */
  rateLimit?: RateLimitSpec;
  /** The token endpoints (Box CCG and JWT, Asana refresh) and the lifetime of issued tokens. */
  oauth?: OAuthEmulatorOptions;
  /** Stress mode: Box user-stream positions above 2^60, which JSON.parse rounds. Default: safe
   * integers like the spec's `1348790499819`, as real Box accounts have. */
  boxHugePositions?: boolean;
  /** Serve HTTPS with this certificate and key (PEM); the emulator's URLs then say https://. */
  tls?: { cert: string; key: string };
  /**
   * Asana webhooks' timings (batching, retries, deletion after failures, heartbeats), scaled down
   * for tests; the defaults are Asana's (retries for 24 h, a heartbeat every 8 h).
   */
  webhooks?: WebhookTimings;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Arrival time, ms since the epoch. */
  time: number;
  /** Status sent; 0 while pending or when the connection was dropped. */
  status: number;
  /**
   * Bytes of the body as sent, after compression (gzip or br when the request's Accept-Encoding
   * asked for it); 0 until the answer goes out. A truncate fault counts the half it sent.
   */
  bodyBytes: number;
}

export interface Emulator {
  url: string;
  asana: {
    world: AsanaWorld;
    workspaceGid: string;
    projectGids: string[];
    goalGids: string[];
    taskGids(projectGid: string): string[];
    appendEvents(gid: string, count: number): Array<Record<string, unknown>>;
    simulate(count: number): Array<Record<string, unknown>>;
    expireTokens(gid?: string): void;
    /** Teams of the workspace, for team:<gid> (the first is "Everyone", every project's default). */
    teamGids: string[];
    createProject(name: string, taskCount: number, teamGid?: string): string;
    /** Out of archived=false lists; its events stay readable, as in Asana. */
    archiveProject(gid: string): void;
    /** Out of every list; its events endpoint answers 404. */
    deleteProject(gid: string): void;
    /** The webhooks created through POST /webhooks, their deliveries and faults. */
    webhooks: AsanaWebhooks;
  };
  box: {
    appendEvents(count: number, stream?: BoxStream, eventType?: string): Array<Record<string, unknown>>;
    /** The position after the first `index` events of a stream, as a decimal string. */
    position(index: number, stream?: BoxStream): string;
    /** Long polls to the realtime server that carried an Authorization header (answered, ignored). */
    readonly realtimeAuthorized: number;
  };
  faults: { add(spec: FaultSpec): void; clear(): void; list(): FaultSpec[] };
  /** The per-token limits; `refused` counts the 429s they sent. */
  rateLimit: RateLimiter;
  /** The token endpoints: app credentials, issued tokens, every token request. */
  oauth: OAuthServer;
  requests: RequestRecord[];
  /** Requests that left the official specs (unknown parameters, opt_fields outside the enum). */
  violations: string[];
  readonly maxInFlight: number;
  close(): Promise<void>;
}
