// What the tool knows of the webhooks it created (issue 26): per subscription and consumer group,
// the webhook's gid, its secret, the receiver's path id and the target. One file per subscription
// beside its cursor (webhooks/<same name as the cursor>.json), so two processes that tail
// different things never rewrite each other's file and the cursor's lock covers this one too.
// Written like cursors (src/lib/durable.ts: temp file, fsync, rename, folder fsync), mode 0600 in
// a 0700 folder: the secret signs deliveries, so it is never printed, logged or put elsewhere.
import fs from 'node:fs';
import path from 'node:path';
import { StateError } from '../core/errors.js';
import { fsyncDir, writeFileDurable } from '../lib/durable.js';
import { fileNameFor, type CursorKey } from './cursors.js';
import { folderError, isFileSystemError, makeStateFolder } from './folder.js';

export const WEBHOOK_STATE_VERSION = 1;

/** The same key as the subscription's cursor. */
export type WebhookKey = CursorKey;

export interface WebhookFields {
  /** The gid the webhook watches (the subscription's resource). */
  resource: string;
  /** The receiver's path for this subscription: /hooks/<pathId>. */
  pathId: string;
  /** The URL Asana delivers to (--webhook-url + /hooks/<pathId>). */
  target: string;
  /** From the handshake; signs every delivery. */
  secret?: string;
  /** Known once POST /webhooks has answered. */
  webhookGid?: string;
}

export interface WebhookRecord extends WebhookKey, WebhookFields {
  version: number;
  savedAt: string;
}

/** A record as `events webhooks list` may show it: everything but the secret. */
export type PublicWebhookRecord = Omit<WebhookRecord, 'secret'> & { secret: 'stored' | 'none' };

export function publicView(record: WebhookRecord): PublicWebhookRecord {
  const { secret, ...rest } = record;
  return { ...rest, secret: secret === undefined ? 'none' : 'stored' };
}

export class WebhookStore {
  readonly webhooksDir: string;

  /** `create: false` for commands that only read: a read-only folder is fine. */
  constructor(
    readonly dir: string,
    { create = true }: { create?: boolean } = {},
  ) {
    this.webhooksDir = path.join(dir, 'webhooks');
    if (!create) return;
    for (const d of [dir, this.webhooksDir]) makeStateFolder(d);
  }

  pathOf(key: WebhookKey): string {
    return path.join(this.webhooksDir, `${fileNameFor(key)}.json`);
  }

  load(key: WebhookKey): WebhookRecord | undefined {
    return readRecord(this.pathOf(key));
  }

  /**
   * Merges `fields` into the stored record (or starts one) and writes it durably: when this
   * resolves, the secret survives a crash and a power cut. The handshake waits for it.
   */
  async update(key: WebhookKey, fields: Partial<WebhookFields>): Promise<WebhookRecord> {
    const file = this.pathOf(key);
    const old = readRecord(file);
    const merged = { ...old, ...fields };
    if (typeof merged.resource !== 'string' || typeof merged.pathId !== 'string' || typeof merged.target !== 'string')
      throw new TypeError('a new webhook record needs its resource, path id and target');
    const record: WebhookRecord = {
      ...merged,
      version: WEBHOOK_STATE_VERSION,
      provider: key.provider,
      host: key.host,
      subscription: key.subscription,
      group: key.group,
      resource: merged.resource,
      pathId: merged.pathId,
      target: merged.target,
      savedAt: new Date().toISOString(),
    };
    try {
      writeFileDurable(file, `${JSON.stringify(record, undefined, '\t')}\n`, 0o600);
    } catch (error) {
      throw folderError('save the webhook state to', file, error);
    }
    return record;
  }

  /** Forgets a subscription's webhook (after it was deleted at Asana); false when none was stored. */
  remove(key: WebhookKey): boolean {
    const file = this.pathOf(key);
    try {
      fs.unlinkSync(file);
      fsyncDir(this.webhooksDir);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw folderError('remove', file, error);
    }
  }

  /** Every stored webhook, or one group's; unreadable files go to `onError`, not thrown. */
  list(filter: { group?: string } = {}, onError?: (file: string, error: Error) => void): WebhookRecord[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.webhooksDir).filter((name) => name.endsWith('.json'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw folderError('read the state folder', this.webhooksDir, error);
    }
    const records: WebhookRecord[] = [];
    for (const name of names.sort()) {
      try {
        const record = readRecord(path.join(this.webhooksDir, name));
        if (record && (filter.group === undefined || record.group === filter.group)) records.push(record);
      } catch (error) {
        onError?.(name, error as Error);
      }
    }
    return records;
  }
}

const TEXT_FIELDS = ['provider', 'host', 'subscription', 'group', 'resource', 'pathId', 'target'] as const;

function readRecord(file: string): WebhookRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw isFileSystemError(error) ? folderError('read', file, error) : corrupt(file, 'not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw corrupt(file, 'not a webhook record');
  const data = value as Record<string, unknown>;
  const version = data['version'];
  if (typeof version === 'number' && version > WEBHOOK_STATE_VERSION)
    throw new StateError(
      `${file} was written by a newer version of events (webhook state version ${version})`,
      `upgrade events, or delete the file (the webhook is then created again): rm '${file}'`,
    );
  const missing = TEXT_FIELDS.find((field) => typeof data[field] !== 'string');
  if (version !== WEBHOOK_STATE_VERSION || missing) throw corrupt(file, missing ? `no ${missing}` : 'no version');
  for (const optional of ['secret', 'webhookGid'])
    if (data[optional] !== undefined && typeof data[optional] !== 'string')
      throw corrupt(file, `${optional} is not text`);
  return data as unknown as WebhookRecord;
}

function corrupt(file: string, reason: string): StateError {
  return new StateError(
    `webhook state file ${file} is corrupt (${reason})`,
    `delete it, and its webhook is created again on the next run: rm '${file}'`,
  );
}
