import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Rebuilds a dist/ older than src/ before any test spawns bin/events.js.
    globalSetup: ['test/helpers/fresh-dist.ts'],
    // Most test files wait on child processes, servers and timers rather than compute: on 2 cores
    // vitest's default (cores - 1 = one file at a time) left a core idle for most of the run;
    // four files at a time keep both cores busy (npm test from a clean clone: 4 min 40 s before).
    maxWorkers: 4,
    testTimeout: 30_000,
    // The JSON results feed the "N passed, N failed" line that .ci/run prints.
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]],
    hookTimeout: 30_000,
    // A developer's own tokens and cursors never leak into a test run.
    env: {
      EVENTS_CONFIG_DIR: path.join(os.tmpdir(), 'events-vitest-never-used'),
      ASANA_ACCESS_TOKEN: '',
      BOX_ACCESS_TOKEN: '',
      ASANA_BASE_URL: '',
      BOX_BASE_URL: '',
    },
  },
});
