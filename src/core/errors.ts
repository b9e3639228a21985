// Every failure the user can act on is one of these classes. The core throws them; only
// src/main.ts turns them into a one-line message and an exit code, so no module deep in the
// stack ever calls process.exit() and skips saving a cursor.
import { formatAge } from '../lib/age.js';
import { redactText } from '../lib/redact.js';

export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  state: 5,
  locked: 6,
  expired: 7,
  /** --shard K/N in follow mode holds nothing to follow: a unit file names it in RestartPreventExitStatus=. */
  emptyShard: 8,
  /**
   * EX_DATAERR of sysexits.h: the API refused the request as it was asked (400, 451, ...), which
   * retrying would send again; a flag or the resource must change. Not 1, which is for bugs.
   */
  api: 65,
  /** EX_NOINPUT of sysexits.h: an input file (--refs-file) cannot be read. */
  noInput: 66,
  /** A local resource is not available: the emulator's port is taken (EX_UNAVAILABLE). */
  unavailable: 69,
  /** EX_CANTCREAT: the state folder (EVENTS_CONFIG_DIR) cannot be created or written. */
  stateFolder: 73,
  /** Output could not be written: disk full, closed stdout, no permission (EX_IOERR). */
  output: 74,
  temporary: 75,
  /** EX_PROTOCOL: the server's TLS certificate is not trusted, expired or for another host. */
  tls: 76,
  /** EX_CONFIG: config.json or the variables that locate it are wrong. */
  config: 78,
  brokenPipe: 141,
  /** The terminal went away (SIGHUP) without an --output FILE to reopen. */
  sighup: 129,
  sigint: 130,
  sigterm: 143,
} as const;

export type ErrorCategory =
  | 'usage'
  | 'auth'
  | 'not-found'
  | 'state'
  | 'state-folder'
  | 'empty-shard'
  | 'locked'
  | 'expired'
  | 'input'
  | 'temporary'
  | 'config'
  | 'output'
  | 'unavailable'
  | 'api'
  | 'tls'
  | 'internal';

export class EventsError extends Error {
  readonly exitCode: number;
  readonly category: ErrorCategory;
  /** How to fix it, shown after the cause on the same line. */
  readonly hint: string | undefined;

  constructor(
    category: ErrorCategory,
    exitCode: number,
    message: string,
    hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.category = category;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

export class UsageError extends EventsError {
  constructor(message: string, hint?: string) {
    super('usage', ExitCode.usage, message, hint);
  }
}

export class AuthError extends EventsError {
  constructor(message: string, hint?: string) {
    super('auth', ExitCode.auth, message, hint);
  }
}

export class NotFoundError extends EventsError {
  constructor(message: string, hint?: string) {
    super('not-found', ExitCode.notFound, message, hint);
  }
}

export class StateError extends EventsError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super('state', ExitCode.state, message, hint, options);
  }
}

/**
 * The server refused a request as too long (414, 431) because of the stored cursor it carried:
 * retrying sends it again, so a person must reset it. The follow loop adds the reset command.
 */
export class CursorRefusedError extends StateError {}

/**
 * The state folder cannot hold cursors or locks: it cannot be created, is read-only, full, not
 * ours, or something else sits where a folder or a lock file goes. Not a corrupt file (exit 5):
 * a person must fix the folder or point EVENTS_CONFIG_DIR elsewhere.
 */
export class StateFolderError extends EventsError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super('state-folder', ExitCode.stateFolder, message, hint, options);
  }
}

/**
 * `--shard K/N` without --once, and the hash sends none of the references to shard K: nothing will
 * ever arrive. Its own exit code, so a unit file with Restart=always can stop restarting it every
 * RestartSec (RestartPreventExitStatus=8) instead of looping.
 */
export class EmptyShardError extends EventsError {
  constructor(message: string, hint?: string) {
    super('empty-shard', ExitCode.emptyShard, message, hint);
  }
}

