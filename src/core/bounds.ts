// Every number a user can give, from a flag or from config.json, with its range: one table, so
// both sources accept the same values and say the same thing about a bad one. The upper bounds
// keep timers below Node's 2^31 ms limit (a longer delay fires at once) and counts in int32.
import { UsageError } from './errors.js';

export interface Bound {
  /** What the value is, for "must be …": "a number of seconds". */
  what: string;
  min: number;
  max: number;
  /** Whole numbers only. */
  integer?: boolean;
  /** A good value for the "for example" hint. */
  example: string;
}

export const BOUNDS = {
  interval: { what: 'a number of seconds', min: 0.1, max: 86_400, example: '5' },
  timeout: { what: 'a number of seconds', min: 1, max: 3_600, example: '30' },
  giveUp: { what: 'a number of seconds', min: 0, max: 86_400, example: '120' },
  waitLock: { what: 'a number of seconds', min: 0, max: 86_400, example: '60' },
  relist: { what: 'a number of seconds', min: 1, max: 86_400, example: '600' },
  webhookPoll: { what: 'a number of seconds', min: 1, max: 86_400, example: '300' },
  maxEvents: { what: 'a whole number', min: 1, max: 2 ** 31 - 1, integer: true, example: '100' },
  retryBaseMs: { what: 'a whole number of milliseconds', min: 1, max: 60_000, integer: true, example: '1000' },
  retryCapMs: { what: 'a whole number of milliseconds', min: 1, max: 3_600_000, integer: true, example: '30000' },
  port: { what: 'a port number', min: 0, max: 65_535, integer: true, example: '4010' },
  activityMs: { what: 'a number of milliseconds (0: none)', min: 0, max: 86_400_000, example: '2000' },
  maxAnswerSize: {
    what: 'a size in bytes (or with KiB, MiB, GiB)',
    min: 2 ** 20,
    max: 2 ** 30,
    integer: true,
    example: '64MiB',
  },
} satisfies Record<string, Bound>;

export type BoundName = keyof typeof BOUNDS;

/** "a number of seconds from 0.1 to 86400" */
export function describeBound(bound: Bound): string {
  return `${bound.what} from ${bound.min} to ${bound.max}`;
}

/**
 * Plain decimal only: `Number()` would also take "0x10" (16), "1e3", " 5 " and "" (0), none of
 * which a person means as a number of seconds.
 */
const DECIMAL = /^\d+(?:\.\d+)?$/;

/** The number in `value`, or undefined when it is not a decimal number within the bound. */
export function checkBound(bound: Bound, value: string | number): number | undefined {
  const n = typeof value === 'number' ? value : DECIMAL.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < bound.min || n > bound.max || (bound.integer && !Number.isInteger(n)))
    return undefined;
  return n;
}

const UNITS: Record<string, number> = { '': 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 };

/** "64MiB", "500KiB", "1048576": whole bytes within the bound, or undefined. */
export function parseSize(bound: Bound, value: string | number): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(KiB|MiB|GiB)?$/.exec(String(value));
  if (!match) return undefined;
  const bytes = Number(match[1]) * UNITS[match[2] ?? '']!;
  return checkBound(bound, Number.isInteger(bytes) ? bytes : Math.floor(bytes));
}

/** "a size from 1MiB to 1GiB": a bound in bytes, worded in the largest unit that fits. */
export function describeSize(bound: Bound): string {
  const unit = (n: number): string => {
    const [name, size] = Object.entries(UNITS)
      .reverse()
      .find(([, size]) => n % size === 0)!;
    return `${n / size}${name}`;
  };
  return `a size from ${unit(bound.min)} to ${unit(bound.max)} (bytes, or with KiB, MiB, GiB)`;
}

/** The one wording for a bad value of a flag: `--x must be …, not "v" (for example --x 5)`. */
export function badValue(
  flag: string,
  mustBe: string,
  value: unknown,
  example: string,
  hint = `for example ${flag} ${example}`,
): UsageError {
  return new UsageError(`${flag} must be ${mustBe}, not ${JSON.stringify(String(value))}`, hint);
}

/** A flag's number, checked against its bound; undefined when the flag was not given. */
export function boundedFlag(name: BoundName, flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const bound: Bound = BOUNDS[name];
  const n = checkBound(bound, value);
  if (n === undefined) throw badValue(flag, describeBound(bound), value, bound.example);
  return n;
}
