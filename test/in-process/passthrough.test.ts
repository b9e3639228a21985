// --json and --output pass each event's text through as the API sent it, with `_events` spliced
// in before its closing brace: numbers above 2^53, escapes and key order stay byte-identical.
// A page the scanner declines (pretty-printed here) is parsed and re-serialised as before.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, tempDir } from '../helpers/env.js';
import { runInProcess } from '../helpers/run-in-process.js';

const EVENTS = [
  '{"gid":"1","big":12345678901234567890,"ratio":1.50,"exp":1E3,"name":"caf\\u00e9 \\/ \\ud83d\\ude00","created_at":"2026-11-24T10:00:00.000Z"}',
  '{}',
  '{"z":1,"a":{"nested":[1,2,{"k":null}]},"created_at":"2026-11-24T10:00:01.000Z"}',
];

let server: http.Server;
let base: string;
let pretty = false;
beforeAll(async () => {
  // A real server with fixed answers: the emulator always sends what JSON.stringify writes.
  server = http.createServer((req, res) => {
    const sync = new URL(req.url!, 'http://x').searchParams.get('sync');
    res.setHeader('content-type', 'application/json');
    if (!sync) {
      res.statusCode = 412;
      res.end('{"errors":[{"message":"Sync token invalid or too old."}],"sync":"s1"}');
    } else if (sync === 's1') {
      // Pretty-printed: whitespace inside the events themselves.
      res.end(
        pretty
          ? `{\n  "data": [\n    ${EVENTS.map((e) => e.replace(/":/g, '": ')).join(',\n    ')}\n  ],\n  "sync": "s2",\n  "has_more": false\n}`
          : `{"data":[${EVENTS.join(',')}],"sync":"s2","has_more":false}`,
      );
    } else {
      res.end('{"data":[],"sync":"s2","has_more":false}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/1.0`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const META =
  /,?"_events":\{"kind":"event","provider":"asana","subscription":"1204","group":"default","received_at":"[^"]+"\}\}$/;
/** The event's text from its line: the spliced key removed again. */
const eventText = (line: string): string => line.replace(META, '}');

async function drain(extra: string[]): Promise<{ stdout: string; stateDir: string }> {
  const stateDir = tempDir('events-pass-');
  const env = cleanEnv({ ASANA_BASE_URL: base, ASANA_ACCESS_TOKEN: 't', EVENTS_CONFIG_DIR: stateDir });
  expect((await runInProcess(['tail', '1204', '--once', '--json', ...extra], { env: env })).code).toBe(0);
  const run = await runInProcess(['tail', '1204', '--once', '--json', ...extra], { env: env });
  expect(run.code, run.stderr).toBe(0);
  return { stdout: run.stdout, stateDir };
}

describe('raw passthrough', () => {
  it('--json writes each event byte for byte plus _events', async () => {
    pretty = false;
    const { stdout, stateDir } = await drain([]);
    const lines = stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => {
      expect(line).toMatch(META);
      expect(eventText(line)).toBe(EVENTS[i]);
    });
    expect(lines[1]).toMatch(/^\{"_events":/);
    expect(lines[0]).toContain('"big":12345678901234567890,');
    // Bookkeeping still reads the fields it needs: the last event's created_at.
    const cursorDir = path.join(stateDir, 'cursors');
    const record = JSON.parse(
      fs.readFileSync(
        path.join(
          cursorDir,
          fs.readdirSync(cursorDir).find((f) => f.endsWith('.json'))!,
        ),
        'utf8',
      ),
    );
    expect(record.lastEventAt).toBe('2026-11-24T10:00:01.000Z');
    expect(record.cursor).toEqual({ sync: 's2' });
  });

  it('--output appends the same exact lines to the file', async () => {
    pretty = false;
    const file = path.join(tempDir('events-pass-out-'), 'out.jsonl');
    await drain(['--output', file]);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map(eventText)).toEqual(EVENTS);
  });

  it('a page it cannot pass through (pretty-printed) is parsed and re-serialised, one line per event', async () => {
    pretty = true;
    const { stdout } = await drain([]);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    events.forEach((e, i) => {
      const { _events: meta, ...rest } = e;
      expect(meta).toMatchObject({ kind: 'event', provider: 'asana' });
      expect(rest).toEqual(JSON.parse(EVENTS[i]!));
    });
    // What JSON.parse does to a number above 2^53: the reason passthrough exists.
    expect(lines[0]).not.toContain('12345678901234567890');
  });
});
