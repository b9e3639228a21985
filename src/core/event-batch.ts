// A page's events as the API sent them. When the page's text could be scanned (see
// lib/json-scan.ts), each event is kept as its exact JSON text and parsed only if something
// needs a field (a filter, human output, Box's event_id, the last created_at); the JSON output
// passes the text through. Otherwise the events are the parsed values, as before.
export class EventBatch {
  readonly #texts: readonly string[] | undefined;
  /** Parsed values; with texts, created and filled only when a field is needed. */
  #values: unknown[] | undefined;

  private constructor(texts: readonly string[] | undefined, values: unknown[] | undefined) {
    this.#texts = texts;
    this.#values = values;
  }

  /** Events known only as exact JSON texts, each a compact object. */
  static fromTexts(texts: readonly string[]): EventBatch {
    return new EventBatch(texts, undefined);
  }

  static fromValues(values: readonly unknown[]): EventBatch {
    return new EventBatch(undefined, [...values]);
  }

  get length(): number {
    return this.#texts ? this.#texts.length : this.#values!.length;
  }

  /** The event as a value; parsed on first use and kept. */
  value(i: number): unknown {
    const texts = this.#texts;
    if (!texts) return this.#values![i];
    const values = (this.#values ??= new Array<unknown>(texts.length));
    if (values[i] === undefined && i < texts.length) values[i] = JSON.parse(texts[i]!);
    return values[i];
  }

  /** The event's exact text as sent (a compact JSON object), or undefined when only its value is known. */
  text(i: number): string | undefined {
    return this.#texts?.[i];
  }

  /** The events at these positions, in this order, keeping texts and whatever was parsed. */
  pick(positions: readonly number[]): EventBatch {
    // Positions only ever increase: all of them, from 0, is this batch (the usual page).
    const n = this.length;
    if (positions.length === n && (n === 0 || (positions[0] === 0 && positions[n - 1] === n - 1))) return this;
    const texts = this.#texts;
    const values = this.#values;
    return new EventBatch(
      texts ? positions.map((i) => texts[i]!) : undefined,
      values ? positions.map((i) => values[i]) : undefined,
    );
  }

  /** Every event as a value (parses what was not yet parsed). */
  values(): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.value(i));
    return out;
  }
}
