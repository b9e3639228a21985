// When and how a subscription's cursor is saved, in one place. The follow loop only says where it
// is and whether it wrote events; the checkpointer picks the save (README, "Guarantees" and "Cheap
// when idle"):
// - durable (output fsynced, then the cursor fsynced) after events were written and the loop is
//   caught up, cut short or stopping, and once a second during a long drain;
// - quick (written in place, no fsync) mid-drain, and when only the position moved: losing it to a
//   power cut only means reading nothing again;
// - nothing when nothing changed, unless the stored `savedAt` is a minute old;
// - durable every 10 minutes all the same when idle.
// A quick save runs while the next page is fetched; `flush()` waits for it, and the loop calls it
// before writing the next page (a crash then repeats at most the page in flight).
import type { Cursor } from '../core/provider.js';
import type { CursorFile, CursorRecord } from '../state/cursors.js';

/** How often a long drain makes its output and cursor durable (fsync). */
export const DURABLE_EVERY_MS = 1000;
/** An idle subscription's cursor is made durable this often; its other saves skip the fsync. */
export const IDLE_DURABLE_EVERY_MS = 10 * 60_000;
/** A poll that changed nothing skips its save, unless the stored `savedAt` is older than this. */
export const UNCHANGED_SAVE_EVERY_MS = 60_000;

/** What of a CursorFile the checkpointer uses (tests give a fake). */
export type CursorSaver = Pick<CursorFile, 'key' | 'save' | 'saveQuick'>;

export interface CheckpointerOptions {
  cursors: CursorSaver;
  /** The record as loaded (undefined on a first run). */
  stored: CursorRecord | undefined;
  /** Written into every record: the subscription's label. */
  label: string;
  /** The event ids seen lately (Box), written into every record. */
  seen?: () => string[] | undefined;
  /** Makes the written records leave the process, and with `durable` reach the disk: called before the cursor is saved. */
  flushOutput: (durable: boolean) => Promise<void>;
  /** The clock (tests). */
  now?: () => number;
}

export interface CheckpointFacts {
  /** This page wrote events. */
  wroteEvents: boolean;
  /** Another page follows at once (a drain). */
  more?: boolean;
  /** The position is inside a page (--max-events cut it). */
  cut?: boolean;
  /** The run is stopping. */
  stopping?: boolean;
  /** The creation time of the last event written, if it has one. */
  lastEventAt?: string;
}

export type CheckpointKind = 'durable' | 'quick' | 'unchanged';

/** The save decided for a page before it is written (see Checkpointer.plan). */
export interface CheckpointPlan {
  readonly facts: CheckpointFacts;
  readonly durable: boolean;
  /** When it was decided: the age of the stored record counts to then. */
  readonly at: number;
}

export class Checkpointer {
  readonly #options: CheckpointerOptions;
  readonly #now: () => number;
  #stored: CursorRecord | undefined;
  #lastDurable: number;
  /** Records written since the last durable checkpoint that are not durable yet. */
  #unsynced = false;
  #saving: Promise<void> | undefined;

  constructor(options: CheckpointerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#stored = options.stored;
    this.#lastDurable = this.#now();
  }

  /** The record as last saved (or loaded). */
  get stored(): CursorRecord | undefined {
    return this.#stored;
  }

  /**
   * Decides the save of a page before the page is written: the time the write takes (a slow
   * reader) does not count towards the next durable save, and a stop that comes while it is
   * written does not turn its save into a durable one (the stop saves by itself).
   */
  plan(facts: CheckpointFacts): CheckpointPlan {
    const now = this.#now();
    let durable =
      !facts.more || facts.cut === true || facts.stopping === true || now - this.#lastDurable >= DURABLE_EVERY_MS;
    // An idle poll (nothing written now nor since the last durable checkpoint) needs no fsync: a
    // thousand idle subscriptions would otherwise fsync a thousand times a cycle.
    if (durable && !facts.wroteEvents && !this.#unsynced && now - this.#lastDurable < IDLE_DURABLE_EVERY_MS)
      durable = false;
    this.#unsynced = durable ? false : this.#unsynced || facts.wroteEvents;
    return { facts, durable, at: now };
  }

  /** Flushes the output and saves `cursor` the way the facts (or a plan made of them) call for; says which save it made. */
  async checkpoint(cursor: Cursor, facts: CheckpointFacts | CheckpointPlan): Promise<CheckpointKind> {
    const plan = 'durable' in facts ? facts : this.plan(facts);
    const { durable, at } = plan;
    const { wroteEvents, cut, more, lastEventAt } = plan.facts;
    // Nothing written and nowhere new to go: the stored record is still right (its savedAt may
    // lag by a minute). Saves are most of what an idle poll costs.
    const stored = this.#stored;
    const unchanged =
      !wroteEvents &&
      !durable &&
      !cut &&
      !more &&
      stored !== undefined &&
      sameCursor(stored.cursor, cursor) &&
      at - Date.parse(stored.savedAt) < UNCHANGED_SAVE_EVERY_MS;
    await this.flush();
    await this.#options.flushOutput(durable);
    if (unchanged) return 'unchanged';
    await this.#save(cursor, lastEventAt, durable);
    return durable ? 'durable' : 'quick';
  }

  /**
   * Saves `cursor` durably now, without touching the output (a first cursor, the fresh cursor of
   * an expired one, a stop's last position): what it covers was flushed by the caller.
   */
  async saveDurable(cursor: Cursor, lastEventAt?: string): Promise<void> {
    await this.flush();
    await this.#save(cursor, lastEventAt, true);
  }

  /** Waits for the quick save in flight; rejects when it failed. */
  async flush(): Promise<void> {
    const pending = this.#saving;
    this.#saving = undefined;
    await pending;
  }

  /** Waits for the quick save in flight, failed or not: nothing may land after the lock is released. */
  async close(): Promise<void> {
    await this.#saving?.catch(() => undefined);
  }

  async #save(cursor: Cursor, lastEventAt: string | undefined, durable: boolean): Promise<void> {
    const now = this.#now();
    const record = {
      label: this.#options.label,
      cursor,
      savedAt: new Date(now).toISOString(),
      lastEventAt: lastEventAt ?? this.#stored?.lastEventAt,
      seen: this.#options.seen?.(),
    };
    const { cursors } = this.#options;
    if (durable) {
      await cursors.save(record);
      // From when the save is done: an fsync's own time does not count towards the next one.
      this.#lastDurable = this.#now();
      this.#unsynced = false;
    } else {
      const saving = cursors.saveQuick(record);
      // Handled now (a stop may drop it); its rejection stays for flush().
      saving.catch(() => undefined);
      this.#saving = saving;
    }
    this.#stored = { ...cursors.key, version: 1, ...record } satisfies CursorRecord;
  }
}

function sameCursor(a: Cursor, b: Cursor): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
