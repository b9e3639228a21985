// How many terminal columns text takes, and how to cut it to a width without splitting a grapheme
// (no lone surrogate, no emoji ZWJ sequence cut after its joiner). Columns come from string-width
// (installed with ora), so we keep no width table; the grapheme cutting is ours: string-width has none.
import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Columns the text takes on a terminal (no escape sequences expected: colour comes later). */
export function textWidth(text: string): number {
  return stringWidth(text);
}

/** The text cut to at most `columns`, whole graphemes only, ending in "…" (or the ASCII "...")
 * when cut; a width narrower than the ellipsis gets as much of the ellipsis as fits. */
export function cutToWidth(text: string, columns: number, ellipsis = '…'): string {
  if (columns <= 0) return '';
  if (textWidth(text) <= columns) return text;
  const mark = textWidth(ellipsis);
  if (columns <= mark) return ellipsis.slice(0, columns);
  let out = '';
  let used = 0;
  for (const grapheme of graphemes(text)) {
    const width = stringWidth(grapheme);
    if (used + width > columns - mark) break;
    out += grapheme;
    used += width;
  }
  return `${out}${ellipsis}`;
}
