// What undici does to the process when the client loads it: nothing we would have to know about.
// No global (no global dispatcher set), no signal, exit or warning listener, no stderr output
// (its decompress interceptor's ExperimentalWarning is kept off). A dependency once owned our
// signals; this fails if undici (or our use of it) starts to.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('undici in the process', () => {
  it('adds no global, no listener on signals, exit or warnings, and prints nothing', () => {
    const script = `
      const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit', 'beforeExit', 'warning', 'uncaughtException', 'unhandledRejection'];
      const count = () => events.map((e) => process.listenerCount(e)).join(',');
      const before = new Set([...Object.getOwnPropertyNames(globalThis), ...Object.getOwnPropertySymbols(globalThis).map(String)]);
      const listeners = count();
      const { HttpClient } = await import(${JSON.stringify(path.join(ROOT, 'dist/net/http.js'))});
      const client = new HttpClient({ userAgent: 'test', timeoutMs: 2000 });
      await client.request({ url: new URL('http://127.0.0.1:9/') }).catch(() => undefined);
      await client.close();
      const added = [...Object.getOwnPropertyNames(globalThis), ...Object.getOwnPropertySymbols(globalThis).map(String)].filter((k) => !before.has(k));
      const loaded = Object.keys((await import('node:module')).createRequire(import.meta.url).cache).some((k) => k.includes('/undici/'));
      console.log(JSON.stringify({ added, listeners, after: count(), loaded }));
    `;
    // A process of its own (built code, as users run it): vitest's worker has listeners of its own.
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { added: string[]; listeners: string; after: string; loaded: boolean };
    expect(result.loaded, 'the request loaded undici').toBe(true);
    expect(result.added).toEqual([]);
    expect(result.after).toBe(result.listeners);
  });
});
