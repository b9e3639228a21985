// The runs users make most: a cron run that finds nothing new, a tail that catches up on a few
// pages (2,000 events), `events --help` and `events --version`, each against its floor, in
// alternating rounds in one run: the least undici client (bench/least-undici-loop.mjs), a bare
// undici loop through the package's index (bench/bare-undici-loop.mjs), a bare node:http loop
// (bench/bare-loop.mjs) and `node -e 0`. No tuning flags: what a user gets.
// Peak RSS and CPU time from GNU time (wait4). Run after `npm run build`:
//   node bench/short.mjs [rounds]          (default 15; prints the Node version it ran on)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measurer, needGnuTime } from './rusage.mjs';

needGnuTime('bench/short.mjs');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startEmulator } = await import(path.join(root, 'dist/emulator/index.js'));
const ROUNDS = Number(process.argv[2] ?? 15);
const DRAIN = 2000;

const emulator = await startEmulator({ seed: 1, activity: false });
const base = `${emulator.url}/api/1.0`;
const project = emulator.asana.projectGids[0];
// The drains append to a project of their own, so the cron project has nothing new, ever.
const drained = emulator.asana.projectGids[1];
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-bench-short-'));
const output = path.join(stateDir, 'export.jsonl');
const env = { ...process.env, ASANA_BASE_URL: base, ASANA_ACCESS_TOKEN: 'bench', EVENTS_CONFIG_DIR: stateDir };
const measure = measurer(env, stateDir);
const cli = path.join(root, 'bin/events.js');
const loops = {
  least: path.join(root, 'bench/least-undici-loop.mjs'),
  undici: path.join(root, 'bench/bare-undici-loop.mjs'),
  http: path.join(root, 'bench/bare-loop.mjs'),
};

async function currentToken(resource = project) {
  const res = await fetch(`${base}/events?resource=${resource}`, { headers: { authorization: 'Bearer bench' } });
  return (await res.json()).sync;
}

/** Runs the thunks in an order that rotates each round; returns results in the given order. */
async function rotate(round, thunks) {
  const results = [];
  for (let k = 0; k < thunks.length; k++) {
    const i = (k + round) % thunks.length;
    results[i] = await thunks[i]();
  }
  return results;
}

const rows = {};
const push = (name, value) => (rows[name] ??= []).push(value);
// The cron line of the README: --once into a file, as cron runs it (no terminal).
const cron = ['tail', project, '--once', '--output', output, '--group', 'cron'];
const drainArgs = (group) => ['tail', drained, '--once', '--json', '--group', group];
await measure([cli, ...cron]); // the first run takes the cursor
for (let round = 0; round < ROUNDS; round++) {
  const idle = await currentToken();
  const [a, b, c, d] = await rotate(round, [
    () => measure([cli, ...cron]),
    () => measure([cli, 'tail', project, '--once', '--json', '--group', 'cron']),
    () => measure([loops.least, base, project, idle]),
    () => measure([loops.http, base, project, idle]),
  ]);
  push('idle.cron', a);
  push('idle.json', b);
  push('idle.least', c);
  push('idle.http', d);

  const group = `drain${round}`;
  await measure([cli, ...drainArgs(group)]);
  const token = await currentToken(drained);
  emulator.asana.appendEvents(drained, DRAIN);
  const [e, f, g, h] = await rotate(round, [
    () => measure([cli, ...drainArgs(group)]),
    () => measure([loops.least, base, drained, token]),
    () => measure([loops.undici, base, drained, token]),
    () => measure([loops.http, base, drained, token]),
  ]);
  push('drain.cli', e);
  push('drain.least', f);
  push('drain.undici', g);
  push('drain.http', h);

  const [i, j, k] = await rotate(round, [
    () => measure([cli, '--help']),
    () => measure([cli, '--version']),
    () => measure(['-e', '0']),
  ]);
  push('help', i);
  push('version', j);
  push('node0', k);
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const ratio = (a, b, field) => {
  const per = rows[a].map((x, n) => x[field] / rows[b][n][field]);
  return `${median(per).toFixed(2)}x (${Math.min(...per).toFixed(2)}–${Math.max(...per).toFixed(2)})`;
};
const show = (name) =>
  `${median(rows[name].map((r) => r.ms)).toFixed(0)} ms, ${median(rows[name].map((r) => r.mb)).toFixed(0)} MB, CPU ${median(rows[name].map((r) => r.cpu)).toFixed(0)} ms`;
console.log(
  `bench/short.mjs on Node ${process.version}, ${ROUNDS} rotating rounds, medians (ratios: per-round median (min–max))`,
);
console.log(`nothing new (cron: --once --output) : ${show('idle.cron')}`);
console.log(`nothing new (--once --json)         : ${show('idle.json')}`);
console.log(`  least undici client               : ${show('idle.least')}`);
console.log(`  bare node:http loop               : ${show('idle.http')}`);
console.log(
  `  cron/least time ${ratio('idle.cron', 'idle.least', 'ms')}, RSS ${ratio('idle.cron', 'idle.least', 'mb')}   goal <= 1.2x, <= 1.1x`,
);
console.log(
  `  json/least time ${ratio('idle.json', 'idle.least', 'ms')}, RSS ${ratio('idle.json', 'idle.least', 'mb')}`,
);
console.log(`drain of ${DRAIN} events                : ${show('drain.cli')}`);
console.log(`  least undici client               : ${show('drain.least')}`);
console.log(`  bare undici loop                  : ${show('drain.undici')}`);
console.log(`  bare node:http loop               : ${show('drain.http')}`);
console.log(`  cli/least time ${ratio('drain.cli', 'drain.least', 'ms')}   goal <= 1.2x`);
console.log(`  cli/undici-loop RSS ${ratio('drain.cli', 'drain.undici', 'mb')}   goal <= 1.1x`);
console.log(`events --help    : ${show('help')}; / node -e 0 ${ratio('help', 'node0', 'ms')}   goal <= 1.2x`);
console.log(`events --version : ${show('version')}; / node -e 0 ${ratio('version', 'node0', 'ms')}   goal <= 1.1x`);
console.log(`node -e 0        : ${show('node0')}`);
await emulator.close();
fs.rmSync(stateDir, { recursive: true, force: true });
