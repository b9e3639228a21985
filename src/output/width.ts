// How many terminal columns text takes, grapheme by grapheme, and how to cut it to a width without
// splitting a grapheme (no lone surrogate, no emoji ZWJ sequence cut after its joiner). The rules are
// those of string-width (which ora uses; not a dependency of ours): a grapheme is 0 columns when it
// has nothing visible, 2 when it is an emoji (presentation, VS16, keycap, flag, ZWJ sequence) or
// East Asian Wide/Fullwidth, else 1 (East Asian Ambiguous counts as narrow, as in most terminals).

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The first code point that prints: not a control, format character (ZWJ, bidi isolates),
 * combining mark, variation selector (both Default_Ignorable or Mark) or surrogate. */
const VISIBLE = /[^\p{Cc}\p{Cf}\p{Mn}\p{Me}\p{Default_Ignorable_Code_Point}\p{Cs}]/u;
const EXTENDED_PICTOGRAPHIC = /\p{Extended_Pictographic}/gu;
const EMOJI_PRESENTATION = /^\p{Emoji_Presentation}/u;
const REGIONAL_INDICATOR = /^\p{Regional_Indicator}/u;
const KEYCAP = /^[#*0-9]\uFE0F?\u20E3/;
const SPACING_MARK = /\p{Mc}/u;
const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * East Asian Width W and F ranges (inclusive pairs) that are not emoji: the Emoji_Presentation
 * code points of EastAsianWidth.txt's W ranges are left out (the emoji rule counts them), which
 * shrinks Unicode 17's ~130 ranges to these. Source: EastAsianWidth.txt of Unicode 17 (as packaged
 * by get-east-asian-width 1.7), minus \p{Emoji_Presentation} of Node 20's ICU (Unicode 15.1), so
 * emoji added after 15.1 (e.g. U+1F6D9, U+1FA8B..) stay here.
 */
// prettier-ignore
const WIDE: readonly number[] = [
  0x1100, 0x115f, 0x2329, 0x232a, 0x2630, 0x2637, 0x268a, 0x268f, 0x2e80, 0x2e99, 0x2e9b, 0x2ef3,
  0x2f00, 0x2fd5, 0x2ff0, 0x303e, 0x3041, 0x3096, 0x3099, 0x30ff, 0x3105, 0x312f, 0x3131, 0x318e,
  0x3190, 0x31e5, 0x31ef, 0x321e, 0x3220, 0x3247, 0x3250, 0xa48c, 0xa490, 0xa4c6, 0xa960, 0xa97c,
  0xac00, 0xd7a3, 0xf900, 0xfaff, 0xfe10, 0xfe19, 0xfe30, 0xfe52, 0xfe54, 0xfe66, 0xfe68, 0xfe6b,
  0xff01, 0xff60, 0xffe0, 0xffe6, 0x16fe0, 0x16fe4, 0x16ff0, 0x16ff6, 0x17000, 0x18cda, 0x18cff, 0x18d20,
  0x18d80, 0x18df2, 0x18e00, 0x19191, 0x191a0, 0x191d2, 0x1aff0, 0x1aff3, 0x1aff5, 0x1affb, 0x1affd, 0x1affe,
  0x1b000, 0x1b128, 0x1b132, 0x1b132, 0x1b150, 0x1b152, 0x1b155, 0x1b155, 0x1b164, 0x1b168, 0x1b170, 0x1b2fb,
  0x1d300, 0x1d356, 0x1d360, 0x1d376, 0x1f1ae, 0x1f1ae, 0x1f200, 0x1f202, 0x1f210, 0x1f23b, 0x1f240, 0x1f248,
  0x1f260, 0x1f265, 0x1f6d9, 0x1f6d9, 0x1f7da, 0x1f7da, 0x1fa8b, 0x1fa8d, 0x1facc, 0x1fadd, 0x1faeb, 0x1faeb,
  0x1faf9, 0x1fafa, 0x20000, 0x2fffd, 0x30000, 0x3fffd,
];

function isWide(codePoint: number): boolean {
  let low = 0;
  let high = WIDE.length / 2 - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (codePoint < WIDE[mid * 2]!) high = mid - 1;
    else if (codePoint > WIDE[mid * 2 + 1]!) low = mid + 1;
    else return true;
  }
  return false;
}

function codePointWidth(codePoint: number): number {
  return isWide(codePoint) ? 2 : 1;
}

/** Columns of one grapheme cluster. */
export function graphemeWidth(grapheme: string): number {
  const start = grapheme.search(VISIBLE);
  if (start === -1) return 0;
  const visible = grapheme.slice(start);
  if (isEmoji(visible)) return 2;
  const first = visible.codePointAt(0)!;
  let width = codePointWidth(first);
  // Spacing marks and halfwidth/fullwidth forms inside the cluster take columns of their own
  // (Devanagari vowel signs, halfwidth katakana voiced marks).
  for (const char of visible.slice(first > 0xffff ? 2 : 1)) {
    const cp = char.codePointAt(0)!;
    if (SPACING_MARK.test(char) || (cp >= 0xff00 && cp <= 0xffef)) width += codePointWidth(cp);
  }
  return width;
}

function isEmoji(cluster: string): boolean {
  if (KEYCAP.test(cluster)) return true;
  // A flag is a pair of regional indicators; a lone one is a narrow letter.
  if (REGIONAL_INDICATOR.test(cluster)) return [...cluster].filter((c) => REGIONAL_INDICATOR.test(c)).length >= 2;
  if (EMOJI_PRESENTATION.test(cluster)) return true;
  const pictographs = cluster.match(EXTENDED_PICTOGRAPHIC)?.length ?? 0;
  if (pictographs === 0 || !/^\p{Extended_Pictographic}/u.test(cluster)) return false;
  // Text-default pictographs become emoji with VS16 (☺️), and ZWJ sequences of two or more render as one.
  return cluster.includes('\uFE0F') || (cluster.includes('\u200D') && pictographs >= 2);
}

export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Columns the text takes on a terminal (no escape sequences expected: colour comes later). */
export function textWidth(text: string): number {
  if (ASCII_PRINTABLE.test(text)) return text.length;
  let width = 0;
  for (const { segment } of segmenter.segment(text)) width += graphemeWidth(segment);
  return width;
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
    const width = graphemeWidth(grapheme);
    if (used + width > columns - mark) break;
    out += grapheme;
    used += width;
  }
  return `${out}${ellipsis}`;
}
