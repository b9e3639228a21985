// Cursors live in one JSON file per subscription and consumer group, so two processes that tail
// different things never rewrite each other's file. Checkpoints are written atomically and
// durably (temp file, fsync, rename, folder fsync) by our own few lines in src/lib/durable.ts,
// with 0600/0700 modes and loud failures instead of silent resets. Not conf: its writer
// (atomically) loads when-exit, which hooks SIGINT/SIGTERM on import and re-raises them, so one
// Ctrl-C acted as two and the cursor of the page in flight was never saved.
import fs from 'node:fs';
import path from 'node:path';
import { cursorProblem } from '../core/cursor-rules.js';
import { StateError } from '../core/errors.js';
import { fsyncDir, writeFileAtomic, writeFileDurable } from '../lib/durable.js';
import { folderError, isFileSystemError, makeStateFolder } from './folder.js';
import type { Cursor } from '../core/provider.js';

export const STATE_VERSION = 1;

/** One page: a write this small at offset 0 is never split by a killed process. */
const IN_PLACE_LIMIT = 4096;

export interface CursorKey {
  provider: string;
  host: string;
  subscription: string;
  group: string;
}

export interface CursorRecord extends CursorKey {
  version: number;
  label: string;
  cursor: Cursor;
  /** When this cursor was saved: the last successful sync. */
  savedAt: string;
  /** created_at of the newest event written. */
  lastEventAt?: string;
  /** Recent event ids, for streams that repeat events (Box). */
  seen?: string[];
}

export function fileNameFor(key: CursorKey): string {
  const part = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '-');
  return [key.provider, part(key.host), part(key.subscription), part(key.group)].join('__');
}

export class CursorStore {
  readonly cursorsDir: string;
  readonly locksDir: string;

  /** `create: false` for commands that only read (state list/show): a read-only folder is fine. */
  constructor(
    readonly dir: string,
    { create = true }: { create?: boolean } = {},
  ) {
    this.cursorsDir = path.join(dir, 'cursors');
    this.locksDir = path.join(dir, 'locks');
    if (!create) return;
    for (const d of [dir, this.cursorsDir, this.locksDir]) makeStateFolder(d);
  }

  file(key: CursorKey): CursorFile {
    return new CursorFile(this, key);
  }

  lockPath(key: CursorKey): string {
    return path.join(this.locksDir, `${fileNameFor(key)}.lock`);
  }

  /** The cursor files' names, also of files too broken to read. */
  fileNames(): string[] {
    try {
      return fs
        .readdirSync(this.cursorsDir)
        .filter((name) => name.endsWith('.json'))
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw folderError('read the state folder', this.cursorsDir, error);
    }
  }

  /** Every stored cursor (unreadable files are reported through `onError`, not thrown). */
  list(onError?: (file: string, error: Error) => void): CursorRecord[] {
    const records: CursorRecord[] = [];
    for (const name of this.fileNames()) {
      try {
        const record = readRecord(path.join(this.cursorsDir, name));
        if (record) records.push(record);
      } catch (error) {
        onError?.(name, error as Error);
      }
    }
    return records;
  }
}

export class CursorFile {
  readonly path: string;

  constructor(
    readonly store: CursorStore,
    readonly key: CursorKey,
  ) {
    this.path = path.join(store.cursorsDir, `${fileNameFor(key)}.json`);
  }

  load(): CursorRecord | undefined {
    try {
      return readRecord(this.path, this.key.provider);
    } catch (error) {
      if (error instanceof StateError && /is corrupt/.test(error.message)) throw this.needsReset(error);
      throw error;
    }
  }

  /** The same error, with the command that starts this subscription over as its fix. */
  needsReset(error: StateError): StateError {
    const reset = `events state reset ${this.key.subscription}${this.key.group === 'default' ? '' : ` --group ${this.key.group}`}`;
    return new StateError(error.message, `start this subscription over from now: ${reset} (or rm '${this.path}')`, {
      cause: error,
    });
  }

  /**
   * A checkpoint (caught up, stopping, or a second into a long drain): an atomic write with
   * fsync, then a folder fsync, so the cursor survives a power cut.
   */
  async save(record: Omit<CursorRecord, keyof CursorKey | 'version'>): Promise<void> {
    const full: CursorRecord = { version: STATE_VERSION, ...this.key, ...record };
    try {
      this.#closeInPlace();
      writeFileDurable(this.path, `${JSON.stringify(full, undefined, '\t')}\n`);
    } catch (error) {
      throw saveFailed(this.path, error);
    }
  }

