// Box long-poll latency: an event appended to the emulator's user stream → its line on stdout of
// `events tail box --json` (follow mode, long polling). Target: under 100 ms on loopback.
// Run after `npm run build`:  node bench/box-latency.mjs [events]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startEmulator } = await import(path.join(root, 'dist/emulator/index.js'));
const COUNT = Number(process.argv[2] ?? 50);

const emulator = await startEmulator({ seed: 5, activity: false });
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-bench-box-'));
const env = {
  ...process.env,
  BOX_BASE_URL: `${emulator.url}/2.0`,
  BOX_ACCESS_TOKEN: 'bench',
  EVENTS_CONFIG_DIR: stateDir,
};
// --interval 60: any delivery faster than that came through the long poll.
const child = spawn(process.execPath, [path.join(root, 'bin/events.js'), 'tail', 'box', '--json', '--interval', '60'], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});

const arrivals = [];
let buffered = '';
child.stdout.setEncoding('utf8').on('data', (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    arrivals.push({ at: performance.now(), id: JSON.parse(line).event_id });
  }
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const waitingPoll = () => emulator.requests.some((r) => r.path === '/subscribe' && r.status === 0);
const until = async (check, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(2);
  }
};

const latencies = [];
for (let i = 0; i < COUNT; i++) {
  await until(waitingPoll);
  await sleep(200);
  const t = performance.now();
  const [event] = emulator.box.appendEvents(1);
  await until(() => arrivals.some((a) => a.id === event.event_id));
  latencies.push(arrivals.find((a) => a.id === event.event_id).at - t);
}
child.kill('SIGINT');
await new Promise((r) => child.on('close', r));
const violations = [...emulator.violations];
const options = emulator.requests.filter((r) => r.method === 'OPTIONS').length;
await emulator.close();
fs.rmSync(stateDir, { recursive: true, force: true });

const sorted = [...latencies].sort((a, b) => a - b);
const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
console.log(`Box long poll, ${COUNT} events appended one at a time (target < 100 ms)`);
console.log(
  `  appended -> line on stdout: median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms`,
);
console.log(`  ${arrivals.length} lines for ${COUNT} events, ${options} OPTIONS requests`);
if (arrivals.length !== COUNT || violations.length) {
  console.error(
    `bench: ${arrivals.length} lines for ${COUNT} events; emulator violations: ${JSON.stringify(violations)}`,
  );
  process.exitCode = 1;
}
