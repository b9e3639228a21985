// The age of a saved cursor as `events state` and the expired-cursor warning say it.
import { describe, expect, it } from 'vitest';
import { formatAge } from '../../src/lib/age.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('formatAge', () => {
  it.each<[number, string]>([
    [0, '0 min'],
    [29_000, '0 min'],
    [59 * MIN, '59 min'],
    [60 * MIN, '1 h'],
    [3.5 * HOUR, '3.5 h'],
    [47.9 * HOUR, '47.9 h'],
    [48 * HOUR, '2 d'],
    [10 * 24 * HOUR, '10 d'],
    [-1, 'unknown'],
    [Number.NaN, 'unknown'],
  ])('%d ms: %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
