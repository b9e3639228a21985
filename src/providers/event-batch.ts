// A page's events as the API sent them. When the page's text could be scanned (see
// output/json-scan.ts), each event is kept as its exact JSON text and parsed only if something
// needs a field (a filter, human output, Box's event_id, the last created_at); the JSON output
// passes the text through. Otherwise the events are the parsed values, as before.
export class EventBatch {
  readonly #texts: readonly string[] | undefined;
  /** Parsed values, filled on demand when the batch holds texts. */
  readonly #values: unknown[];

  private constructor(texts: readonly string[] | undefined, values: unknown[]) {
    this.#texts = texts;
    this.#values = values;
  }

  /** Events known only as exact JSON texts, each a compact object. */
  static fromTexts(texts: readonly string[]): EventBatch {
    return new EventBatch(texts, new Array<unknown>(texts.length));
  }

  static fromValues(values: readonly unknown[]): EventBatch {
    return new EventBatch(undefined, [...values]);
  }

  get length(): number {
    return this.#texts ? this.#texts.length : this.#values.length;
  }

  /** The event as a value; parsed on first use and kept. */
  value(i: number): unknown {
    const texts = this.#texts;
    if (texts && this.#values[i] === undefined && i < texts.length) this.#values[i] = JSON.parse(texts[i]!);
    return this.#values[i];
  }

  /** The event's exact text as sent (a compact JSON object), or undefined when only its value is known. */
  text(i: number): string | undefined {
    return this.#texts?.[i];
  }

  /** The events at these positions, in this order, keeping texts and whatever was parsed. */
  pick(positions: readonly number[]): EventBatch {
    const values = positions.map((i) => this.#values[i]);
    const texts = this.#texts;
    return new EventBatch(texts ? positions.map((i) => texts[i]!) : undefined, values);
  }

  /** Every event as a value (parses what was not yet parsed). */
  values(): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.value(i));
    return out;
  }
}
