// Drains N events (default 100k) from the built-in emulator through `bin/events.js --once --json`
// and through the bare loop in bench/bare-loop.mjs, alternating runs, and prints events/s, peak
// RSS and the ratio. Start-up time is measured by bench/startup.mjs.
// Run after `npm run build`:  node bench/drain.mjs [events] [rounds]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startEmulator } = await import(path.join(root, 'dist/emulator/index.js'));
const COUNT = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 7);

const emulator = await startEmulator({ seed: 1, activity: false });
const base = `${emulator.url}/api/1.0`;
const project = emulator.asana.projectGids[0];
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-bench-'));
const env = { ...process.env, ASANA_BASE_URL: base, ASANA_ACCESS_TOKEN: 'bench', EVENTS_CONFIG_DIR: stateDir };

/** Runs a command with stdout to /dev/null; returns wall time and peak RSS (VmHWM, polled). */
function measure(command, args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    let peakKb = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {}
    }, 10);
    child.on('exit', (code) => {
      clearInterval(poll);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      code === 0 ? resolve({ ms, peakMb: peakKb / 1024 }) : reject(new Error(`${command} exited ${code}`));
    });
  });
}

async function firstToken() {
  const res = await fetch(`${base}/events?resource=${project}`, { headers: { authorization: 'Bearer bench' } });
  return (await res.json()).sync;
}

const cli = [];
const bare = [];
for (let round = 0; round < ROUNDS; round++) {
  const group = `bench${round}`;
  // Asynchronous: the emulator answers from this process, a synchronous spawn would block it.
  await measure(process.execPath, [path.join(root, 'bin/events.js'), 'tail', project, '--once', '--json', '--group', group]);
  const token = await firstToken();
  emulator.asana.appendEvents(project, COUNT);
  // Alternate which goes first, so neither always meets a warmer server.
  const runs = [
    async () => bare.push(await measure(process.execPath, [path.join(root, 'bench/bare-loop.mjs'), base, project, token])),
    // --rate: the bare loop has no budget either; this measures the client, not Asana's 1500/min.
    async () => cli.push(await measure(process.execPath, [path.join(root, 'bin/events.js'), 'tail', project, '--once', '--json', '--group', group, '--rate', '100000/min'])),
  ];
  if (round % 2) runs.reverse();
  for (const run of runs) await run();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (runs) => COUNT / (median(runs.map((r) => r.ms)) / 1000);
const cliRate = rate(cli);
const bareRate = rate(bare);
console.log(`drain ${COUNT} events, median of ${ROUNDS} alternating runs`);
console.log(`  events --once --json : ${Math.round(cliRate)} events/s, peak RSS ${median(cli.map((r) => r.peakMb)).toFixed(0)} MB`);
console.log(`  bare fetch-and-print : ${Math.round(bareRate)} events/s, peak RSS ${median(bare.map((r) => r.peakMb)).toFixed(0)} MB`);
// Each round's pair ran back to back under the same conditions: the median of the per-round
// ratios is steadier than the ratio of medians when the machine's speed drifts.
const pairRatios = cli.map((c, i) => bare[i].ms / c.ms);
console.log(`  ratio                : ${(cliRate / bareRate).toFixed(2)}x of medians, ${median(pairRatios).toFixed(2)}x median of per-round ratios [${pairRatios.map((r) => r.toFixed(2)).join(' ')}] (target >= 0.9x)`);

await emulator.close();
fs.rmSync(stateDir, { recursive: true, force: true });
