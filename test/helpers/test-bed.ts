// A test bed: one emulator per test file on 127.0.0.1:0 and a fresh state folder per test.
import fs from 'node:fs';
import { afterEach, expect } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { cleanEnv, tempDir } from './env.js';
import { runInProcess } from './run-in-process.js';

export interface TestBed {
  emulator: Emulator;
  stateDir: string;
  /** The emulator's first project: what most tests tail. */
  project: string;
  /**
   * A first run on `ref` (default: the first project) stores its cursor; then `count` events are
   * appended to it and returned, as the next run must print them.
   */
  primed(count: number, ref?: string): Promise<Array<Record<string, any>>>;
  env(extra?: Record<string, string | undefined>): NodeJS.ProcessEnv;
  eventRequests(): Array<{ path: string; query: Record<string, string> }>;
  close(): Promise<void>;
}

/** The CLI's own tests run the emulator in its stress mode (Box positions above 2^60), so a
 * client that loses precision fails here; test/spawned/emulator-realism.test.ts covers the default. */
export async function startTestBed(options: EmulatorOptions = {}): Promise<TestBed> {
  const emulator = await startEmulator({ seed: 7, activity: false, boxHugePositions: true, ...options });
  const stateDir = tempDir('events-state-');
  const bed: TestBed = {
    emulator,
    stateDir,
    get project() {
      return emulator.asana.projectGids[0]!;
    },
    primed: async (count, ref = bed.project) => {
      const first = await runInProcess(['tail', ref, '--once', '--json'], { env: bed.env() });
      if (first.code !== 0) throw new Error(`the first run of ${ref} failed: ${first.code} ${first.stderr}`);
      return emulator.asana.appendEvents(ref, count);
    },
    env: (extra = {}) =>
      cleanEnv({
        ASANA_BASE_URL: `${emulator.url}/api/1.0`,
        ASANA_ACCESS_TOKEN: 'test-token',
        EVENTS_CONFIG_DIR: stateDir,
        ...extra,
      }),
    eventRequests: () =>
      emulator.requests.filter((r) => r.path.endsWith('/events')).map((r) => ({ path: r.path, query: r.query })),
    close: async () => {
      // The realtime server answers a long poll that carries the access token (Box's does, the SDKs
      // send one), but the CLI must not: the channel is the credential, the host is another one.
      if (emulator.box.realtimeAuthorized > 0)
        throw new Error(
          `the CLI sent its access token to the realtime server ${emulator.box.realtimeAuthorized} times`,
        );
      await emulator.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return bed;
}

/**
 * For files whose tests each start their own emulator (with their own options): the returned
 * function starts one; after each test every bed started is checked for requests outside the
 * specs and closed.
 */
export function testBedPerTest(): (options?: EmulatorOptions) => Promise<TestBed> {
  let started: TestBed[] = [];
  afterEach(async () => {
    const beds = started;
    started = [];
    for (const bed of beds) {
      expect(bed.emulator.violations).toEqual([]);
      await bed.close();
    }
  });
  return async (options = {}) => {
    const bed = await startTestBed(options);
    started.push(bed);
    return bed;
  };
}
