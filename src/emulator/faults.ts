// Faults the real services produce, injected on demand: error statuses, rate limits, dropped
// connections, bodies cut short or dribbled out, garbage JSON, answers without a sync token,
// slow answers, sync tokens that expire mid-stream, pages with a value nested 5,000 levels deep
// (valid JSON that no real event holds); and what a network in between produces: a proxy's web
// page (html) and an answer that never ends (endless: 200, JSON that grows forever); and hostile
// pages, whole answers with one field broken (hostile-pages.ts).
import { HOSTILE_KINDS, type HostileKind } from './hostile-pages.js';

export type FaultKind =
  | 'status'
  | '429'
  | 'reset'
  | 'hang'
  | 'truncate'
  | 'drip'
  | 'badjson'
  | 'nosync'
  | 'deep'
  | 'slow'
  | 'expire'
  | 'reconnect'
  | 'html'
  | 'endless'
  | HostileKind;

export const FAULT_KINDS: readonly FaultKind[] = [
  'status',
  '429',
  'reset',
  'hang',
  'truncate',
  'drip',
  'badjson',
  'nosync',
  'deep',
  'slow',
  'expire',
  'reconnect',
  'html',
  'endless',
  ...HOSTILE_KINDS,
];

export interface FaultSpec {
  kind: FaultKind;
  /** Applies to requests whose path contains this text; absent: every request. */
  path?: string;
  /** How many requests it hits (default 1). */
  times?: number;
  /** How many matching requests it lets pass first (default 0): a fault in the middle of a run. */
  after?: number;
  /** For `status`: the status code (default 500). */
  status?: number;
  /** For `429`: the Retry-After seconds (default 1). */
  retryAfter?: number;
  /** For `slow` and `drip`: milliseconds of delay (per chunk for `drip`). */
  delayMs?: number;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
  passed: number;
}

export class Faults {
  readonly #active: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    if (!FAULT_KINDS.includes(spec.kind))
      throw new Error(`unknown fault kind ${String(spec.kind)}; one of ${FAULT_KINDS.join(', ')}`);
    this.#active.push({ ...spec, remaining: spec.times ?? 1, passed: 0 });
  }

  clear(): void {
    this.#active.length = 0;
  }

  list(): FaultSpec[] {
    return this.#active.map(({ remaining, passed, ...f }) => ({
      ...f,
      times: remaining,
      ...(f.after ? { after: Math.max(0, f.after - passed) } : {}),
    }));
  }

  /** The fault that hits this request, if any; each hit uses up one of its times. */
  take(path: string): FaultSpec | undefined {
    for (const fault of this.#active) {
      if (fault.remaining <= 0 || (fault.path !== undefined && !path.includes(fault.path))) continue;
      if (fault.passed < (fault.after ?? 0)) {
        fault.passed++;
        continue;
      }
      fault.remaining--;
      if (fault.remaining === 0) this.#active.splice(this.#active.indexOf(fault), 1);
      return fault;
    }
    return undefined;
  }
}
