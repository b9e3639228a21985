// Box stream positions can be JSON numbers above 2^53, which JSON.parse silently rounds: a client
// that saves the rounded number re-reads or skips events. The position is therefore taken from
// the raw response text as a decimal string and never goes through a JS number.

/** The exact next_stream_position of a parsed Box answer, from its raw text. */
export function exactPosition(raw: string, parsed: unknown): string | undefined {
  if (parsed === undefined || parsed === null) return undefined;
  const value = parsed as string | number;
  if (typeof value === 'string') return value;
  if (typeof value !== 'number') return undefined;
  // The key could also occur in nested objects (an event's additional_details): take the value
  // of the one at the top level of the answer.
  const text = topLevelValue(raw, 'next_stream_position');
  if (text !== undefined && /^-?\d+$/.test(text) && Number(text) === value) return text;
  if (Number.isInteger(value)) return BigInt(value).toString();
  return String(value);
}

/** The raw text of a number at `key` directly inside the outermost object of `json`, if any. */
export function topLevelValue(json: string, key: string): string | undefined {
  const wanted = `"${key}"`;
  const first = json.indexOf(wanted);
  if (first < 0) return undefined;
  // Only one such key in the text (the usual case): it is the top-level one; no scan needed.
  if (json.indexOf(wanted, first + 1) < 0) return numberAfterKey(json, first + wanted.length);
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(json, i);
      if (depth === 1 && json.startsWith(wanted, i) && end === i + wanted.length) {
        const number = numberAfterKey(json, end);
        if (number !== undefined) return number;
      }
      i = end - 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return undefined;
}

/** Index just past the closing quote of the string that opens at `start`. */
function stringEnd(json: string, start: number): number {
  for (let i = start + 1; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i + 1;
  }
  return json.length;
}

function numberAfterKey(json: string, at: number): string | undefined {
  return /^\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(json.slice(at, at + 64))?.[1];
}
