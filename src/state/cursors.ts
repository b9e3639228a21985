// Cursors live in one conf file per subscription and consumer group, so two processes that tail
// different things never rewrite each other's file (conf rewrites a whole file on every set).
// conf writes atomically (temp file, fsync, rename); we add the directory fsync that makes the
// rename itself durable, 0600/0700 modes, and loud failures instead of silent resets.
import fs from 'node:fs';
import path from 'node:path';
import Conf from 'conf';
import { StateError } from '../errors.js';
import type { Cursor } from '../providers/types.js';

export const STATE_VERSION = 1;

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

  constructor(readonly dir: string) {
    this.cursorsDir = path.join(dir, 'cursors');
    this.locksDir = path.join(dir, 'locks');
    for (const d of [dir, this.cursorsDir, this.locksDir]) {
      try {
        fs.mkdirSync(d, { recursive: true, mode: 0o700 });
      } catch (error) {
        throw new StateError(`cannot create the state folder ${d} (${(error as Error).message})`, 'set EVENTS_CONFIG_DIR to a writable folder');
      }
    }
  }

  file(key: CursorKey): CursorFile {
    return new CursorFile(this, key);
  }

  lockPath(key: CursorKey): string {
    return path.join(this.locksDir, `${fileNameFor(key)}.lock`);
  }

  /** Every stored cursor (unreadable files are reported through `onError`, not thrown). */
  list(onError?: (file: string, error: Error) => void): CursorRecord[] {
    const records: CursorRecord[] = [];
    for (const name of fs.readdirSync(this.cursorsDir).sort()) {
      if (!name.endsWith('.json')) continue;
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
  readonly #conf: Conf<Record<string, unknown>>;

  constructor(readonly store: CursorStore, readonly key: CursorKey) {
    const configName = fileNameFor(key);
    this.path = path.join(store.cursorsDir, `${configName}.json`);
    try {
      this.#conf = new Conf({
        projectName: 'events',
        cwd: store.cursorsDir,
        configName,
        configFileMode: 0o600,
        clearInvalidConfig: false,
        accessPropertiesByDotNotation: false,
        watch: false,
      });
    } catch (error) {
      throw corrupt(this.path, error);
    }
  }

  load(): CursorRecord | undefined {
    return readRecord(this.path, () => this.#conf.store);
  }

  save(record: Omit<CursorRecord, keyof CursorKey | 'version'>): void {
    const full: CursorRecord = { version: STATE_VERSION, ...this.key, ...record };
    try {
      this.#conf.store = full as unknown as Record<string, unknown>;
      fsyncDir(this.store.cursorsDir);
    } catch (error) {
      throw new StateError(`cannot save the cursor to ${this.path} (${(error as Error).message})`, 'check free disk space and permissions of the state folder');
    }
  }

  reset(): boolean {
    try {
      fs.unlinkSync(this.path);
      fsyncDir(this.store.cursorsDir);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new StateError(`cannot remove ${this.path} (${(error as Error).message})`, 'check permissions of the state folder');
    }
  }
}

function readRecord(file: string, read: () => Record<string, unknown> = () => JSON.parse(fs.readFileSync(file, 'utf8'))): CursorRecord | undefined {
  let data: Record<string, unknown>;
  try {
    data = read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw corrupt(file, error);
  }
  if (Object.keys(data).length === 0) return undefined;
  const version = data['version'];
  if (typeof version === 'number' && version > STATE_VERSION) {
    throw new StateError(`${file} was written by a newer version of events (state version ${version})`, `upgrade events, or delete the file to start this subscription over: rm '${file}'`);
  }
  if (version !== STATE_VERSION || typeof data['cursor'] !== 'object' || data['cursor'] === null) throw corrupt(file, new Error('not a cursor record'));
  return data as unknown as CursorRecord;
}

function corrupt(file: string, error: unknown): StateError {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new StateError(`state file ${file} is corrupt (${reason})`, `delete it to start this subscription over from now: rm '${file}'`, { cause: error });
}

/** rename() is atomic, but only an fsync of the folder makes it survive a power cut. */
function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
