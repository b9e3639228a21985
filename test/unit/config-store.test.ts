// conf is loaded for `events config` only, and without the signal hooks its writer brings. Each
// case runs in a fresh node process: when-exit hooks signals once per process, on first import.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/env.js';

function signalListenersAfter(load: string): Record<string, number> {
  const script = `${load}; console.log(JSON.stringify(Object.fromEntries(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'].map((s) => [s, process.listenerCount(s)]))));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }),
  ) as Record<string, number>;
}

describe('loadConf', () => {
  it('conf imported as is hooks SIGINT and SIGTERM (through atomically and when-exit)', () => {
    expect(signalListenersAfter("await import('conf')")).toMatchObject({ SIGINT: 1, SIGTERM: 1 });
  });

  it('loadConf leaves SIGINT, SIGTERM, SIGHUP and SIGQUIT to src/main.ts', () => {
    const store = pathToFileURL(path.join(ROOT, 'dist/config/store.js')).href;
    expect(signalListenersAfter(`const { loadConf } = await import('${store}'); await loadConf()`)).toEqual({
      SIGINT: 0,
      SIGTERM: 0,
      SIGHUP: 0,
      SIGQUIT: 0,
    });
  });
});
