// The save policy of a cursor (README, "Guarantees" and "Cheap when idle"), one rule per test, on
// a fake CursorFile and an injected clock. Each test fails when its rule is broken: a durable save
// turned quick (or the reverse), a skipped save made, a needed one skipped.
import { describe, expect, it } from 'vitest';
import {
  Checkpointer,
  DURABLE_EVERY_MS,
  IDLE_DURABLE_EVERY_MS,
  UNCHANGED_SAVE_EVERY_MS,
  type CursorSaver,
} from '../../src/follow/checkpointer.js';
import type { CursorRecord } from '../../src/state/cursors.js';

const key = { provider: 'asana', host: 'app.asana.com', subscription: '1', group: 'default' };

function setup(options: { stored?: Partial<CursorRecord> | null; seen?: string[] } = {}) {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const log: string[] = [];
  const records: Array<{ kind: string; record: Omit<CursorRecord, keyof typeof key | 'version'> }> = [];
  let failQuick: Error | undefined;
  /** How long a durable save (its fsyncs) takes. */
  let fsyncMs = 0;
  const cursors: CursorSaver = {
    key,
    save: async (record) => {
      t += fsyncMs;
      log.push(`durable ${String(record.cursor['sync'])}`);
      records.push({ kind: 'durable', record });
    },
    saveQuick: async (record) => {
      log.push(`quick ${String(record.cursor['sync'])}`);
      records.push({ kind: 'quick', record });
      if (failQuick) throw failQuick;
    },
  };
  const stored: CursorRecord | undefined =
    options.stored === null
      ? undefined
      : {
          ...key,
          version: 1,
          label: 'p',
          cursor: { sync: 'a' },
          savedAt: new Date(t).toISOString(),
          ...options.stored,
        };
  const checkpoints = new Checkpointer({
    cursors,
    stored,
    label: 'p',
    seen: options.seen ? () => options.seen : undefined,
    flushOutput: async (durable) => {
      log.push(`output ${durable ? 'durable' : 'flushed'}`);
    },
    now: () => t,
  });
  return {
    checkpoints,
    log,
    records,
    advance: (ms: number) => (t += ms),
    failQuickWith: (error: Error) => (failQuick = error),
    fsyncTakes: (ms: number) => (fsyncMs = ms),
  };
}

