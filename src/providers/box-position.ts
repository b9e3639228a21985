// Box stream positions can be JSON numbers above 2^53, which JSON.parse silently rounds: a client
// that saves the rounded number re-reads or skips events. The position is therefore taken from
// the raw response text as a decimal string and never goes through a JS number.
const POSITION = /"next_stream_position"\s*:\s*(?:"([^"\\]*)"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?))/g;

/** The exact next_stream_position of a parsed Box answer, from its raw text. */
export function exactPosition(raw: string, parsed: unknown): string | undefined {
  if (parsed === undefined || parsed === null) return undefined;
  const value = parsed as string | number;
  if (typeof value === 'string') return value;
  if (typeof value !== 'number') return undefined;
  // The key could also occur in nested objects; the top-level one is the match whose value
  // parses to the same number.
  for (const match of raw.matchAll(POSITION)) {
    const text = match[1] ?? match[2]!;
    if (Number(text) === value) return /^-?\d+$/.test(text) ? text : String(BigInt(Math.trunc(value)));
  }
  return String(value);
}
