// Start-up time of what must feel instant: `events --version`, `--help`, `tail --help` and
// `completion bash` (a TAB press runs `events __complete-refs`, measured too), against `node -e 0`.
// Target: within 1.5x of node -e 0. Run after `npm run build`:  node bench/startup.mjs [runs]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.argv[2] ?? 20);
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-bench-startup-'));
const env = { ...process.env, EVENTS_CONFIG_DIR: stateDir };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(args) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { env, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

// Interleave a warm-up so the file cache is the same for everyone.
time(['-e', '0']);
const base = time(['-e', '0']);
console.log(`start-up, median of ${RUNS} runs (target <= 1.5x node -e 0)`);
console.log(`  node -e 0                : ${base.toFixed(0)} ms`);
for (const args of [['--version'], ['--help'], ['tail', '--help'], ['completion', 'bash'], ['__complete-refs']]) {
  const ms = time([path.join(root, 'bin/events.js'), ...args]);
  console.log(`  events ${args.join(' ').padEnd(17)}: ${ms.toFixed(0)} ms (${(ms / base).toFixed(2)}x)`);
}
fs.rmSync(stateDir, { recursive: true, force: true });
