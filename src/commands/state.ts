// `events state list|show|reset|path`: what is stored, without any network access. Cursors never
// contain an access token, so everything here can be printed.
import { NotFoundError, StateError, UsageError } from '../errors.js';
import { formatAge } from '../follow/loop.js';
import { isExpander, parseReference } from '../refs.js';
import { configDir } from '../settings.js';
import { CursorStore, type CursorRecord } from '../state/cursors.js';
import { acquireLock } from '../state/lock.js';

/** Asana sync tokens expire after 24 h: an older cursor has most likely lost events. */
const ASANA_TOKEN_LIFETIME_MS = 24 * 3600_000;

interface Out {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  now?: number;
}

export function statePath(flags: Record<string, unknown>, out: Out): number {
  const dir = configDir(out.env);
  out.stdout.write(flags['json'] ? `${JSON.stringify({ path: dir })}\n` : `${dir}\n`);
  return 0;
}

export function stateList(flags: Record<string, unknown>, out: Out): number {
  const store = new CursorStore(configDir(out.env));
  const problems: string[] = [];
  const records = store.list((file, error) => problems.push(`${file}: ${error.message}`));
  const now = out.now ?? Date.now();
  const rows = records.map((r) => summary(r, now));
  if (flags['json']) {
    out.stdout.write(`${JSON.stringify(rows)}\n`);
  } else if (rows.length === 0) {
    out.stderr.write(`events: no stored cursors in ${store.cursorsDir} (a first \`events tail <resource>\` creates one)\n`);
  } else {
    const table = [['PROVIDER', 'GROUP', 'SUBSCRIPTION', 'LAST EVENT', 'LAST SYNC', 'AGE'], ...rows.map((r) => [r.provider, r.group, r.subscription, r.last_event_at ?? '-', r.saved_at, `${r.age}${r.likely_expired ? ' (expired?)' : ''}`])];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) out.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  }
  for (const row of rows.filter((r) => r.likely_expired)) {
    out.stderr.write(`events: warning: the cursor of ${row.label} (group ${row.group}) is ${row.age} old; Asana tokens expire after 24 h, so the next run will re-crawl it\n`);
  }
  for (const problem of problems) out.stderr.write(`events: warning: unreadable state file ${problem}\n`);
  return 0;
}

export function stateShow(resource: string, flags: Record<string, unknown>, out: Out): number {
  const matches = find(resource, flags, out);
  if (flags['json']) {
    out.stdout.write(`${JSON.stringify(matches)}\n`);
    return 0;
  }
  const now = out.now ?? Date.now();
  matches.forEach((record, i) => {
    const row = summary(record, now);
    if (i > 0) out.stdout.write('\n');
    const lines: Array<[string, string]> = [
      ['subscription', record.subscription], ['label', record.label], ['provider', `${record.provider} (${record.host})`], ['group', record.group],
      ['cursor', JSON.stringify(record.cursor)], ['last sync', `${record.savedAt} (${row.age} ago)${row.likely_expired ? ', likely expired' : ''}`],
      ['last event', record.lastEventAt ?? '-'],
    ];
    if (record.seen) lines.push(['recent ids', String(record.seen.length)]);
    for (const [key, value] of lines) out.stdout.write(`${key.padEnd(13)}${value}\n`);
  });
  return 0;
}

export async function stateReset(resource: string, flags: Record<string, unknown>, out: Out): Promise<number> {
  const store = new CursorStore(configDir(out.env));
  const group = typeof flags['group'] === 'string' ? flags['group'] : 'default';
  const matches = find(resource, { ...flags, group }, out);
  const removed: string[] = [];
  for (const record of matches) {
    // A running tail holds the lock: resetting under it would be undone by its next save.
    const release = await acquireLock(store.lockPath(record), { waitMs: 0, description: `${record.label} (group ${record.group})` });
    try {
      const file = store.file(record);
      if (file.reset()) removed.push(file.path);
    } finally {
      release();
    }
  }
  if (flags['json']) out.stdout.write(`${JSON.stringify({ removed })}\n`);
  else for (const file of removed) out.stderr.write(`events: removed ${file}; the next run of ${resource} starts fresh\n`);
  return 0;
}

function find(resource: string, flags: Record<string, unknown>, out: Out): CursorRecord[] {
  const ref = parseReference(resource);
  if (isExpander(ref)) {
    throw new UsageError(`${ref.id} has no cursor of its own: each project it lists has one, keyed by the project's gid`, "see 'events state list', then show or reset a project by its gid");
  }
  const store = new CursorStore(configDir(out.env));
  const group = typeof flags['group'] === 'string' ? flags['group'] : undefined;
  const problems: string[] = [];
  const matches = store.list((file, error) => problems.push(`${file}: ${error.message}`)).filter((r) => r.subscription === ref.id && (group === undefined || r.group === group));
  if (matches.length === 0) {
    if (problems.length) throw new StateError(`no readable cursor for ${resource}; unreadable: ${problems.join('; ')}`, `remove the unreadable file from ${store.cursorsDir}`);
    throw new NotFoundError(`no stored cursor for ${resource}${group ? ` in group ${group}` : ''}`, "see 'events state list' for what is stored");
  }
  return matches;
}

function summary(record: CursorRecord, now: number) {
  const ageMs = now - Date.parse(record.savedAt);
  return {
    provider: record.provider,
    host: record.host,
    subscription: record.subscription,
    label: record.label,
    group: record.group,
    last_event_at: record.lastEventAt ?? null,
    saved_at: record.savedAt,
    age: formatAge(ageMs),
    age_seconds: Number.isFinite(ageMs) ? Math.round(ageMs / 1000) : null,
    likely_expired: record.provider === 'asana' && ageMs > ASANA_TOKEN_LIFETIME_MS,
  };
}

/** `events __complete-refs`: the stored subscriptions, one per line, for shell completion. */
export function completeRefs(out: Out): number {
  try {
    const store = new CursorStore(configDir(out.env));
    const refs = new Set(store.list().map((r) => r.subscription));
    for (const ref of refs) out.stdout.write(`${ref}\n`);
  } catch {
    // Completion never prints errors into the user's command line.
  }
  return 0;
}
