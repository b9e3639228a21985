// The emulator's per-token limits: a sliding-window budget that counts refused requests, and a
// cap on requests in flight.
import { describe, expect, it } from 'vitest';
import { parseRateLimit, RateLimiter } from '../../src/emulator/rate-limit.js';

describe('RateLimiter', () => {
  it('admits N per window, then 429 with the seconds until the window frees; refused ones count', () => {
    let now = 0;
    const limiter = new RateLimiter({ requests: 3, windowMs: 10_000 }, () => now);
    for (let i = 0; i < 3; i++) {
      const entry = limiter.enter('asana t');
      expect('done' in entry).toBe(true);
      now += 1000;
    }
    // At t=3 s: this refused request counts too, so two must leave the window: t=1 s leaves at 11 s.
    expect(limiter.enter('asana t')).toEqual({ retryAfterS: 8, reason: 'rate' });
    // Another token has its own budget.
    expect('done' in limiter.enter('asana other')).toBe(true);
    now = 10_000;
    // The refused request at t=3 s counts: t=1, 2, 3 are still in the window.
    expect(limiter.enter('asana t')).toMatchObject({ reason: 'rate', retryAfterS: 2 });
    now = 13_500;
    expect('done' in limiter.enter('asana t')).toBe(true);
    expect(limiter.refused).toBe(2);
  });

  it('refuses past the in-flight cap until a request is done', () => {
    const limiter = new RateLimiter({ concurrency: 2 });
    const a = limiter.enter('k');
    const b = limiter.enter('k');
    expect(limiter.enter('k')).toEqual({ retryAfterS: 1, reason: 'concurrency' });
    if (!('done' in a) || !('done' in b)) throw new Error('expected admission');
    a.done();
    a.done(); // twice is once
    expect('done' in limiter.enter('k')).toBe(true);
    expect(limiter.enter('k')).toMatchObject({ reason: 'concurrency' });
  });

  it('rejects nonsense limits', () => {
    expect(() => new RateLimiter({ requests: 0 })).toThrow(/requests must be a whole number/);
    expect(() => new RateLimiter({ concurrency: 1.5 })).toThrow(/concurrency/);
  });
});

describe('parseRateLimit', () => {
  it.each([
    ['150/10s', { requests: 150, windowMs: 10_000 }],
    ['1500/min', { requests: 1500, windowMs: 60_000 }],
    ['100/1m', { requests: 100, windowMs: 60_000 }],
    ['5/500ms', { requests: 5, windowMs: 500 }],
    ['150', undefined],
    ['0/10s', undefined],
    ['x/10s', undefined],
  ])('%s', (text, expected) => expect(parseRateLimit(text)).toEqual(expected));
});
