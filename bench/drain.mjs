// Drains N events (default 100k) from the built-in emulator through `bin/events.js --once --json`
// as a user runs it (no --rate: the governor's default budget) and through two bare loops
// (bench/bare-loop.mjs over node:http, bench/bare-undici-loop.mjs over undici), alternating the
// order each round, and prints events/s and peak RSS with their ratios (median of the per-round
// ratios and the min–max), the time of a run with nothing new, and `--version` against `node -e 0`.
// Peak RSS and CPU time come from the kernel (GNU time's %M, %U and %S, from wait4).
// Run after `npm run build`:  node bench/drain.mjs [events] [rounds]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measurer, needGnuTime } from './rusage.mjs';

needGnuTime('bench/drain.mjs');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startEmulator } = await import(path.join(root, 'dist/emulator/index.js'));
const COUNT = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 7);

const emulator = await startEmulator({ seed: 1, activity: false });
const base = `${emulator.url}/api/1.0`;
const project = emulator.asana.projectGids[0];
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-bench-'));
const env = { ...process.env, ASANA_BASE_URL: base, ASANA_ACCESS_TOKEN: 'bench', EVENTS_CONFIG_DIR: stateDir };
const measure = measurer(env, stateDir);
const cliPath = path.join(root, 'bin/events.js');
const barePath = path.join(root, 'bench/bare-loop.mjs');
const bareUndiciPath = path.join(root, 'bench/bare-undici-loop.mjs');

async function currentToken() {
  const res = await fetch(`${base}/events?resource=${project}`, { headers: { authorization: 'Bearer bench' } });
  return (await res.json()).sync;
}

/** Runs the thunks in this round's order (alternating), returns their results in the given order. */
async function alternate(round, thunks) {
  const order = thunks.map((_, i) => i);
  if (round % 2) order.reverse();
  const results = [];
  for (const i of order) results[i] = await thunks[i]();
  return results;
}

const rows = { cli: [], bare: [], undici: [], cliEmpty: [], bareEmpty: [], version: [], node0: [] };
// No --rate: what a user gets. 100k events are 1,000 pages, within one minute's documented budget.
const tail = (group) => [cliPath, 'tail', project, '--once', '--json', '--group', group];
for (let round = 0; round < ROUNDS; round++) {
  const group = `bench${round}`;
  await measure(tail(group)); // takes the first cursor
  const token = await currentToken();
  emulator.asana.appendEvents(project, COUNT);
  const [cli, bare, undici] = await alternate(round, [
    () => measure(tail(group)),
    () => measure([barePath, base, project, token]),
    () => measure([bareUndiciPath, base, project, token]),
  ]);
  rows.cli.push(cli);
  rows.bare.push(bare);
  rows.undici.push(undici);
  // Nothing new: what a cron run pays when nothing happened.
  const caughtUp = await currentToken();
  const [cliEmpty, bareEmpty] = await alternate(round, [
    () => measure(tail(group)),
    () => measure([barePath, base, project, caughtUp]),
  ]);
  rows.cliEmpty.push(cliEmpty);
  rows.bareEmpty.push(bareEmpty);
  const [version, node0] = await alternate(round, [() => measure([cliPath, '--version']), () => measure(['-e', '0'])]);
  rows.version.push(version);
  rows.node0.push(node0);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const span = (xs) => `${median(xs).toFixed(2)}x (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
const rate = (r) => COUNT / (r.ms / 1000);
// Each round's pair ran back to back under the same conditions: the median of the per-round
// ratios is steadier than the ratio of medians when the machine's speed drifts.
const per = (a, b, f) => rows[a].map((x, i) => f(x, rows[b][i]));
const kEvents = (rs) => `${(median(rs.map(rate)) / 1000).toFixed(1)}k events/s`;
const mb = (rs) => `${median(rs.map((r) => r.mb)).toFixed(0)} MB`;
const ms = (rs) => `${median(rs.map((r) => r.ms)).toFixed(0)} ms`;

console.log(
  `drain ${COUNT} events, ${ROUNDS} alternating rounds (medians; ratios: median of per-round ratios (min–max))`,
);
console.log(`  events --once --json   : ${kEvents(rows.cli)}, peak RSS ${mb(rows.cli)}`);
console.log(`  bare loop (node:http)  : ${kEvents(rows.bare)}, peak RSS ${mb(rows.bare)}`);
console.log(`  bare loop (undici)     : ${kEvents(rows.undici)}, peak RSS ${mb(rows.undici)}`);
console.log(
  `  throughput events/bare : ${span(per('cli', 'bare', (c, b) => b.ms / c.ms))}   goal >= 1.0x (bare node:http loop)`,
);
// CPU time (user + system) moves less than wall time when other work shares the machine.
console.log(
  `  CPU time events/bare   : ${span(per('cli', 'bare', (c, b) => c.cpu / b.cpu))} (${median(rows.cli.map((r) => r.cpu)).toFixed(0)} vs ${median(rows.bare.map((r) => r.cpu)).toFixed(0)} ms)`,
);
console.log(
  `  peak RSS events/undici : ${span(per('cli', 'undici', (c, u) => c.mb / u.mb))}   goal <= 1.2x (bare undici loop)`,
);
console.log(`  peak RSS events/bare   : ${span(per('cli', 'bare', (c, b) => c.mb / b.mb))} (bare node:http loop)`);
console.log(
  `  nothing new            : events ${ms(rows.cliEmpty)} (${mb(rows.cliEmpty)}), bare ${ms(rows.bareEmpty)} (${mb(rows.bareEmpty)}): ${span(per('cliEmpty', 'bareEmpty', (c, b) => c.ms / b.ms))}   goal <= 2x`,
);
console.log(
  `  --version vs node -e 0 : ${ms(rows.version)} vs ${ms(rows.node0)}: ${span(per('version', 'node0', (v, n) => v.ms / n.ms))}   goal <= 1.3x`,
);
console.log(`  nothing new vs node -e 0: ${span(per('cliEmpty', 'node0', (c, n) => c.ms / n.ms))}`);

await emulator.close();
fs.rmSync(stateDir, { recursive: true, force: true });
