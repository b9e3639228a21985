// `events state list|show|reset|path`: what is stored, without any network access. Cursors never
// contain an access token, so everything here can be printed. list and show only read (a
// read-only state folder is fine); reset also removes files too broken to read, which is what a
// "corrupt state file" error points to.
import fs from 'node:fs';
import path from 'node:path';
import { NotFoundError, StateError, UsageError } from '../core/errors.js';
import { formatAge } from '../lib/age.js';
import { DEFAULT_ASANA_BASE_URL, DEFAULT_BOX_BASE_URL } from '../providers/defaults.js';
import { BOX_STREAM_TYPES, isExpander, parseReference, type Reference } from '../core/refs.js';
import { pick, type OptionsOf } from '../config/settings.js';
import { configDir } from '../config/folder.js';
import { readFileSettings } from '../config/file.js';
import type { IO } from '../core/io.js';
import { CursorStore, fileNameFor, type CursorRecord } from '../state/cursors.js';
import { acquireLock } from '../state/lock.js';
import { folderError } from '../state/folder.js';
import { redactedLines, redactValue } from '../lib/redact.js';

/** Asana sync tokens expire after 24 h: an older cursor has most likely lost events. */
const ASANA_TOKEN_LIFETIME_MS = 24 * 3600_000;

/** What these commands use of the IO (no stdin, no stop: they never wait). */
type Out = Pick<IO, 'stdout' | 'stderr' | 'env'>;

export function statePath(flags: OptionsOf<'state path'>, out: Out): number {
  const dir = configDir(out.env);
  out.stdout.write(flags.json ? `${JSON.stringify({ path: dir })}\n` : `${dir}\n`);
  return 0;
}

