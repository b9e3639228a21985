#!/usr/bin/env node
// Thin shim into the compiled code: dist/bundle/ is dist/ (tsc) bundled by esbuild into a few
// files, so a start loads a handful of modules, not 130 (npm install builds both through the
// prepare script).
// No static import: each is a module the ESM loader must resolve and link before the first line
// runs, which `events --version` would pay for nothing. process.getBuiltinModule is synchronous.
const fs = process.getBuiltinModule('node:fs');

const args = process.argv.slice(2);
// `events --version` prints one line from package.json: nothing else to load.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { version } = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  compileCache();
  const { main } = await import('../dist/bundle/main.js');
  const code = await main(process.argv);
  process.exitCode = code;
  // Everything is saved by now. Leave as soon as stdout and stderr have handed their data to the
  // OS, instead of waiting for keep-alive sockets and timers to wind down (that takes ~200 ms).
  const drained = (stream) =>
    stream.writableLength ? new Promise((resolve) => stream.once('drain', resolve)) : Promise.resolve();
  const grace = new Promise((resolve) => setTimeout(resolve, 1000).unref());
  // After Ctrl-C, SIGTERM or SIGHUP, what stdout still holds are lines the stop gave up on: they
  // were not counted in the saved cursor, so they must not reach the reader now.
  const stopped = code === 129 || code === 130 || code === 143;
  await Promise.race([Promise.all([stopped ? undefined : drained(process.stdout), drained(process.stderr)]), grace]);
  process.exit(code);
}

/**
 * Node 22.1+ keeps V8's compiled code of our modules between runs (module.enableCompileCache):
 * a start skips compiling what it ran last time. The folder holds only compiled JavaScript of
 * this package, never a token or an event, and is the user's own (0700 under the XDG cache
 * folder), so no other user can plant code there. Node 20 has no compile cache: nothing happens.
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off, as for any Node program.
 */
function compileCache() {
  const module = process.getBuiltinModule('node:module');
  if (typeof module.enableCompileCache !== 'function' || process.env.NODE_DISABLE_COMPILE_CACHE) return;
  const os = process.getBuiltinModule('node:os');
  const path = process.getBuiltinModule('node:path');
  try {
    const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
    const dir = path.join(base, 'events', 'compile-cache');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    module.enableCompileCache(dir);
  } catch {
    // A read-only or missing home: run without the cache, as on Node 20.
  }
}
