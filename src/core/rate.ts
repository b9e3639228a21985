// A request rate as a user writes it (--rate, config.json "rate"): a plain parser, so the settings
// table in config/ and the rate governor in net/ read it the same way without importing each other.

/** Bounds for --rate, per minute. */
export const RATE_BOUNDS = { min: 1, max: 100_000 } as const;

/** `--rate 600/min`, `--rate 10/s`, `--rate 600` (per minute): requests per minute, or undefined. */
export function parseRate(text: string | number): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(?:\/(min|m|minute|s|sec|second))?$/.exec(String(text));
  if (!match) return undefined;
  const n = Number(match[1]);
  const perMin = match[2] && match[2].startsWith('s') ? n * 60 : n;
  return perMin >= RATE_BOUNDS.min && perMin <= RATE_BOUNDS.max ? perMin : undefined;
}
