// Many subscriptions on one token: `events tail` of 100 and 1,000 Asana projects at --interval 30
// against the emulator with a per-token budget the CLI is not told (1500/min, as a paid plan,
// counted over a 10 s sliding window). For each size it prints: how long the first run took to
// store every token and how many requests were refused then; requests/min after it, and the 429
// share over the whole run; event-to-line latency p50/p95 (an event appended to a random project → its line
// on stdout); idle CPU of the tail process (share of one core, from /proc, no events flowing);
// its RSS at the end and its peak RSS. A case `N@R/Ws` sets another budget: `400@150/10s` is 400
// projects on a budget of 150 requests per 10 s (900/min, a storm for a governor that starts at
// 1500/min), the case of issue 23 whose 429 share must stay at or under 1%.
// Run after `npm run build`:  node bench/many.mjs [idle seconds, default 60] [cases, default 100,1000,400@150/10s]
// Linux only (reads /proc/<pid>/stat and /proc/<pid>/status).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuTicks, memoryMb, sleep, TICK_HZ, until, watchTail } from './follow-process.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log('usage: node bench/many.mjs [idle seconds, default 60] [cases, default 100,1000,400@150/10s]');
  console.log('  a case is N (projects, on the paid budget 250 per 10 s) or N@R/Ws (R requests per W seconds)');
  process.exit(0);
}
const { startEmulator } = await import(path.join(root, 'dist/emulator/index.js'));
const IDLE_S = Number(process.argv[2] ?? 60);
const PAID = { requests: 250, windowMs: 10_000, concurrency: 50 }; // 1500/min
const CASES = (process.argv[3] ?? '100,1000,400@150/10s').split(',').map(parseCase);
const INTERVAL_S = 30;

/** "400" or "400@150/10s": the projects, and the budget the emulator enforces without telling the CLI. */
function parseCase(text) {
  const match = /^(\d+)(?:@(\d+)\/(\d+)s)?$/.exec(text.trim());
  if (!match) throw new Error(`not a case: ${text} (use N or N@R/Ws, e.g. 400@150/10s)`);
  const budget = match[2] ? { requests: Number(match[2]), windowMs: Number(match[3]) * 1000, concurrency: 50 } : PAID;
  return { size: Number(match[1]), budget };
}

const perMinOf = (budget) => (budget.requests * 60_000) / budget.windowMs;

async function run({ size, budget }) {
  const emulator = await startEmulator({ seed: 11, activity: false, rateLimit: budget });
  while (emulator.asana.projectGids.length < size)
    emulator.asana.createProject(`Project ${emulator.asana.projectGids.length}`, 0);
  const projects = emulator.asana.projectGids.slice(0, size);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-bench-many-'));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ASANA_BASE_URL: `${emulator.url}/api/1.0`,
    ASANA_ACCESS_TOKEN: 'bench',
    EVENTS_CONFIG_DIR: stateDir,
  };
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [path.join(root, 'bin/events.js'), 'tail', ...projects, '--json', '--interval', String(INTERVAL_S)],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const { arrivals, stderr: said } = watchTail(child);
  const api = () => emulator.requests.filter((r) => r.path.startsWith('/api/1.0/'));
  const cursorDir = path.join(stateDir, 'cursors');
  const stored = () => (fs.existsSync(cursorDir) ? fs.readdirSync(cursorDir).length : 0);

  // 1. The first run: every project's first token.
  await until(() => stored() >= size, 10 * 60_000, `${size} cursors`);
  const firstRunS = (Date.now() - started) / 1000;
  const firstRefused = api().filter((r) => r.status === 429).length;
  const steadyFrom = { at: Date.now(), requests: api().length };

  // 2. Idle: tokens stored, nothing happening; CPU over IDLE_S seconds after a settling pause.
  await sleep(5_000);
  const cpu0 = cpuTicks(child.pid);
  const t0 = performance.now();
  await sleep(IDLE_S * 1000);
  const idleCpu = (cpuTicks(child.pid) - cpu0) / TICK_HZ / ((performance.now() - t0) / 1000);

  // 3. Latency: one event a second on a random project, for as long as the idle phase.
  const appended = [];
  for (let i = 0; i < IDLE_S; i++) {
    const gid = projects[Math.floor(Math.random() * projects.length)];
    const [event] = emulator.asana.appendEvents(gid, 1);
    appended.push({ key: JSON.stringify(event), at: performance.now() });
    await sleep(1000);
  }
  await until(() => appended.every((a) => arrivals.has(a.key)), 10 * 60_000, 'every appended event');
  const latencies = appended.map((a) => (arrivals.get(a.key) - a.at) / 1000).sort((a, b) => a - b);
  const memory = memoryMb(child.pid);
  const minutes = (Date.now() - steadyFrom.at) / 60_000;
  const steadyRequests = api().length - steadyFrom.requests;
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
  const requests = api();
  const refused = requests.filter((r) => r.status === 429).length;
  await emulator.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    size,
    budget,
    firstRunS,
    firstRefused,
    perMin: steadyRequests / minutes,
    refusedShare: refused / requests.length,
    refused,
    requests: requests.length,
    p50: at(0.5),
    p95: at(0.95),
    idleCpu,
    rss: memory.rss,
    peak: memory.peak,
    stderr: said().trim().split('\n').filter(Boolean),
  };
}

console.log(
  `events tail of N Asana projects at --interval ${INTERVAL_S}, on an emulated budget per token not told to the CLI`,
);
for (const testCase of CASES) {
  const r = await run(testCase);
  const { requests: allowed, windowMs } = r.budget;
  console.log(
    [
      `${String(r.size).padStart(5)} subscriptions, budget ${allowed} per ${windowMs / 1000} s (${perMinOf(r.budget)}/min): first run stored ${r.size} tokens in ${r.firstRunS.toFixed(1)} s (${r.firstRefused} refused);`,
      `  after it ${Math.round(r.perMin)} requests/min; 429 share over the whole run ${(100 * r.refusedShare).toFixed(2)}% (${r.refused} of ${r.requests});`,
      `  event-to-line latency p50 ${r.p50.toFixed(1)} s, p95 ${r.p95.toFixed(1)} s;`,
      `  idle CPU ${(100 * r.idleCpu).toFixed(2)}% of one core; RSS ${r.rss.toFixed(0)} MB, peak ${r.peak.toFixed(0)} MB`,
      ...r.stderr.map((line) => `  stderr: ${line}`),
    ].join('\n'),
  );
}
