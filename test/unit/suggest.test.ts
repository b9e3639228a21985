import { describe, expect, it } from 'vitest';
import { closest, editDistance, orList } from '../../src/lib/suggest.js';

describe('did you mean', () => {
  it.each([
    ['chaned', 'changed', 1],
    ['gruop', 'group', 1],
    ['ADDED', 'added', 0],
    ['', 'abc', 3],
  ])('editDistance(%s, %s) = %i', (a, b, d) => expect(editDistance(a, b)).toBe(d));

  it.each([
    ['chaned', ['added', 'changed', 'removed'], 'changed'],
    ['gruop', ['group', 'color'], 'group'],
    ['intervall', ['interval', 'timeout'], 'interval'],
    ['ITEM_UPLAOD', ['ITEM_UPLOAD', 'ITEM_COPY'], 'ITEM_UPLOAD'],
    ['banana', ['added', 'changed'], undefined],
  ])('closest(%s) = %s', (word, candidates, expected) => expect(closest(word, candidates)).toBe(expected));

  it('orList', () => {
    expect(orList(['a', 'b', 'c'])).toBe('a, b or c');
    expect(orList(['a'])).toBe('a');
  });
});
