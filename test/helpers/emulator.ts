// One emulator per test file on 127.0.0.1:0 and a fresh state folder per test.
import fs from 'node:fs';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { cleanEnv, tempDir } from './cli.js';

export interface TestBed {
  emulator: Emulator;
  stateDir: string;
  env(extra?: Record<string, string | undefined>): NodeJS.ProcessEnv;
  eventRequests(): Array<{ path: string; query: Record<string, string> }>;
  close(): Promise<void>;
}

/** The CLI's own tests run the emulator in its stress mode (Box positions above 2^60), so a
 * client that loses precision fails here; test/e2e/emulator-realism.test.ts covers the default. */
export async function startTestBed(options: EmulatorOptions = {}): Promise<TestBed> {
  const emulator = await startEmulator({ seed: 7, activity: false, boxHugePositions: true, ...options });
  const stateDir = tempDir('events-state-');
  return {
    emulator,
    stateDir,
    env: (extra = {}) =>
      cleanEnv({ ASANA_BASE_URL: `${emulator.url}/api/1.0`, ASANA_ACCESS_TOKEN: 'test-token', EVENTS_CONFIG_DIR: stateDir, ...extra }),
    eventRequests: () =>
      emulator.requests
        .filter((r) => r.path.endsWith('/events'))
        .map((r) => ({ path: r.path, query: r.query as Record<string, string> })),
    close: async () => {
      await emulator.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
