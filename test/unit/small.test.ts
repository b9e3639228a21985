// Small things that were wrong.
import { describe, expect, it } from 'vitest';
import { groupDigits } from '../../src/lib/digits.js';
import { exactPosition, topLevelValue } from '../../src/providers/box/position.js';

describe('exactPosition (Box next_stream_position from the raw text)', () => {
  // A nested key with a value that rounds to the same double as the real position, first in the text.
  const raw =
    '{"entries":[{"event_id":"1","additional_details":{"next_stream_position":1152921504606846977}}],"chunk_size":1,"next_stream_position":1152921504606846976}';

  it('takes the top-level key, not a nested one that rounds to the same number', () => {
    const parsed = (JSON.parse(raw) as { next_stream_position: number }).next_stream_position;
    expect(exactPosition(raw, parsed)).toBe('1152921504606846976');
    expect(topLevelValue(raw, 'next_stream_position')).toBe('1152921504606846976');
  });

  it('keys inside strings and escaped quotes do not confuse it', () => {
    const tricky =
      '{"entries":[{"name":"say \\"next_stream_position\\": 5"}],"next_stream_position":12345678901234567890}';
    expect(topLevelValue(tricky, 'next_stream_position')).toBe('12345678901234567890');
    expect(exactPosition('{"next_stream_position":"abc"}', 'abc')).toBe('abc');
    expect(exactPosition('{"next_stream_position":42}', 42)).toBe('42');
  });
});

describe('groupDigits', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1,000'],
    [100000, '100,000'],
    [1234567.5, '1,234,567.5'],
    [-1500, '-1,500'],
  ])('%j -> %j, as toLocaleString("en-US") writes it', (n, text) => {
    expect(groupDigits(n)).toBe(text);
    expect(groupDigits(n)).toBe(n.toLocaleString('en-US', { maximumFractionDigits: 20 }));
  });
});