export function stateList(flags: OptionsOf<'state list'>, out: Out): number {
  const dir = configDir(out.env);
  const store = new CursorStore(dir, { create: false });
  const group = groupFilter(flags.group, dir, out);
  const problems: string[] = [];
  const records = store
    .list((file, error) => problems.push(`${file}: ${error.message}`))
    .filter((r) => group === undefined || r.group === group);
  const now = Date.now();
  const rows = records.map((r) => redactValue(summary(r, now)));
  if (flags.json) {
    out.stdout.write(`${JSON.stringify(rows)}\n`);
  } else if (rows.length === 0 && problems.length > 0) {
    // Files are there but none reads: "no stored cursors" would hide them (they follow as warnings).
    out.stderr.write(
      `events: no readable cursors${group ? ` in group ${group}` : ''} in ${store.cursorsDir}: ${problems.length} ${problems.length === 1 ? 'file cannot' : 'files cannot'} be read (below)\n`,
    );
  } else if (rows.length === 0) {
    out.stderr.write(
      `events: no stored cursors${group ? ` in group ${group}` : ''} in ${store.cursorsDir} (a first \`events tail <resource>\` creates one)\n`,
    );
  } else {
    const table = [
      ['PROVIDER', 'HOST', 'GROUP', 'SUBSCRIPTION', 'LAST EVENT', 'LAST SYNC', 'AGE'],
      ...rows.map((r) => [
        r.provider,
        r.host,
        r.group,
        r.subscription,
        r.last_event_at ?? '-',
        r.saved_at,
        `${r.age}${r.likely_expired ? ' (expired?)' : ''}`,
      ]),
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table)
      out.stdout.write(
        `${row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
      );
  }
  for (const row of rows.filter((r) => r.likely_expired)) {
    out.stderr.write(
      `events: warning: the cursor of ${row.label} (group ${row.group}) is ${row.age} old; Asana tokens expire after 24 h, so the next run will re-crawl it\n`,
    );
  }
  const warn = redactedLines(out.stderr, 'events: warning: ');
  for (const problem of problems) warn(`unreadable state file ${problem}`);
  return 0;
}

export function stateShow(resource: string, flags: OptionsOf<'state show'>, out: Out): number {
  const dir = configDir(out.env);
  const ref = storedReference(resource);
  const group = groupFilter(flags.group, dir, out);
  const store = new CursorStore(dir, { create: false });
  const problems: string[] = [];
  const matches = store
    .list((file, error) => problems.push(`${file}: ${error.message}`))
    .filter((r) => r.subscription === ref.id && (group === undefined || r.group === group));
  if (matches.length === 0) {
    if (problems.length)
      throw new StateError(
        `no readable cursor for ${resource}; unreadable: ${problems.join('; ')}`,
        `events state reset ${resource} removes it`,
      );
    throw new NotFoundError(
      `no stored cursor for ${resource}${group ? ` in group ${group}` : ''}`,
      "see 'events state list' for what is stored",
    );
  }
  const now = Date.now();
  const records = matches.map((record) =>
    redactValue({ ...summary(record, now), cursor: record.cursor, recent_event_ids: record.seen ?? null }),
  );
  if (flags.json) {
    out.stdout.write(`${JSON.stringify(records)}\n`);
    return 0;
  }
  records.forEach((row, i) => {
    if (i > 0) out.stdout.write('\n');
    const lines: Array<[string, string]> = [
      ['subscription', row.subscription],
      ['label', row.label],
      ['provider', row.provider],
      ['host', row.host],
      ['group', row.group],
      ['cursor', JSON.stringify(row.cursor)],
      ['last sync', `${row.saved_at} (${row.age} ago)${row.likely_expired ? ', likely expired' : ''}`],
      ['last event', row.last_event_at ?? '-'],
    ];
    if (row.recent_event_ids) lines.push(['recent ids', String(row.recent_event_ids.length)]);
    for (const [key, value] of lines) out.stdout.write(`${key.padEnd(13)}${value}\n`);
  });
  return 0;
}

/**
 * Removes the cursor of a reference in one group (flag, else config.json, else "default") for the
 * API host `events tail` would use now (or `--host`, or `--all-hosts`). Matched by file name, so
 * a corrupt file is removed too.
 */
export async function stateReset(resource: string, flags: OptionsOf<'state reset'>, out: Out): Promise<number> {
  const dir = configDir(out.env);
  const ref = storedReference(resource);
  const settings = readFileSettings(dir, redactedLines(out.stderr, 'events: '));
  const group = pick(flags.group, settings.group, 'default')!;
  const host = flags.allHosts === true ? undefined : (flags.host ?? currentHost(ref, out.env, settings));
  const store = new CursorStore(dir);
  const names = store.fileNames().filter((name) => matches(name, ref, group, host));
  if (names.length === 0) {
    const others = store.fileNames().filter((name) => matches(name, ref, group, undefined));
    const hint = others.length
      ? `stored for other hosts: ${others.map(hostOf).join(', ')}; pass --host <host> or --all-hosts`
      : "see 'events state list' for what is stored";
    throw new NotFoundError(`no stored cursor for ${resource} in group ${group}${host ? ` on ${host}` : ''}`, hint);
  }
  const removed: string[] = [];
  const notes: string[] = [];
  for (const name of names) {
    const base = name.slice(0, -'.json'.length);
    // A running tail holds the lock: resetting under it would be undone by its next save.
    const release = await acquireLock(path.join(store.locksDir, `${base}.lock`), {
      waitMs: 0,
      description: `${ref.label} (group ${group})`,
      advice: 'stop that process (or let its --once run end), then reset again',
    });
    try {
      // The webhook's file too (same name): its receiver path and secret go with the cursor.
      for (const file of [path.join(store.cursorsDir, name), path.join(dir, 'webhooks', name)]) {
        if (!fs.existsSync(file)) continue;
        const gid = file.endsWith(`${path.sep}webhooks${path.sep}${name}`) ? webhookGidOf(file) : undefined;
        try {
          fs.rmSync(file, { force: true });
        } catch (error) {
          throw folderError('remove', file, error);
        }
        removed.push(file);
        if (gid !== undefined)
          notes.push(
            `Asana keeps webhook ${gid} until it has failed long enough (its receiver path is forgotten); \`events webhooks remove ${resource}\` before a reset deletes it at once`,
          );
      }
    } finally {
      release();
    }
  }
  if (flags.json) out.stdout.write(`${JSON.stringify({ removed })}\n`);
  else
    for (const file of removed) out.stderr.write(`events: removed ${file}; the next run of ${resource} starts fresh\n`);
  for (const note of notes) out.stderr.write(`events: note: ${note}\n`);
  return 0;
}

