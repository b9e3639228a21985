// Streams that may repeat events (Box) are de-duplicated by event id. The set is bounded and
// saved with the cursor, so a repeat is also dropped when it arrives in the next run.
export const RECENT_IDS_LIMIT = 5000;

export class RecentIds {
  readonly #ids: Set<string>;

  constructor(
    initial: readonly string[] = [],
    private readonly limit = RECENT_IDS_LIMIT,
  ) {
    this.#ids = new Set(initial.slice(-limit));
  }

  /** True the first time an id is seen (and remembers it); false for a repeat. */
  admit(id: string | undefined): boolean {
    if (id === undefined) return true;
    if (this.#ids.has(id)) return false;
    this.#remember(id);
    return true;
  }

  /** Undoes admit() for an event that was not written after all (a stop cut the page short). */
  forget(id: string | undefined): void {
    if (id !== undefined) this.#ids.delete(id);
  }

  toJSON(): string[] {
    return [...this.#ids];
  }

  #remember(id: string): void {
    this.#ids.add(id);
    if (this.#ids.size > this.limit) this.#ids.delete(this.#ids.values().next().value as string);
  }
}
