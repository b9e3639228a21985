import { describe, expect, it } from 'vitest';
import { TemporaryError } from '../../src/core/errors.js';
import { parseRetryAfter, RateGate, TransientError, withRetry } from '../../src/net/retry.js';

const quietReport = { retrying: () => undefined, recovered: () => undefined };

describe('withRetry', () => {
  it('retries transient faults with capped, jittered backoff and reports recovery', async () => {
    const delays: number[] = [];
    let recovered = 0;
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw new TransientError('HTTP 503');
        return 'ok';
      },
      {
        policy: { baseMs: 10, capMs: 25, random: () => 1 },
        gate: new RateGate(),
        report: { retrying: (i) => delays.push(i.delayMs), recovered: () => recovered++ },
      },
    );
    expect(result).toBe('ok');
    expect(delays).toEqual([10, 20, 25]);
    expect(recovered).toBe(1);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('bad request');
        },
        { policy: { baseMs: 1, capMs: 1 }, gate: new RateGate(), report: quietReport },
      ),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  it('gives up after the allowed time with a TemporaryError', async () => {
    await expect(
      withRetry(
        async () => {
          throw new TransientError('connection refused');
        },
        {
          policy: { baseMs: 20, capMs: 20, giveUpAfterMs: 100, random: () => 1 },
          gate: new RateGate(),
          report: quietReport,
        },
      ),
    ).rejects.toThrow(TemporaryError);
  });

  it('a 429 pauses everyone sharing the gate for Retry-After', async () => {
    const gate = new RateGate();
    let first = true;
    const started = Date.now();
    const a = withRetry(
      async () => {
        if (first) {
          first = false;
          throw new TransientError('429', 300);
        }
        return Date.now();
      },
      { policy: { baseMs: 1, capMs: 1 }, gate, report: quietReport },
    );
    await new Promise((r) => setTimeout(r, 20));
    const b = withRetry(async () => Date.now(), { policy: { baseMs: 1, capMs: 1 }, gate, report: quietReport });
    const [ta, tb] = await Promise.all([a, b]);
    expect(ta - started).toBeGreaterThanOrEqual(290);
    expect(tb - started).toBeGreaterThanOrEqual(290);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['2', 2000],
    ['0', 0],
    ['1.5', 1500],
    [undefined, undefined],
    ['soon', undefined],
  ])('%j -> %j ms', (value, ms) => {
    expect(parseRetryAfter(value)).toBe(ms);
  });

  it('accepts an HTTP date', () => {
    const now = Date.parse('Tue, 24 Nov 2026 10:00:00 GMT');
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:03 GMT', now)).toBe(3000);
  });
});