  /**
   * A page in the middle of a drain: no fsync (two per page would cost more than reading the
   * page), yet never a torn file after a killed process. A small record is written over the file
   * in place with one write of at most one page at offset 0 (padded with spaces to the old
   * length; JSON ignores them), which a kill cannot split; a large one (Box ids) is replaced
   * through a temporary file (writeFileAtomic, not durable).
   */
  async saveQuick(record: Omit<CursorRecord, keyof CursorKey | 'version'>): Promise<void> {
    const full: CursorRecord = { version: STATE_VERSION, ...this.key, ...record };
    const text = JSON.stringify(full, undefined, '\t');
    try {
      if (Buffer.byteLength(text) <= IN_PLACE_LIMIT && this.#writeInPlace(text)) return;
      this.#closeInPlace();
      writeFileAtomic(this.path, text, { durable: false });
    } catch (error) {
      throw saveFailed(this.path, error);
    }
  }

  #inPlace: { fd: number; length: number } | undefined;

  #writeInPlace(text: string): boolean {
    if (!this.#inPlace) {
      let fd: number;
      try {
        fd = fs.openSync(this.path, 'r+');
      } catch {
        return false;
      }
      this.#inPlace = { fd, length: fs.fstatSync(fd).size };
    }
    const { fd, length } = this.#inPlace;
    if (length > IN_PLACE_LIMIT) return false;
    const body = Buffer.from(text.padEnd(length, ' '));
    fs.writeSync(fd, body, 0, body.length, 0);
    this.#inPlace.length = body.length;
    return true;
  }

  /** A rename put a new file in place: the open one is stale. */
  #closeInPlace(): void {
    if (this.#inPlace) fs.closeSync(this.#inPlace.fd);
    this.#inPlace = undefined;
  }

  reset(): boolean {
    try {
      this.#closeInPlace();
      fs.unlinkSync(this.path);
      fsyncDir(this.store.cursorsDir);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw folderError('remove', this.path, error);
    }
  }
}

/** The string each provider's cursor must hold: without it the record is not a position at all. */
const CURSOR_TOKEN: Record<string, string> = { asana: 'sync', box: 'position' };

/**
 * A cursor record, or undefined when the file does not exist. Anything else that is not a record
 * with the provider's position (`{}`, `[]`, `0`, `null`, a cursor without its sync token) is
 * corrupt: taken as "no cursor", the next run would start from now and skip, for good, the events
 * since the last run.
 */
function readRecord(
  file: string,
  provider?: string,
  read: () => unknown = () => JSON.parse(fs.readFileSync(file, 'utf8')),
): CursorRecord | undefined {
  let value: unknown;
  try {
    value = read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Not readable (a folder in its place, no permission): the folder's problem, not a corrupt file.
    throw isFileSystemError(error) ? folderError('read', file, error) : corrupt(file, error);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw corrupt(
      file,
      new Error(
        `${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not a cursor record`,
      ),
    );
  const data = value as Record<string, unknown>;
  const version = data['version'];
  if (typeof version === 'number' && version > STATE_VERSION) {
    throw new StateError(
      `${file} was written by a newer version of events (state version ${version})`,
      `upgrade events, or delete the file to start this subscription over: rm '${file}'`,
    );
  }
  const cursor = data['cursor'];
  if (version !== STATE_VERSION || typeof cursor !== 'object' || cursor === null || Array.isArray(cursor))
    throw corrupt(file, new Error('not a cursor record'));
  const token = CURSOR_TOKEN[provider ?? String(data['provider'])];
  const held = (cursor as Record<string, unknown>)[token ?? ''];
  if (token && !(typeof held === 'string' || (token === 'position' && typeof held === 'number')))
    throw corrupt(file, new Error(`its cursor holds no ${token} token`));
  // The rule every received cursor passes (an older version stored whatever came): a cursor that
  // breaks it would be sent on every run and refused, or answered 412 with the events lost.
  const problem = token ? cursorProblem(typeof held === 'number' ? String(held) : held) : undefined;
  if (problem !== undefined) throw corrupt(file, new Error(`its ${token} token ${problem}`));
  return data as unknown as CursorRecord;
}

function saveFailed(file: string, error: unknown): Error {
  return folderError('save the cursor to', file, error);
}

function corrupt(file: string, error: unknown): StateError {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new StateError(
    `state file ${file} is corrupt (${reason})`,
    `delete it to start this subscription over from now: rm '${file}'`,
    { cause: error },
  );
}
