// A page's events kept as sent: parsed only on demand, picked without losing the exact text.
import { describe, expect, it } from 'vitest';
import { EventBatch } from '../../src/core/event-batch.js';

describe('EventBatch', () => {
  it('keeps exact texts, parses one event only when asked, and picks texts with what was parsed', () => {
    const texts = ['{"n":12345678901234567890}', '{"a":1}', 'not json: never parsed unless asked'];
    const batch = EventBatch.fromTexts(texts);
    expect(batch.length).toBe(3);
    expect(batch.value(1)).toEqual({ a: 1 });
    expect(batch.value(1)).toBe(batch.value(1)); // parsed once, kept
    const picked = batch.pick([0, 1]);
    expect([picked.text(0), picked.text(1)]).toEqual(texts.slice(0, 2));
    expect(picked.value(1)).toBe(batch.value(1));
    expect(batch.pick([1]).text(0)).toBe('{"a":1}');
    expect(() => batch.value(2)).toThrow(SyntaxError);
  });

  it('picking every position returns the batch itself; values without texts have no text', () => {
    const batch = EventBatch.fromTexts(['{}', '{}']);
    expect(batch.pick([0, 1])).toBe(batch);
    expect(batch.pick([]).length).toBe(0);
    const values = EventBatch.fromValues([{ a: 1 }, 2]);
    expect(values.text(0)).toBeUndefined();
    expect(values.pick([1]).values()).toEqual([2]);
  });
});