/** The gid in a webhook state file, if it reads (never its secret); undefined otherwise. */
function webhookGidOf(file: string): string | undefined {
  try {
    const gid = (JSON.parse(fs.readFileSync(file, 'utf8')) as { webhookGid?: unknown }).webhookGid;
    return typeof gid === 'string' ? gid : undefined;
  } catch {
    return undefined;
  }
}

/** A reference that has a cursor: projects:/team: have none, their projects each have one. */
function storedReference(resource: string): Reference {
  const ref = parseReference(resource);
  if (isExpander(ref)) {
    throw new UsageError(
      `${ref.id} has no cursor of its own: each project it lists has one, keyed by the project's gid`,
      "see 'events state list', then show or reset a project by its gid",
    );
  }
  return ref;
}

/** --group, else config.json's group: what `tail` would use; undefined shows every group. */
function groupFilter(group: string | undefined, dir: string, out: Out): string | undefined {
  if (group !== undefined) return group;
  return readFileSettings(dir, redactedLines(out.stderr, 'events: ')).group;
}

/** The API host `events tail` would talk to for this reference: environment, then config.json. */
function currentHost(
  ref: Reference,
  env: NodeJS.ProcessEnv,
  settings: ReturnType<typeof readFileSettings>,
): string | undefined {
  const base =
    ref.provider === 'asana'
      ? pick(env['ASANA_BASE_URL'], settings.asanaBaseUrl, DEFAULT_ASANA_BASE_URL)
      : pick(env['BOX_BASE_URL'], settings.boxBaseUrl, DEFAULT_BOX_BASE_URL);
  try {
    return new URL(base!).host;
  } catch {
    return undefined;
  }
}

function matches(name: string, ref: Reference, group: string, host: string | undefined): boolean {
  const [provider, hostPart, subscription, groupPart] = name.slice(0, -'.json'.length).split('__');
  const wanted = fileNameFor({ provider: ref.provider, host: host ?? '', subscription: ref.id, group }).split('__');
  return (
    provider === wanted[0] &&
    subscription === wanted[2] &&
    groupPart === wanted[3] &&
    (host === undefined || hostPart === wanted[1])
  );
}

function hostOf(name: string): string {
  return name.split('__')[1] ?? '?';
}

/**
 * A time as UTC ISO 8601: Box's created_at carries the account's offset (-08:00), cursors are
 * saved in UTC, and one table must not mix the two. Text that is no time stays as it is.
 */
function utc(time: string | undefined): string | undefined {
  if (time === undefined) return undefined;
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : time;
}

function summary(record: CursorRecord, now: number) {
  const ageMs = now - Date.parse(record.savedAt);
  return {
    provider: record.provider,
    host: record.host,
    subscription: record.subscription,
    label: record.label,
    group: record.group,
    last_event_at: utc(record.lastEventAt) ?? null,
    saved_at: utc(record.savedAt) ?? record.savedAt,
    age: formatAge(ageMs),
    age_seconds: Number.isFinite(ageMs) ? Math.round(ageMs / 1000) : null,
    likely_expired: record.provider === 'asana' && ageMs > ASANA_TOKEN_LIFETIME_MS,
  };
}

/** What a resource argument may start with, for completion: Box streams, and the listing prefixes. */
const REFERENCE_FORMS = ['box', ...BOX_STREAM_TYPES.map((t) => `box:${t}`), 'workspace:', 'projects:', 'team:'];

/**
 * `events __complete-refs [word]`: the stored subscriptions, one per line, for shell completion;
 * once something is typed, also the forms with a colon that no cursor stores under that name
 * (box:changes…, and the prefixes workspace:, projects:, team: that a gid follows).
 */
export function completeRefs(out: Out, word = ''): number {
  const refs = new Set<string>();
  try {
    const store = new CursorStore(configDir(out.env), { create: false });
    for (const record of store.list()) refs.add(record.subscription);
  } catch {
    // Completion never prints errors into the user's command line.
  }
  if (word !== '') for (const form of REFERENCE_FORMS) if (form.startsWith(word)) refs.add(form);
  for (const ref of refs) out.stdout.write(`${ref}\n`);
  return 0;
}
