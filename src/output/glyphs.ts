// The few non-ASCII characters of human output (separators, arrows, the ellipsis of a cut name,
// snapshot rules, the spinner) and their ASCII stand-ins for a terminal whose locale is not UTF-8
// (LC_ALL=C in cron, a serial console), where they would print as mojibake.

export interface Glyphs {
  /** Between an event and its change: `· assignee → Grace`. */
  dot: string;
  arrow: string;
  /** A value removed from a list field: `tags − urgent`. */
  minus: string;
  /** The end of a cut name. */
  ellipsis: string;
  /** The rule around a snapshot. */
  rule: string;
  check: string;
  /** ora's spinner name. */
  spinner: 'dots' | 'line';
}

export const UNICODE_GLYPHS: Glyphs = {
  dot: '·',
  arrow: '→',
  minus: '−',
  ellipsis: '…',
  rule: '──',
  check: '✓',
  spinner: 'dots',
};
export const ASCII_GLYPHS: Glyphs = {
  dot: '-',
  arrow: '->',
  minus: '-',
  ellipsis: '...',
  rule: '--',
  check: '[x]',
  spinner: 'line',
};

/**
 * Whether the terminal's character set is UTF-8, as the C library decides it: the first of
 * LC_ALL, LC_CTYPE, LANG that is set and not empty names the locale; UTF-8 when it says utf-8 or
 * utf8 (any case); C, POSIX or nothing set means ASCII.
 */
export function localeIsUtf8(env: NodeJS.ProcessEnv): boolean {
  const locale = [env['LC_ALL'], env['LC_CTYPE'], env['LANG']].find((v) => v !== undefined && v !== '');
  return locale !== undefined && /utf-?8/i.test(locale);
}

export function glyphsFor(env: NodeJS.ProcessEnv): Glyphs {
  return localeIsUtf8(env) ? UNICODE_GLYPHS : ASCII_GLYPHS;
}
