// Webhooks vs polling (issue 26): `events tail projects:<workspace>` of 1,000 Asana projects on one
// token, against the emulator with a budget the CLI is not told (1500/min over a 10 s window), at
// --interval 30, with --webhook-url (the CLI's receiver on 127.0.0.1, the emulator delivering to
// it: batched 50 ms, signed) and without. After every cursor is stored (and, with webhooks, every
// webhook is live): IDLE seconds with nothing happening (requests/min, CPU of the tail process),
// then EVENTS seconds with one event a second on a random project (event -> line p50/p95), the
// 429 share over both phases and over the whole run, RSS at the end. Then one project at the
// default --interval (5 s) with webhooks: event -> line p95.
// Run after `npm run build`:  node bench/webhooks.mjs [idle s, default 60] [events s, default 120] [projects, default 1000]
// Linux only (reads /proc/<pid>/stat and /proc/<pid>/status).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuTicks, memoryMb, sleep, TICK_HZ, until, watchTail } from './follow-process.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(
    'usage: node bench/webhooks.mjs [idle seconds, default 60] [event seconds, default 120] [projects, default 1000]',
  );
  process.exit(0);
}
const { startEmulator } = await import(path.join(root, 'dist/emulator/index.js'));
const IDLE_S = Number(process.argv[2] ?? 60);
const EVENTS_S = Number(process.argv[3] ?? 120);
const SIZE = Number(process.argv[4] ?? 1000);
const BUDGET = { requests: 250, windowMs: 10_000, concurrency: 50 }; // 1500/min

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function run({ size, webhooks, interval, idleS, eventsS, budget }) {
  const emulator = await startEmulator({ seed: 11, activity: false, rateLimit: budget });
  while (emulator.asana.projectGids.length < size)
    emulator.asana.createProject(`Project ${emulator.asana.projectGids.length}`, 0);
  const projects = emulator.asana.projectGids.slice(0, size);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-bench-webhooks-'));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ASANA_BASE_URL: `${emulator.url}/api/1.0`,
    ASANA_ACCESS_TOKEN: 'bench',
    EVENTS_CONFIG_DIR: stateDir,
  };
  const port = await freePort();
  const refs = size === emulator.asana.projectGids.length ? [`projects:${emulator.asana.workspaceGid}`] : projects;
  const args = ['tail', ...refs, '--json', '--interval', String(interval)];
  if (webhooks) args.push('--webhook-url', `http://127.0.0.1:${port}`, '--listen', `127.0.0.1:${port}`);
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(root, 'bin/events.js'), ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { arrivals, stderr: said } = watchTail(child);
  const api = () => emulator.requests.filter((r) => r.path.startsWith('/api/1.0/'));
  const cursorDir = path.join(stateDir, 'cursors');
  const stored = () => (fs.existsSync(cursorDir) ? fs.readdirSync(cursorDir).length : 0);
  const live = () => emulator.asana.webhooks.list().filter((w) => w.active).length;

  await until(() => stored() >= size && (!webhooks || live() >= size), 15 * 60_000, 'the setup');
  const setupS = (Date.now() - started) / 1000;
  const setupRefused = api().filter((r) => r.status === 429).length;
  await sleep(5_000);

  const idleFrom = api().length;
  const cpu0 = cpuTicks(child.pid);
  const t0 = performance.now();
  await sleep(idleS * 1000);
  const idleMin = (performance.now() - t0) / 60_000;
  const idleCpu = (cpuTicks(child.pid) - cpu0) / TICK_HZ / (idleMin * 60);
  const idlePerMin = (api().length - idleFrom) / idleMin;

  const appended = [];
  for (let i = 0; i < eventsS; i++) {
    const gid = projects[Math.floor(Math.random() * projects.length)];
    const [event] = emulator.asana.appendEvents(gid, 1);
    appended.push({ key: JSON.stringify(event), at: performance.now() });
    await sleep(1000);
  }
  await until(() => appended.every((a) => arrivals.has(a.key)), 10 * 60_000, 'every appended event');
  const steady = api().slice(idleFrom);
  const latencies = appended.map((a) => (arrivals.get(a.key) - a.at) / 1000).sort((a, b) => a - b);
  const rss = memoryMb(child.pid).rss;
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
  const all = api();
  await emulator.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    setupS,
    setupRefused,
    idlePerMin,
    idleCpu,
    steadyShare: steady.filter((r) => r.status === 429).length / steady.length,
    wholeShare: all.filter((r) => r.status === 429).length / all.length,
    requests: all.length,
    p50: at(0.5),
    p95: at(0.95),
    rss,
    stderr: said().trim().split('\n').filter(Boolean).slice(-5),
  };
}

const load = os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
console.log(`load average at start: ${load} (${os.cpus().length} cores)`);
const ms = (s) => `${Math.round(s * 1000)} ms`;
for (const webhooks of [true, false]) {
  const r = await run({ size: SIZE, webhooks, interval: 30, idleS: IDLE_S, eventsS: EVENTS_S, budget: BUDGET });
  console.log(
    [
      `${SIZE} projects (projects:), --interval 30, ${webhooks ? 'with --webhook-url' : 'without webhooks'}, budget 1500/min not told:`,
      `  setup ${r.setupS.toFixed(1)} s (${r.setupRefused} refused); idle ${Math.round(r.idlePerMin)} requests/min; idle CPU ${(100 * r.idleCpu).toFixed(2)}% of one core`,
      `  event -> line p50 ${ms(r.p50)}, p95 ${ms(r.p95)}; 429s ${(100 * r.steadyShare).toFixed(2)}% idle+events, ${(100 * r.wholeShare).toFixed(2)}% whole run (${r.requests} requests); RSS ${r.rss.toFixed(0)} MB`,
      ...r.stderr.map((line) => `  stderr: ${line}`),
    ].join('\n'),
  );
}
const one = await run({ size: 1, webhooks: true, interval: 5, idleS: 5, eventsS: 60, budget: BUDGET });
console.log(
  `1 project, --interval 5 (default), with --webhook-url: event -> line p50 ${ms(one.p50)}, p95 ${ms(one.p95)}`,
);
console.log(
  `load average at end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
