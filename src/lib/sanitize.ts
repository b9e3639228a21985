// Server text is untrusted: a task named "\x1b]0;pwned\x07" must not retitle the user's terminal,
// and a newline must not forge a second output line.
const ESCAPE_SEQUENCES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|.)?/g;
/** Controls, line and paragraph separators (U+2028/U+2029: a line break to some terminals and
 * editors) and bidi controls (marks, embeddings, overrides, isolates, the Arabic letter mark
 * U+061C): a space each. */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** Invisible characters that only hide or disguise text: zero width space, word joiner and the
 * invisible operators (U+2060..U+2064), the byte order mark / zero width no-break space U+FEFF,
 * the Mongolian vowel separator U+180E. Removed. */
const INVISIBLE = /[\u180e\u200b\u2060-\u2064\ufeff]/g;
/** Zero width (non-)joiners carry meaning between two letters (Persian, Indic scripts) or inside
 * an emoji sequence (👩‍💻); anywhere else (at an end, beside a space, doubled) they only hide. */
const STRAY_JOINER =
  /(?<![\p{L}\p{M}\p{Extended_Pictographic}\uFE0F\u{1F3FB}-\u{1F3FF}])[\u200c\u200d]+|[\u200c\u200d]+(?![\p{L}\p{M}\p{Extended_Pictographic}])|[\u200c\u200d]{2,}/gu;

export function sanitizeText(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, '').replace(CONTROL, ' ').replace(INVISIBLE, '').replace(STRAY_JOINER, '');
}
