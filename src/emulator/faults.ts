// Faults the real services produce, injected on demand: error statuses, rate limits, dropped
// connections, bodies cut short or dribbled out, garbage JSON, answers without a sync token,
// slow answers, sync tokens that expire mid-stream, and pages with a value nested 5,000 levels
// deep (valid JSON that no real event holds).
export type FaultKind = 'status' | '429' | 'reset' | 'hang' | 'truncate' | 'drip' | 'badjson' | 'nosync' | 'deep' | 'slow' | 'expire' | 'reconnect';

export const FAULT_KINDS: readonly FaultKind[] = ['status', '429', 'reset', 'hang', 'truncate', 'drip', 'badjson', 'nosync', 'deep', 'slow', 'expire', 'reconnect'];

export interface FaultSpec {
  kind: FaultKind;
  /** Applies to requests whose path contains this text; absent: every request. */
  path?: string;
  /** How many requests it hits (default 1). */
  times?: number;
  /** For `status`: the status code (default 500). */
  status?: number;
  /** For `429`: the Retry-After seconds (default 1). */
  retryAfter?: number;
  /** For `slow` and `drip`: milliseconds of delay (per chunk for `drip`). */
  delayMs?: number;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
}

export class Faults {
  readonly #active: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    if (!FAULT_KINDS.includes(spec.kind)) throw new Error(`unknown fault kind ${String(spec.kind)}; one of ${FAULT_KINDS.join(', ')}`);
    this.#active.push({ ...spec, remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.#active.length = 0;
  }

  list(): FaultSpec[] {
    return this.#active.map((f) => ({ ...f, times: f.remaining }));
  }

  /** The fault that hits this request, if any; each hit uses up one of its times. */
  take(path: string): FaultSpec | undefined {
    const fault = this.#active.find((f) => f.remaining > 0 && (f.path === undefined || path.includes(f.path)));
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining === 0) this.#active.splice(this.#active.indexOf(fault), 1);
    return fault;
  }
}
