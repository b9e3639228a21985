// Which events of a page are printed, and how many of the page that consumed. Repeats (Box) are
// dropped, filters applied, and a --max-events budget cut exactly: `consumed` lets the cursor
// say "this page, after its first k events", so the next run neither repeats nor skips.

export interface Budget {
  /** Events that may still be printed, across every subscription of the command. */
  remaining: number;
}

export interface SelectOptions<T = unknown> {
  /** Admits an event id the first time, refuses a repeat. */
  admit?: (event: T) => boolean;
  filter?: (event: T) => boolean;
  budget?: Budget;
}

export interface Selection<T = unknown> {
  events: T[];
  /** How many events of the input were used up (printed, filtered out or dropped). */
  consumed: number;
  dropped: number;
  /** Input index of each selected event, so a write cut short maps back to the page. */
  indexes: number[];
  /** Input indexes whose id was admitted (remembered) by this selection. */
  admitted: number[];
}

export function selectEvents<T>(input: readonly T[], { admit, filter, budget }: SelectOptions<T>): Selection<T> {
  const events: T[] = [];
  const indexes: number[] = [];
  const admitted: number[] = [];
  let consumed = 0;
  let dropped = 0;
  for (const event of input) {
    if (budget && budget.remaining <= 0) break;
    const index = consumed++;
    if (admit) {
      if (!admit(event)) {
        dropped++;
        continue;
      }
      admitted.push(index);
    }
    if (filter && !filter(event)) continue;
    events.push(event);
    indexes.push(index);
    if (budget) budget.remaining--;
  }
  return { events, consumed, dropped, indexes, admitted };
}
