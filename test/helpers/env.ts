// Where a test runs: the repository's root, throw-away folders and an environment with nothing of
// the developer's, for spawned and in-process runs alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function tempDir(prefix = 'events-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** An environment with nothing of the developer's: no tokens, no config folder, no colour hints. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], LANG: 'C.UTF-8', TZ: 'UTC' };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}
