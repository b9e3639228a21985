// --since / --until: an ISO date or date-time, or a duration back from now (30m, 2h, 7d, 1w).
import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** Box keeps enterprise events for at most a few years; ten is a generous, safe upper bound. */
const MAX_BACK_MS = 3653 * 86_400_000;
const EARLIEST = Date.parse('1970-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59Z');

/** RFC 3339 date-time (what Box's created_after/created_before take), without milliseconds. */
export function parseWhen(flag: string, text: string, now = Date.now()): string {
  const example = `for example ${flag} 2026-11-01, ${flag} 2026-11-01T08:00:00Z or ${flag} 7d`;
  const relative = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (relative && Number(relative[1]) * UNITS[relative[2]!]! > MAX_BACK_MS) {
    throw new UsageError(`${flag} must be a date or a duration of at most 3653d (10 years), not "${text}"`, example);
  }
  const ms = relative ? now - Number(relative[1]) * UNITS[relative[2]!]! : Date.parse(text);
  if (!Number.isFinite(ms) || ms < EARLIEST || ms > LATEST)
    throw new UsageError(`${flag} must be a date or a duration, not "${text}"`, example);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A window that ends before it starts can only ever be empty. */
export function checkWindow(since: string | undefined, until: string | undefined): void {
  if (since && until && Date.parse(since) >= Date.parse(until)) {
    throw new UsageError(
      `--since (${since}) must be before --until (${until})`,
      'swap them: --since is the older end of the window',
    );
  }
}
