// Everything on stderr that is not an error: the spinner while stderr is a terminal, plain lines
// otherwise. --quiet keeps progress and recovered retries off, never errors or data warnings. stdout never sees any of it.
import type { Ora } from 'ora';
import type { ColorLevel } from './color.js';
import { sanitizeText } from '../lib/sanitize.js';
import { redactText } from '../lib/redact.js';
import { UNICODE_GLYPHS, type Glyphs } from './glyphs.js';

export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  quiet: boolean;
  verbose: boolean;
  /** stdout is the same terminal: clear the spinner before records are printed. */
  sharesTerminalWithStdout: boolean;
  /** The colour level computed for stderr (--color, NO_COLOR, FORCE_COLOR, TERM). */
  colorLevel: ColorLevel;
  /** ASCII spinner and "..." when the locale is not UTF-8 (default Unicode). */
  glyphs?: Glyphs;
  /**
   * Tips (by their `once` kind) that are shown off a terminal too: the first `--once --output`
   * run in a script writes nothing anywhere, and a person reading its log needs the one line.
   */
  tipsOffTerminal?: readonly string[];
}

/**
 * stdout is a pipe whose reader may print to this same terminal (`events tail X --json | jq`):
 * after records go out the spinner stays off this long, so the reader's lines start on a clean
 * line instead of being glued to the spinner's text.
 */
const READER_QUIET_MS = 1000;

/** Cuts spinner text to a width (loaded with ora: string-width only when a spinner spins). */
type Cut = (text: string, columns: number, ellipsis: string) => string;

export class Progress {
  #spinner: Ora | undefined;
  #stopped = false;
  readonly #tipsShown = new Set<string>();
  readonly #cut: Cut | undefined;
  /** The spinner is kept off until then (see READER_QUIET_MS). */
  #quietUntil = 0;
  #resume: NodeJS.Timeout | undefined;

  private constructor(
    private readonly options: ProgressOptions,
    spinner: { ora: Ora; cut: Cut } | undefined,
  ) {
    this.#spinner = spinner?.ora;
    this.#cut = spinner?.cut;
  }

  static async create(options: ProgressOptions): Promise<Progress> {
    // A terminal that reports 0 columns (some pseudo-terminals) would make ora count infinite
    // lines to clear: no spinner there.
    const interactive = options.stream.isTTY === true && (options.stream.columns ?? 0) > 0 && !options.quiet;
    // ora is only loaded when it will spin: pipes, cron and --quiet never pay for it.
    const spinner = interactive ? await createSpinner(options) : undefined;
    return new Progress(options, spinner);
  }

  get interactive(): boolean {
    return this.#spinner !== undefined;
  }

  /** Spinner text; on a non-terminal, status is not printed (it would flood logs). */
  status(text: string): void {
    if (!this.#spinner || this.#stopped) return;
    const { ellipsis } = this.options.glyphs ?? UNICODE_GLYPHS;
    // One line, whatever the width: a wrapped spinner makes ora clear the line above it (a
    // record). Frame, space, text, and the last column left free.
    const room = (this.options.stream.columns ?? 80) - 3;
    const shown = redactText(sanitizeText(text)).replaceAll('…', ellipsis);
    this.#spinner.text = this.#cut ? this.#cut(shown, room, ellipsis) : shown;
    this.#start();
  }

  /** Starts the spinner, or once the reader's quiet time is over. */
  #start(): void {
    const spinner = this.#spinner;
    if (!spinner || spinner.isSpinning || this.#stopped) return;
    const wait = this.#quietUntil - Date.now();
    if (wait <= 0) {
      spinner.start();
      return;
    }
    this.#resume ??= setTimeout(() => {
      this.#resume = undefined;
      this.#start();
    }, wait).unref();
  }

  /** A line worth keeping in a log (warnings, retries, recoveries). */
  note(text: string): void {
    if (this.options.quiet) return;
    this.#line(`events: ${sanitizeText(text)}`);
  }

  /**
   * A hint for a person at a terminal: never in logs or pipes, nor with --quiet. With `once`, only
   * the first tip of that kind is shown (a thousand listed projects get one first-run hint).
   */
  tip(text: string, once?: string): void {
    if (this.options.quiet) return;
    const offTerminal = once !== undefined && this.options.tipsOffTerminal?.includes(once) === true;
    if (this.options.stream.isTTY !== true && !offTerminal) return;
    if (once !== undefined) {
      if (this.#tipsShown.has(once)) return;
      this.#tipsShown.add(once);
    }
    this.#line(`events: ${sanitizeText(text)}`);
  }

  /**
   * Anything that means events may be missing or repeated (an expired cursor, a reader that went
   * away): always printed, --quiet included, since that is what a cron job's log must show.
   */
  warn(text: string): void {
    this.#line(`events: warning: ${sanitizeText(text)}`);
  }

  /** What a stop left behind (lines the next run repeats): always printed, --quiet included. */
  stopped(text: string): void {
    this.#line(`events: ${sanitizeText(text)}`);
  }

  /** A retry notice: spinner text on a terminal, a line otherwise. */
  retrying(text: string): void {
    if (this.options.quiet) return;
    if (this.#spinner && !this.#stopped) this.status(text);
    else this.#line(`events: ${sanitizeText(text)}`);
  }

  debug(text: string): void {
    if (this.options.verbose) this.#line(`events: debug: ${text}`);
  }

  /** Errors are printed even with --quiet. */
  error(text: string): void {
    this.#line(text);
  }

  /** Runs a stdout write with the spinner cleared, so records and spinner never mix. */
  async aroundOutput<T>(write: () => Promise<T>): Promise<T> {
    const spinner = this.#spinner;
    if (spinner && !this.options.sharesTerminalWithStdout) {
      // A pipe: its reader prints when it likes. Clear the spinner and leave it off for a while.
      if (spinner.isSpinning) spinner.stop();
      this.#quietUntil = Date.now() + READER_QUIET_MS;
      return write();
    }
    if (!spinner?.isSpinning) return write();
    spinner.clear();
    try {
      return await write();
    } finally {
      spinner.render();
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#resume);
    this.#spinner?.stop();
  }

  #line(unredacted: string): void {
    const text = redactText(unredacted);
    const spinner = this.#spinner;
    if (spinner?.isSpinning) {
      spinner.clear();
      this.options.stream.write(`${text}\n`);
      spinner.render();
    } else {
      this.options.stream.write(`${text}\n`);
    }
  }
}

/** ora colours its frames with chalk's default instance, which looks at stdout and argv, not at
 * our --color/NO_COLOR: its own colouring is turned off and the frames are painted here. */
async function createSpinner(options: ProgressOptions): Promise<{ ora: Ora; cut: Cut }> {
  const spinner = (await import('ora')).default({
    stream: options.stream,
    discardStdin: false,
    hideCursor: false,
    color: false,
    spinner: (options.glyphs ?? UNICODE_GLYPHS).spinner,
  });
  if (options.colorLevel > 0) {
    const { Chalk } = await import('chalk');
    const cyan = new Chalk({ level: options.colorLevel }).cyan;
    const { frames, interval } = spinner.spinner;
    spinner.spinner = { interval, frames: frames.map((frame) => cyan(frame)) };
  }
  const { cutToWidth } = await import('./width.js');
  return { ora: spinner, cut: cutToWidth };
}
