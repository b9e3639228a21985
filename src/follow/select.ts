// Which events of a page are printed, and how many of the page that consumed. Repeats (Box) are
// dropped, filters applied, and a --max-events budget cut exactly: `consumed` lets the cursor
// say "this page, after its first k events", so the next run neither repeats nor skips.

export interface Budget {
  /** Events that may still be printed, across every subscription of the command. */
  remaining: number;
}

export interface SelectOptions {
  /** Admits an event id the first time, refuses a repeat. */
  admit?: (event: unknown) => boolean;
  filter?: (event: unknown) => boolean;
  budget?: Budget;
}

export interface Selection {
  events: unknown[];
  /** How many events of the input were used up (printed, filtered out or dropped). */
  consumed: number;
  dropped: number;
  /** Input index of each selected event, so a write cut short maps back to the page. */
  indexes: number[];
  /** Input indexes whose id was admitted (remembered) by this selection. */
  admitted: number[];
}

export function selectEvents(input: readonly unknown[], { admit, filter, budget }: SelectOptions): Selection {
  const events: unknown[] = [];
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
