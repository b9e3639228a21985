// Why idle polling is cheap only in bursts: a bare keep-alive node:http client polls 1,000 Asana
// projects of the emulator at the same request rate two ways, alternating rounds: `spread`, one
// request every 1/rate s (one wake-up each, as when every wait has its own timer), and `burst`,
// a second's worth of requests at once every second (as with the shared timer grid). Prints the
// client process's CPU (schedstat: every thread, ns of run time) as a share of one core.
// Run after `npm run build`:  node bench/idle-wakeups.mjs [requests/s, default 24] [rounds, default 3] [seconds per round, default 20]
// Linux only (reads /proc/<pid>/task/*/schedstat).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const [, , rateArg, roundsArg, secondsArg, role, url, gids, mode] = process.argv;
const RATE = Number(rateArg ?? 24);

if (role === 'client') {
  // The client: prime every project's sync token, then poll at RATE per second, `spread` or `burst`.
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  const projects = gids.split(',');
  const syncs = new Map();
  const poll = (gid) =>
    new Promise((resolve) => {
      const sync = syncs.get(gid);
      http.get(
        `${url}/api/1.0/events?resource=${gid}${sync ? `&sync=${sync}` : ''}`,
        { agent, headers: { authorization: 'Bearer bench', accept: 'application/json' } },
        (res) => {
          res.setEncoding('utf8');
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => {
            const next = JSON.parse(body).sync;
            if (next) syncs.set(gid, next);
            resolve();
          });
        },
      );
    });
  for (const gid of projects) await poll(gid);
  process.send('ready');
  let i = 0;
  if (mode === 'spread') setInterval(() => poll(projects[i++ % projects.length]), 1000 / RATE);
  else
    setInterval(() => {
      for (let k = 0; k < RATE; k++) poll(projects[i++ % projects.length]);
    }, 1000);
} else {
  const root = path.resolve(path.dirname(here), '..');
  const { startEmulator } = await import(path.join(root, 'dist/emulator/index.js'));
  const ROUNDS = Number(roundsArg ?? 3);
  const SECONDS = Number(secondsArg ?? 20);
  const emulator = await startEmulator({ seed: 11, activity: false });
  while (emulator.asana.projectGids.length < 1000)
    emulator.asana.createProject(`Project ${emulator.asana.projectGids.length}`, 0);
  const list = emulator.asana.projectGids.slice(0, 1000).join(',');
  const runNs = (pid) =>
    fs
      .readdirSync(`/proc/${pid}/task`)
      .reduce(
        (sum, tid) => sum + Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]),
        0,
      );
  const results = { spread: [], burst: [] };
  console.log(
    `a bare node:http client polling 1,000 projects at ${RATE} requests/s; ${ROUNDS} alternating rounds of ${SECONDS} s`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const m of round % 2 ? ['burst', 'spread'] : ['spread', 'burst']) {
      const child = spawn(process.execPath, [here, String(RATE), '', '', 'client', emulator.url, list, m], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      await new Promise((resolve) => child.once('message', resolve));
      await new Promise((resolve) => setTimeout(resolve, 3000)); // past the priming's JIT work
      const ns0 = runNs(child.pid);
      const t0 = process.hrtime.bigint();
      await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
      const share = (runNs(child.pid) - ns0) / Number(process.hrtime.bigint() - t0);
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
      results[m].push(share);
      console.log(`  round ${round + 1} ${m.padEnd(6)} ${(100 * share).toFixed(2)}% of one core`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `median: spread ${(100 * median(results.spread)).toFixed(2)}%, burst ${(100 * median(results.burst)).toFixed(2)}% (${(median(results.spread) / median(results.burst)).toFixed(2)}x)`,
  );
  await emulator.close();
}
