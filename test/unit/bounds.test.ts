import { describe, expect, it } from 'vitest';
import { BOUNDS, boundedFlag, checkBound } from '../../src/core/bounds.js';
import { checkWindow, parseWhen } from '../../src/core/when.js';

describe('bounds', () => {
  it.each([
    ['interval', '0.1', 0.1],
    ['interval', '86400', 86_400],
    ['interval', '86400.5', undefined],
    ['interval', '0.05', undefined],
    ['interval', '', undefined],
    ['interval', 'Infinity', undefined],
    ['timeout', '3000000', undefined],
    ['maxEvents', '2147483647', 2_147_483_647],
    ['maxEvents', '2147483648', undefined],
    ['maxEvents', '1.5', undefined],
    ['waitLock', '0', 0],
  ] as const)('%s %j → %s', (name, value, expected) => expect(checkBound(BOUNDS[name], value)).toBe(expected));

  it('every seconds bound keeps a timer below 2^31 ms', () => {
    for (const bound of [BOUNDS.interval, BOUNDS.timeout, BOUNDS.giveUp, BOUNDS.waitLock])
      expect(bound.max * 1000).toBeLessThan(2 ** 31);
    expect(BOUNDS.retryCapMs.max).toBeLessThan(2 ** 31);
  });

  it('a flag out of bounds is a usage error naming the flag, the bound and an example', () => {
    expect(() => boundedFlag('interval', '--interval', '3600000')).toThrow(
      '--interval must be a number of seconds from 0.1 to 86400, not "3600000"',
    );
    expect(boundedFlag('interval', '--interval', undefined)).toBeUndefined();
  });
});

describe('--since/--until', () => {
  const now = Date.parse('2026-11-26T00:00:00Z');
  it.each([
    ['7d', '2026-11-19T00:00:00Z'],
    ['2026-11-01', '2026-11-01T00:00:00Z'],
    ['3653d', '2016-11-25T00:00:00Z'],
  ])('%s → %s', (text, iso) => expect(parseWhen('--since', text, now)).toBe(iso));

  it.each(['99999999999d', '3654d', 'yesterday', '+275760-09-14'])('%s is a usage error', (text) => {
    expect(() => parseWhen('--since', text, now)).toThrow(/--since must be a date or a duration/);
  });

  it('a window that ends before it starts is refused', () => {
    expect(() => checkWindow('2026-11-02T00:00:00Z', '2026-11-01T00:00:00Z')).toThrow(
      /--since .* must be before --until/,
    );
    expect(() => checkWindow('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z')).not.toThrow();
  });
});
