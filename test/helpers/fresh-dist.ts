// vitest globalSetup: the spawned tests run bin/events.js, which runs dist/bundle/. A dist/ older than
// any file of src/ (an edit without `npm run build`) is rebuilt first, so a stale dist/ is never
// what the tests test. `npm test` builds anyway; this covers `npx vitest run test/spawned/x.test.ts`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? files(full) : [full];
  });
}

/** dist/ lacks a file of src/, or is older than one: what bin/events.js runs is not what src/ says. */
export function isStale(root: string): boolean {
  // Declaration files (types for untyped imports) compile to nothing.
  const sources = files(path.join(root, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const built = (source: string): string =>
    path.join(root, 'dist', path.relative(path.join(root, 'src'), source)).replace(/\.ts$/, '.js');
  const newest = Math.max(
    0,
    ...[...sources, path.join(root, 'tsconfig.json'), path.join(root, 'tsconfig.build.json')]
      .filter((f) => fs.existsSync(f))
      .map((f) => fs.statSync(f).mtimeMs),
  );
  const bundle = path.join(root, 'dist', 'bundle', 'main.js');
  return [...sources.map(built), bundle].some((out) => !fs.existsSync(out) || fs.statSync(out).mtimeMs < newest);
}

export default function setup(): void {
  if (!isStale(ROOT)) return;
  // What `npm run build` does: a clean dist/ (no file of a deleted source left), then tsc.
  fs.rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  // bin/events.js runs the bundle: `npm run bundle`, the same esbuild line as `npm run build`.
  execFileSync('npm', ['run', '--silent', 'bundle'], { cwd: ROOT, stdio: 'inherit' });
}
