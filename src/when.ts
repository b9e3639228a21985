// --since / --until: an ISO date or date-time, or a duration back from now (30m, 2h, 7d, 1w).
import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** RFC 3339 date-time (what Box's created_after/created_before take), without milliseconds. */
export function parseWhen(flag: string, text: string, now = Date.now()): string {
  const relative = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  const ms = relative ? now - Number(relative[1]) * UNITS[relative[2]!]! : Date.parse(text);
  if (!Number.isFinite(ms)) throw new UsageError(`${flag} "${text}" is neither a date nor a duration`, `for example ${flag} 2026-11-01, ${flag} 2026-11-01T08:00:00Z or ${flag} 7d`);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
