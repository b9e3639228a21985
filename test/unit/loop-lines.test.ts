// A page cut short by a stop is saved by the lines the sink accepted for that page, not by the
// sink's running total: on one stdout, other subscriptions' pages are written while this one
// waits its turn, and counting them as this page's would save a cursor past lines never written.
// Real provider against the emulator; the renderer stands in for a shared, slow stdout.
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

describe('the follow loop on a shared sink', () => {
  it('saves a page cut short by a stop at the last line the sink accepted for it', async () => {
    const project = bed.emulator.asana.projectGids[0]!;
    const base = `${bed.emulator.url}/api/1.0`;
    const first = (await (
      await fetch(`${base}/events?resource=${project}`, { headers: { authorization: 'Bearer t' } })
    ).json()) as { sync: string };
    bed.emulator.asana.appendEvents(project, 10);

    const http = new HttpClient({ userAgent: 'test', timeoutMs: 10_000 });
    const saved: Array<Record<string, unknown>> = [];
    const stop = new AbortController();
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
      const record = async (r: { cursor: Record<string, unknown> }): Promise<void> => {
        saved.push(r.cursor);
      };
      const cursors = {
        key,
        path: '',
        load: () => stored,
        save: record,
        saveQuick: record,
        reset: () => undefined,
      } as unknown as CursorFile;
      let lines = 0;
      const records: RecordSink = {
        get linesWritten() {
          return lines;
        },
        events: async () => {
          // Another subscription's page of 10 went out, then 3 lines of this one before Ctrl-C.
          lines += 10 + 3;
          stop.abort(130);
          return 3;
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
        signal: stop.signal,
        options: { once: true, onExpire: 'fail' },
        prefetchSent: () => http.sent(),
        reporter: { notice: () => undefined },
      });
    } finally {
      await http.close();
    }
    // The same page again next time, minus the 3 lines written: the other 7 are not skipped.
    expect(saved.at(-1)).toEqual({ sync: first.sync, skip: 3 });
  });
});