/** Why shard `index`/`count` of `references` is empty: the `shard-empty` note (output/notices.ts) and EmptyShardError say it alike. */
export function emptyShardMessage(shard: { index: number; count: number }, references: number): string {
  const { index, count } = shard;
  return references === 1
    ? `shard ${index}/${count} is empty: the hash of its id sends the one reference to another shard, so there is nothing to follow`
    : `shard ${index}/${count} is empty: the hashes of their ids send all ${references} references to other shards, so there is nothing to follow`;
}

export class LockedError extends EventsError {
  constructor(message: string, hint?: string) {
    super('locked', ExitCode.locked, message, hint);
  }
}

/** A stored cursor the API refused (412) under --on-expire fail: said as its warning says it. */
export class ExpiredError extends EventsError {
  constructor(subject: string, ageMs: number | undefined) {
    super(
      'expired',
      ExitCode.expired,
      expiredCursorMessage(subject, ageMs),
      'run again with --on-expire recrawl (the default) to take a fresh cursor and re-read the current state',
    );
  }
}

/** The cause of an expired cursor: the `cursor-expired` warning (output/notices.ts) and ExpiredError say it alike. */
export function expiredCursorMessage(subject: string, ageMs: number | undefined): string {
  const age = ageMs === undefined ? 'unknown' : formatAge(ageMs);
  return `the stored cursor of ${subject} has expired (saved ${age} ago); events since then were missed`;
}

/** A file the user named cannot be read (missing, a folder, no permission). */
export class InputError extends EventsError {
  constructor(message: string, hint?: string) {
    super('input', ExitCode.noInput, message, hint);
  }
}

/** config.json (or EVENTS_CONFIG_DIR/HOME, which locate it) is wrong: a person must fix a file. */
export class ConfigError extends EventsError {
  constructor(message: string, hint?: string) {
    super('config', ExitCode.config, message, hint);
  }
}

/** Records could not be written where they go; the cursor did not move past them. */
export class OutputError extends EventsError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super('output', ExitCode.output, message, hint, options);
  }
}

/** Something on this machine that the command needs is not available (a port in use). */
export class UnavailableError extends EventsError {
  constructor(message: string, hint?: string) {
    super('unavailable', ExitCode.unavailable, message, hint);
  }
}

/** Retrying did not help within the allowed time (EX_TEMPFAIL: cron may simply run again). */
export class TemporaryError extends EventsError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super('temporary', ExitCode.temporary, message, hint, options);
  }
}

/**
 * A 200 answer that is not a page of the API (no array of events, a cursor that breaks the rules
 * of core/cursor-rules.ts, has_more not a boolean, not JSON). Nothing of it is written and no
 * cursor moves: it is retried with backoff like a 5xx (net/retry.ts), and when retrying does not
 * help within --give-up the run ends with exit 75 and this message.
 */
export class BadPageError extends EventsError {
  constructor(message: string) {
    super('temporary', ExitCode.temporary, message, 'nothing of it was written and no cursor moved');
  }
}

/** The API answered with an error that retrying will not fix (400, 451, ...): exit 65. */
export class ApiError extends EventsError {
  readonly status: number;
  constructor(status: number, message: string, hint?: string) {
    super('api', ExitCode.api, message, hint);
    this.status = status;
  }
}

/** The process was asked to stop (signal or closed stdout); not a failure of the stream. */
export class StopRequested extends Error {
  constructor(readonly exitCode: number) {
    super('stop requested');
  }
}

/** The one error line (with the stack under --verbose), redacted: a message may quote a URL. */
export function formatError(error: unknown, verbose: boolean): string {
  return redactText(unredactedError(error, verbose));
}

function unredactedError(error: unknown, verbose: boolean): string {
  if (error instanceof EventsError) {
    const line = `events: ${error.message}${error.hint ? ` (${error.hint})` : ''}`;
    return verbose && error.stack ? `${line}\n${error.stack}` : line;
  }
  const message = error instanceof Error ? error.message : String(error);
  const line = `events: internal error: ${message} (run again with --verbose for details, and report it)`;
  return verbose && error instanceof Error && error.stack ? `${line}\n${error.stack}` : line;
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof EventsError) return error.exitCode;
  if (error instanceof StopRequested) return error.exitCode;
  return ExitCode.internal;
}
