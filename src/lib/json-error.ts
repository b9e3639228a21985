// What is wrong with a file that JSON.parse refused, in words that never echo the file: V8's own
// message quotes the start of the text, newlines, control bytes and secrets included ("Unexpected
// token 'x', "{"proxy": x…" is not valid JSON"), which would break the one-line error rule.

/** JSON.parse's complaint about `text`, as one line with a line and column instead of an excerpt. */
export function describeJsonError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/end of JSON input/i.test(message)) return 'it ends in the middle of a value';
  const at = /at position (\d+)/.exec(message);
  if (at) {
    const position = Number(at[1]);
    const char = text.codePointAt(position);
    if (char === undefined) return 'it ends in the middle of a value';
    return `unexpected ${describeChar(char)} at ${lineAndColumn(text, position)}`;
  }
  // "Unexpected token 'x', "<the start of the file>" is not valid JSON": the token, not the excerpt.
  const token = /^Unexpected token '(.+?)'/su.exec(message)?.[1]?.codePointAt(0);
  return token === undefined ? 'not JSON' : `unexpected ${describeChar(token)}`;
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** A printable character as itself in quotes; anything else by its code point only. */
function describeChar(code: number): string {
  const printable = code > 0x20 && code < 0x7f;
  return printable
    ? `"${String.fromCodePoint(code)}"`
    : `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}
