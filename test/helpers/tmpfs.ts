// A tiny tmpfs per test, for real ENOSPC and EROFS: mounting needs root, which CI and the
// developers' machines have; where it is refused, `mounted()` is false and the test decides.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

export function useTinyTmpfs(name: string, size: string): { path: string; mounted(): boolean } {
  const mountPoint = path.join(os.tmpdir(), `events-${name}-${process.pid}`);
  let mounted = false;
  beforeEach(() => {
    fs.mkdirSync(mountPoint, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mountPoint], { stdio: 'ignore' });
      mounted = true;
    } catch {
      mounted = false;
    }
  });
  afterEach(() => {
    if (mounted) execFileSync('umount', [mountPoint]);
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });
  return { path: mountPoint, mounted: () => mounted };
}
