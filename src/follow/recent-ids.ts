// Streams that may repeat events (Box) are de-duplicated by event id. The set is bounded and
// saved with the cursor, so a repeat is also dropped when it arrives in the next run.
export const RECENT_IDS_LIMIT = 5000;

export class RecentIds {
  readonly #ids: Set<string>;

  constructor(initial: readonly string[] = [], private readonly limit = RECENT_IDS_LIMIT) {
    this.#ids = new Set(initial.slice(-limit));
  }

  filterNew(events: readonly unknown[], idOf: (event: unknown) => string | undefined, onDropped?: (count: number) => void): unknown[] {
    const fresh: unknown[] = [];
    for (const event of events) {
      const id = idOf(event);
      if (id !== undefined && this.#ids.has(id)) continue;
      if (id !== undefined) this.#remember(id);
      fresh.push(event);
    }
    if (fresh.length < events.length) onDropped?.(events.length - fresh.length);
    return fresh;
  }

  /** True the first time an id is seen (and remembers it); false for a repeat. */
  admit(id: string | undefined): boolean {
    if (id === undefined) return true;
    if (this.#ids.has(id)) return false;
    this.#remember(id);
    return true;
  }

  toJSON(): string[] {
    return [...this.#ids];
  }

  #remember(id: string): void {
    this.#ids.add(id);
    if (this.#ids.size > this.limit) this.#ids.delete(this.#ids.values().next().value as string);
  }
}
