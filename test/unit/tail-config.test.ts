// The pure deciders of a run, one line per case (as antfu/ni's test/ni/npm.spec.ts): the command
// line goes through the real program (createProgram with its use cases swapped by `run`), so
// each case is argv -> TailConfig, with no server and no state folder touched.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import type { TailConfig } from '../../src/app/tail.js';
import { UsageError } from '../../src/core/errors.js';
import { parseShard } from '../../src/core/shard.js';
import { parseWhen } from '../../src/core/when.js';
import { testIO } from '../helpers/run-in-process.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-tail-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The TailConfig that `events <line>` hands to runTail (or runSnapshot). */
async function configOf(line: string, env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<TailConfig> {
  let config: TailConfig | undefined;
  const keep = (c: TailConfig): Promise<number> => ((config = c), Promise.resolve(0));
  const { io } = testIO({ env: { EVENTS_CONFIG_DIR: dir, ...env }, stdin });
  await createProgram(io, { run: { tail: keep, snapshot: keep } }).parseAsync(line.split(' '), { from: 'user' });
  return config!;
}

const P = '1204567890123456';

describe('argv -> TailConfig', () => {
  it.each<[string, Partial<TailConfig> | Record<string, unknown>]>([
    [`tail ${P}`, { once: false, json: false, group: 'default', intervalMs: 5000, snapshot: false, quiet: false }],
    [`tail ${P} --once --json`, { once: true, json: true, retry: { giveUpAfterMs: 120_000 } }],
    [`tail ${P} --once --give-up 7`, { retry: { giveUpAfterMs: 7000 } }],
    [`tail ${P} --give-up 7`, { retry: { giveUpAfterMs: undefined } }],
    [`tail ${P} --group export --interval 0.5`, { group: 'export', intervalMs: 500 }],
    [`tail ${P} --output export.jsonl`, { output: 'export.jsonl' }],
    [`tail ${P} --output -`, { output: '-' }],
    [`tail ${P} --output=-x`, { output: '-x' }],
    [`tail ${P} --action added,changed --action removed`, { filters: { actions: ['added', 'changed', 'removed'] } }],
    [`tail ${P} --user=-bob`, { filters: { users: ['-bob'] } }],
    [`tail ${P} --fields user.name --field completed`, { fields: ['user.name', 'change.field'] }],
    [`tail ${P} --shard 2/3`, { shard: { index: 2, count: 3 } }],
    [`tail ${P} ${P} https://app.asana.com/0/${P}/list`, { refs: [expect.objectContaining({ id: P })] }],
    [`tail ${P} --rate 10/s --max-events 3 --wait-lock 2`, { ratePerMin: 600, maxEvents: 3, lockWaitMs: 2000 }],
    [`tail ${P} --on-expire fail --color never -q`, { onExpire: 'fail', color: 'never', quiet: true }],
    [`tail ${P} --retry-base-ms 5 --retry-cap-ms 50`, { retry: { baseMs: 5, capMs: 50 } }],
    [
      `tail box:admin_logs --since 2026-11-01 --until 2026-11-02T08:00:00Z`,
      { box: { since: '2026-11-01T00:00:00Z', until: '2026-11-02T08:00:00Z' } },
    ],
    [`tail box --from-start`, { box: { fromStart: true } }],
    [`snapshot ${P}`, { once: true, snapshot: false }],
    [`snapshot ${P} --output project.jsonl`, { once: true, output: 'project.jsonl' }],
  ])('events %s', async (line, expected) => {
    expect(await configOf(line)).toMatchObject(expected);
  });

  it.each<[string, Record<string, string>, Partial<TailConfig> | Record<string, unknown>]>([
    [`tail ${P}`, { ASANA_BASE_URL: 'http://env.test/api/1.0' }, { asana: { baseUrl: 'http://env.test/api/1.0' } }],
    [
      `tail ${P} --asana-base-url http://flag.test/api/1.0`,
      { ASANA_BASE_URL: 'http://env.test/api/1.0' },
      { asana: { baseUrl: 'http://flag.test/api/1.0' } },
    ],
    [`tail ${P}`, { ASANA_BASE_URL: '' }, { asana: { baseUrl: 'https://app.asana.com/api/1.0' } }],
    [`tail ${P}`, { EVENTS_MAX_ANSWER_SIZE: '2MiB' }, { maxAnswerBytes: 2 ** 21 }],
  ])('events %s with %j', async (line, env, expected) => {
    expect(await configOf(line, env)).toMatchObject(expected);
  });

  it('--refs-file - reads the references from stdin', async () => {
    expect((await configOf('tail --refs-file -', {}, `${P}\nbox\n`)).refs.map((r) => r.id)).toEqual([P, 'box:all']);
  });

  it.each([
    [`tail ${P} --output --once`, '--output needs a value; got the flag --once'],
    [`tail ${P} --refs-file --json`, '--refs-file needs a value; got the flag --json'],
    [`tail ${P} --shard 4/3`, '--shard must be K/N with 1 <= K <= N <= 1024, not "4/3"'],
    [`tail ${P} --since 7d`, '--since does not work on Asana'],
    [`tail ${P} --retry-base-ms 50 --retry-cap-ms 5`, '--retry-cap-ms must be at least --retry-base-ms (50)'],
  ])('events %s is a usage error: %s', async (line, message) => {
    const error = await configOf(line).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain(message);
  });
});

describe('parseWhen', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it.each([
    ['2026-11-01', '2026-11-01T00:00:00Z'],
    ['2026-11-01T08:00:00.123Z', '2026-11-01T08:00:00Z'],
    ['30m', '2026-11-25T11:30:00Z'],
    ['2h', '2026-11-25T10:00:00Z'],
    ['7d', '2026-11-18T12:00:00Z'],
    ['1w', '2026-11-18T12:00:00Z'],
    [' 7d ', '2026-11-18T12:00:00Z'],
  ])('%j -> %s', (text, iso) => {
    expect(parseWhen('--since', text, now)).toBe(iso);
  });

  it.each(['', 'soon', '7y', '3654d', '0000-13-40', '10000-01-01'])('%j is a usage error naming the flag', (text) => {
    expect(() => parseWhen('--until', text, now)).toThrow(/^--until must be a date or a duration/);
  });
});

describe('parseShard', () => {
  it.each([
    ['1/1', { index: 1, count: 1 }],
    ['2/3', { index: 2, count: 3 }],
    ['1024/1024', { index: 1024, count: 1024 }],
  ])('%s -> %j', (text, shard) => expect(parseShard(text)).toEqual(shard));

  it.each(['0/3', '4/3', '1/1025', '2', '-1/3'])('%s is a usage error', (text) => {
    expect(() => parseShard(text)).toThrow(UsageError);
  });
});
