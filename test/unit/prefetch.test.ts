// The follow loop's prefetch really overlaps: the request for the next page is on the wire
// (its headers written to the socket) before the current page is written, and cursors are still
// saved in page order, each only after its page was written. Real HttpClient, real emulator.
import diagnostics from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticTokenSource } from '../../src/auth/token-source.js';
import { follow, type Subscription } from '../../src/follow/loop.js';
import { HttpClient } from '../../src/net/http.js';
import type { RecordSink } from '../../src/core/record-sink.js';
import { AsanaProvider } from '../../src/providers/asana/provider.js';
import { parseReference } from '../../src/core/refs.js';
import type { CursorFile, CursorRecord } from '../../src/state/cursors.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
beforeAll(async () => {
  bed = await startTestBed();
});
afterAll(() => bed.close());

const syncOf = (path: string): string | undefined =>
  new URLSearchParams(path.split('?')[1] ?? '').get('sync') ?? undefined;

describe('prefetch', () => {
  it('sends the next page request before the current page is written, and saves in page order', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    const base = `${bed.emulator.url}/api/1.0`;
    const first = (await (
      await fetch(`${base}/events?resource=${project}`, { headers: { authorization: 'Bearer t' } })
    ).json()) as { sync: string };
    bed.emulator.asana.appendEvents(project, 350); // pages of 100: 4 pages

    const log: string[] = [];
    // undici publishes this once a request's headers are written to its socket.
    const onStart = (message: unknown): void => {
      const sync = syncOf((message as { request: { path: string } }).request.path);
      if (sync) log.push(`sent ${sync}`);
    };
    diagnostics.subscribe('undici:client:sendHeaders', onStart);
    const http = new HttpClient({ userAgent: 'test', timeoutMs: 10_000 });
    try {
      const provider = new AsanaProvider({
        baseUrl: base,
        auth: new StaticTokenSource('asana', 't', 'ASANA_ACCESS_TOKEN'),
        http,
        retry: { baseMs: 10, capMs: 10 },
        intervalMs: 1000,
      });
      const ref = parseReference(project);
      const key = { provider: 'asana', host: provider.host, subscription: ref.id, group: 'g' };
      const stored: CursorRecord = {
        ...key,
        version: 1,
        label: ref.label,
        cursor: { sync: first.sync },
        savedAt: new Date().toISOString(),
      };
      const record =
        (kind: string) =>
        async (r: { cursor: { [k: string]: unknown } }): Promise<void> => {
          log.push(`${kind} ${String(r.cursor['sync'])}`);
        };
      // Everything below resolves at once: nothing in the loop gives the event loop a turn
      // unless the loop itself waits for the prefetch to be sent.
      const cursors = {
        key,
        path: '',
        load: () => stored,
        save: record('save'),
        saveQuick: record('save'),
        reset: () => undefined,
      } as unknown as CursorFile;
      let pages = 0;
      let lines = 0;
      const records: RecordSink = {
        get linesWritten() {
          return lines;
        },
        events: async (_target, events) => {
          lines += events.length;
          log.push(`write ${++pages}`);
          return events.length;
        },
        notice: async () => undefined,
        snapshot: async () => undefined,
        flush: async () => undefined,
      };
      const sub: Subscription = {
        ref,
        provider,
        cursors,
        origin: { provider: 'asana', subscription: ref.id, group: 'g' },
      };
      await follow(sub, {
        records,
        signal: new AbortController().signal,
        options: { once: true, onExpire: 'fail' },
        prefetchSent: () => http.sent(),
        reporter: { notice: () => undefined },
      });
    } finally {
      diagnostics.unsubscribe('undici:client:sendHeaders', onStart);
      await http.close();
    }

    const writes = log.filter((l) => l.startsWith('write'));
    const saves = log.filter((l) => l.startsWith('save')).map((l) => l.slice(5));
    expect(writes).toEqual(['write 1', 'write 2', 'write 3', 'write 4']);
    expect(saves).toHaveLength(4);
    saves.forEach((sync, i) => {
      // Page i+1's cursor is saved right after page i+1 was written, never before it.
      expect(log.indexOf(`save ${sync}`)).toBeGreaterThan(log.indexOf(`write ${i + 1}`));
      if (i > 0) expect(log.indexOf(`save ${sync}`)).toBeGreaterThan(log.indexOf(`save ${saves[i - 1]}`));
      // The request for the page after page i+1 (its token is that cursor) left before page i+1 was written.
      if (i < saves.length - 1) {
        expect(log, 'the request was seen on the wire at all').toContain(`sent ${sync}`);
        expect(log.indexOf(`sent ${sync}`), log.join('\n')).toBeLessThan(log.indexOf(`write ${i + 1}`));
      }
    });
  });
});
