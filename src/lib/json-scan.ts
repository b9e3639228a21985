// Finds the events of a page in the response's raw JSON text without parsing them, so `--json`
// and `--output` can pass each event's own text through: byte-identical (numbers above 2^53
// included) and without building and re-serialising every object.
//
// The scanner accepts exactly what JSON.parse accepts (RFC 8259 grammar, JSON.parse's four
// whitespace characters) or declines by returning undefined, and the caller then parses the page
// as before. It declines whatever it would have to interpret rather than copy: a top-level value
// that is not an object, a top-level key that repeats or holds an escape (JSON.parse keeps the
// last of duplicates), an element that is not an object, whitespace inside an element (a line
// must stay one line). Nesting deeper than MAX_DEPTH is not declined but refused (TooDeepError):
// JSON.parse would take it, and printing it again (JSON.stringify, which recurses) would exhaust
// the stack; no API nests an event that deep, so such a page is garbled.

export interface ScannedPage {
  /** The exact text of each element of the array under the requested key (compact objects). */
  items: string[];
  /** The exact text of every other top-level value, by key. */
  fields: Map<string, string>;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const BACKSLASH = 0x5c;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Thrown inside the scanner only; any error means "decline". */
class Decline extends Error {}
const DECLINE = new Decline();

/** Objects and arrays inside each other deeper than this make a page garbled. */
export const MAX_DEPTH = 256;

/** A page nested deeper than MAX_DEPTH: garbled, not to be parsed or printed. */
export class TooDeepError extends Error {
  constructor() {
    super(`a value nested deeper than ${MAX_DEPTH} levels`);
  }
}

class Scanner {
  pos = 0;
  /** Objects and arrays open around the current position. */
  depth = 0;
  /** Whitespace characters skipped so far: an element with any inside is declined. */
  spaces = 0;

  constructor(readonly text: string) {}

  ws(): void {
    const { text } = this;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    this.spaces += pos - this.pos;
    this.pos = pos;
  }

  expect(code: number): void {
    if (this.text.charCodeAt(this.pos) !== code) throw DECLINE;
    this.pos++;
  }

  /** A string token; returns where its body starts. A plain loop: most strings are short. */
  string(): number {
    const { text } = this;
    let pos = this.pos;
    if (text.charCodeAt(pos) !== QUOTE) throw DECLINE;
    const start = ++pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        const e = text.charCodeAt(pos + 1);
        if (e === 0x75 /* u */) {
          if (
            !isHex(text.charCodeAt(pos + 2)) ||
            !isHex(text.charCodeAt(pos + 3)) ||
            !isHex(text.charCodeAt(pos + 4)) ||
            !isHex(text.charCodeAt(pos + 5))
          )
            throw DECLINE;
          pos += 6;
        } else if (
          e === QUOTE ||
          e === BACKSLASH ||
          e === 0x2f ||
          e === 0x62 ||
          e === 0x66 ||
          e === 0x6e ||
          e === 0x72 ||
          e === 0x74
        ) {
          pos += 2; // \" \\ \/ \b \f \n \r \t
        } else {
          throw DECLINE;
        }
        continue;
      }
      // A control character, or the end of the text (NaN fails both comparisons).
      if (!(c >= 0x20)) throw DECLINE;
      pos++;
    }
    this.pos = pos + 1;
    return start;
  }

  value(): void {
    const { text } = this;
    const c = text.charCodeAt(this.pos);
    if (c === QUOTE) this.string();
    else if (c === OPEN_BRACE) this.object();
    else if (c === OPEN_BRACKET) this.array();
    else if (c === 0x74 /* t */ && text.startsWith('true', this.pos)) this.pos += 4;
    else if (c === 0x66 /* f */ && text.startsWith('false', this.pos)) this.pos += 5;
    else if (c === 0x6e /* n */ && text.startsWith('null', this.pos)) this.pos += 4;
    else {
      NUMBER.lastIndex = this.pos;
      if (!NUMBER.test(text)) throw DECLINE;
      this.pos = NUMBER.lastIndex;
    }
  }

  object(): void {
    this.expect(OPEN_BRACE);
    if (++this.depth > MAX_DEPTH) throw new TooDeepError();
    this.ws();
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACE) {
      this.pos++;
      this.depth--;
      return;
    }
    for (;;) {
      this.string();
      this.ws();
      this.expect(COLON);
      this.ws();
      this.value();
      this.ws();
      const c = this.text.charCodeAt(this.pos++);
      if (c === CLOSE_BRACE) break;
      if (c !== COMMA) throw DECLINE;
      this.ws();
    }
    this.depth--;
  }

  array(): void {
    this.expect(OPEN_BRACKET);
    if (++this.depth > MAX_DEPTH) throw new TooDeepError();
    this.ws();
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos++;
      this.depth--;
      return;
    }
    for (;;) {
      this.value();
      this.ws();
      const c = this.text.charCodeAt(this.pos++);
      if (c === CLOSE_BRACKET) break;
      if (c !== COMMA) throw DECLINE;
      this.ws();
    }
    this.depth--;
  }

  /** The elements of the array at the current position: each must be a compact object. */
  items(): string[] {
    const items: string[] = [];
    this.expect(OPEN_BRACKET);
    this.ws();
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos++;
      return items;
    }
    for (;;) {
      const start = this.pos;
      const spaces = this.spaces;
      this.object();
      if (this.spaces !== spaces) throw DECLINE;
      items.push(this.text.slice(start, this.pos));
      this.ws();
      const c = this.text.charCodeAt(this.pos++);
      if (c === CLOSE_BRACKET) return items;
      if (c !== COMMA) throw DECLINE;
      this.ws();
    }
  }
}

/**
 * The elements of the top-level object's `arrayKey` array and the text of its other values, or
 * undefined when the text is not JSON or is anything this scanner does not pass through. Throws
 * TooDeepError for a page nested deeper than MAX_DEPTH: a garbled page, whatever JSON.parse says.
 */
export function scanPage(text: string, arrayKey: string): ScannedPage | undefined {
  const scanner = new Scanner(text);
  const fields = new Map<string, string>();
  let items: string[] | undefined;
  try {
    scanner.ws();
    scanner.expect(OPEN_BRACE);
    scanner.ws();
    if (text.charCodeAt(scanner.pos) !== CLOSE_BRACE) {
      for (;;) {
        const start = scanner.string();
        const key = text.slice(start, scanner.pos - 1);
        if (key.includes('\\') || fields.has(key) || (key === arrayKey && items)) return undefined;
        scanner.ws();
        scanner.expect(COLON);
        scanner.ws();
        if (key === arrayKey) {
          items = scanner.items();
        } else {
          const from = scanner.pos;
          scanner.value();
          fields.set(key, text.slice(from, scanner.pos));
        }
        scanner.ws();
        const c = text.charCodeAt(scanner.pos++);
        if (c === CLOSE_BRACE) break;
        if (c !== COMMA) return undefined;
        scanner.ws();
      }
    } else {
      scanner.pos++;
    }
    scanner.ws();
    if (scanner.pos !== text.length || !items) return undefined;
    return { items, fields };
  } catch (error) {
    // Decline, or a RangeError from running out of stack anyway: JSON.parse decides then.
    if (error instanceof Decline || error instanceof RangeError) return undefined;
    throw error;
  }
}

/**
 * True when objects and arrays nest deeper than `limit` anywhere in the text (strings skipped).
 * For pages the scanner declined: JSON.parse takes any depth, so the check is made here.
 */
export function nestedDeeperThan(text: string, limit = MAX_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      // The page's object and its array of events are not counted, as in the scanner.
      if (++depth > limit + 2) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