describe('Checkpointer', () => {
  it('makes output and cursor durable, in that order, after events were written and the loop caught up', async () => {
    const { checkpoints, log } = setup();
    expect(
      await checkpoints.checkpoint({ sync: 'b' }, { wroteEvents: true, lastEventAt: '2026-01-01T00:00:00.000Z' }),
    ).toBe('durable');
    expect(log).toEqual(['output durable', 'durable b']);
    expect(checkpoints.stored?.lastEventAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('saves a mid-drain page quickly, and durably once a second has passed since the last durable save', async () => {
    const { checkpoints, log, advance } = setup();
    expect(await checkpoints.checkpoint({ sync: 'b' }, { wroteEvents: true, more: true })).toBe('quick');
    advance(DURABLE_EVERY_MS - 1);
    expect(await checkpoints.checkpoint({ sync: 'c' }, { wroteEvents: true, more: true })).toBe('quick');
    advance(1);
    expect(await checkpoints.checkpoint({ sync: 'd' }, { wroteEvents: true, more: true })).toBe('durable');
    expect(log).toEqual(['output flushed', 'quick b', 'output flushed', 'quick c', 'output durable', 'durable d']);
  });

  it('decides a plan before the page is written: the time a slow reader takes does not count', async () => {
    const { checkpoints, log, advance } = setup();
    const plan = checkpoints.plan({ wroteEvents: true, more: true });
    advance(DURABLE_EVERY_MS); // the page is written to a slow reader
    expect(await checkpoints.checkpoint({ sync: 'b' }, plan)).toBe('quick');
    expect(log).toEqual(['output flushed', 'quick b']);
    // Unchanged is judged by the age of the stored record when the plan was made, too.
    const idle = setup();
    const poll = idle.checkpoints.plan({ wroteEvents: false });
    idle.advance(UNCHANGED_SAVE_EVERY_MS);
    expect(await idle.checkpoints.checkpoint({ sync: 'a' }, poll)).toBe('unchanged');
  });

  it('counts the second of a drain from when the last durable save was done, not begun', async () => {
    const { checkpoints, advance, fsyncTakes } = setup();
    fsyncTakes(300);
    expect(await checkpoints.checkpoint({ sync: 'b' }, { wroteEvents: true })).toBe('durable');
    advance(DURABLE_EVERY_MS - 1);
    expect(await checkpoints.checkpoint({ sync: 'c' }, { wroteEvents: true, more: true })).toBe('quick');
  });

  it('is durable when a page was cut short (--max-events) or the run is stopping, even mid-drain', async () => {
    const { checkpoints } = setup();
    expect(await checkpoints.checkpoint({ sync: 'a', skip: 3 }, { wroteEvents: true, more: true, cut: true })).toBe(
      'durable',
    );
    expect(await checkpoints.checkpoint({ sync: 'b' }, { wroteEvents: true, more: true, stopping: true })).toBe(
      'durable',
    );
  });

  it('saves quickly, without an fsync, when only the position moved', async () => {
    const { checkpoints, log } = setup();
    expect(await checkpoints.checkpoint({ sync: 'b' }, { wroteEvents: false })).toBe('quick');
    expect(log).toEqual(['output flushed', 'quick b']);
  });

  it('makes the end of a drain durable even when its last page wrote nothing', async () => {
    const { checkpoints } = setup();
    expect(await checkpoints.checkpoint({ sync: 'b' }, { wroteEvents: true, more: true })).toBe('quick');
    // Caught up with an empty page: what the drain wrote is not durable yet.
    expect(await checkpoints.checkpoint({ sync: 'c' }, { wroteEvents: false })).toBe('durable');
    expect(await checkpoints.checkpoint({ sync: 'd' }, { wroteEvents: false })).toBe('quick');
  });

  it('saves nothing when nothing changed, until the stored savedAt is a minute old', async () => {
    const { checkpoints, log, advance } = setup();
    expect(await checkpoints.checkpoint({ sync: 'a' }, { wroteEvents: false })).toBe('unchanged');
    advance(UNCHANGED_SAVE_EVERY_MS - 1);
    expect(await checkpoints.checkpoint({ sync: 'a' }, { wroteEvents: false })).toBe('unchanged');
    // The output is still flushed: a reader that went away is found out at every poll.
    expect(log).toEqual(['output flushed', 'output flushed']);
    advance(1);
    expect(await checkpoints.checkpoint({ sync: 'a' }, { wroteEvents: false })).toBe('quick');
    // The new savedAt starts the minute again.
    advance(1);
    expect(await checkpoints.checkpoint({ sync: 'a' }, { wroteEvents: false })).toBe('unchanged');
  });

  it('does not skip a save for the same cursor when more pages follow or the page was cut', async () => {
    const { checkpoints } = setup();
    expect(await checkpoints.checkpoint({ sync: 'a' }, { wroteEvents: false, more: true })).not.toBe('unchanged');
    expect(await checkpoints.checkpoint({ sync: 'a' }, { wroteEvents: false, cut: true })).not.toBe('unchanged');
  });

  it('makes an idle cursor durable every 10 minutes', async () => {
    const { checkpoints, advance } = setup();
    advance(IDLE_DURABLE_EVERY_MS - 1);
    expect(await checkpoints.checkpoint({ sync: 'b' }, { wroteEvents: false })).toBe('quick');
    advance(1);
    expect(await checkpoints.checkpoint({ sync: 'c' }, { wroteEvents: false })).toBe('durable');
    // The 10 minutes start again from there.
    advance(IDLE_DURABLE_EVERY_MS - 1);
    expect(await checkpoints.checkpoint({ sync: 'd' }, { wroteEvents: false })).toBe('quick');
  });

  it('saveDurable saves at once, durably, without touching the output, and restarts the clock of the drain', async () => {
    const { checkpoints, log, advance } = setup({ stored: null });
    expect(checkpoints.stored).toBeUndefined();
    advance(DURABLE_EVERY_MS);
    await checkpoints.saveDurable({ sync: 'b' });
    expect(log).toEqual(['durable b']);
    expect(checkpoints.stored?.cursor).toEqual({ sync: 'b' });
    expect(await checkpoints.checkpoint({ sync: 'c' }, { wroteEvents: true, more: true })).toBe('quick');
  });

  it('writes the label, the seen ids and the last lastEventAt into every record', async () => {
    const { checkpoints, records } = setup({ stored: { lastEventAt: '2025-12-31T23:00:00.000Z' }, seen: ['x', 'y'] });
    await checkpoints.checkpoint({ sync: 'b' }, { wroteEvents: false });
    expect(records[0]!.record).toMatchObject({
      label: 'p',
      cursor: { sync: 'b' },
      seen: ['x', 'y'],
      lastEventAt: '2025-12-31T23:00:00.000Z',
      savedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('reports a failed quick save at the next flush, and close() waits for it without throwing', async () => {
    const { checkpoints, failQuickWith } = setup();
    failQuickWith(new Error('disk full'));
    await checkpoints.checkpoint({ sync: 'b' }, { wroteEvents: false });
    await expect(checkpoints.flush()).rejects.toThrow('disk full');
    await checkpoints.checkpoint({ sync: 'c' }, { wroteEvents: false });
    await expect(checkpoints.close()).resolves.toBeUndefined();
  });
});
