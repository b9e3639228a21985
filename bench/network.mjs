// The network path in figures: bytes on the wire for a page of 100 Asana events with and without
// compression (what the emulator sent, per Accept-Encoding), and the time from starting
// `events tail X --once --json` to its first event on stdout, over https (a private CA through
// NODE_EXTRA_CA_CERTS) against plain http, alternating rounds.
// Run after `npm run build`:  node bench/network.mjs [rounds]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startEmulator } = await import(path.join(root, 'dist/emulator/index.js'));
const { makeCa, makeLeaf } = await import(path.join(root, 'dist/emulator/certificates.js'));
const ROUNDS = Number(process.argv[2] ?? 9);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-bench-net-'));
const ca = makeCa();
const leaf = makeLeaf(ca, { hosts: ['localhost', '127.0.0.1'] });
const caFile = path.join(dir, 'ca.pem');
fs.writeFileSync(caFile, ca.cert);

const plain = await startEmulator({ seed: 3, activity: false });
const secure = await startEmulator({ seed: 3, activity: false, tls: { cert: leaf.cert, key: leaf.key } });

// Bytes on the wire: the same page of 100 events asked for three ways.
const project = plain.asana.projectGids[0];
const first = await (
  await fetch(`${plain.url}/api/1.0/events?resource=${project}`, { headers: { authorization: 'Bearer b' } })
).json();
plain.asana.appendEvents(project, 100);
const wire = {};
for (const coding of ['identity', 'gzip', 'br']) {
  const before = plain.requests.length;
  await new Promise((resolve, reject) => {
    import('node:http').then(({ default: http }) =>
      http
        .get(
          `${plain.url}/api/1.0/events?resource=${project}&sync=${encodeURIComponent(first.sync)}`,
          { headers: { authorization: 'Bearer b', 'accept-encoding': coding } },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        )
        .on('error', reject),
    );
  });
  wire[coding] = plain.requests[before].bodyBytes;
}

/** Milliseconds from spawn to the first line on stdout. */
function firstEvent(emulator, extraEnv, group) {
  const env = {
    ...process.env,
    ...extraEnv,
    ASANA_BASE_URL: `${emulator.url}/api/1.0`,
    ASANA_ACCESS_TOKEN: 'bench',
    EVENTS_CONFIG_DIR: dir,
  };
  const args = [
    path.join(root, 'bin/events.js'),
    'tail',
    emulator.asana.projectGids[0],
    '--once',
    '--json',
    '--group',
    group,
  ];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let at;
    child.stdout.once('data', () => (at = Number(process.hrtime.bigint() - started) / 1e6));
    child.stdout.resume();
    child.on('exit', (code) =>
      code === 0 && at !== undefined ? resolve(at) : reject(new Error(`exit ${code}, first line ${at}`)),
    );
  });
}

const times = { http: [], https: [] };
for (let round = 0; round < ROUNDS; round++) {
  const runs = [
    ['http', plain, {}],
    ['https', secure, { NODE_EXTRA_CA_CERTS: caFile }],
  ];
  if (round % 2) runs.reverse();
  for (const [name, emulator, env] of runs) {
    const group = `net${round}`;
    await firstEvent(emulator, env, group).catch(() => undefined); // the first run takes the cursor
    emulator.asana.appendEvents(emulator.asana.projectGids[0], 1);
    times[name].push(await firstEvent(emulator, env, group));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log('a page of 100 Asana events on the wire (body bytes the emulator sent)');
console.log(`  identity : ${kb(wire.identity)}`);
console.log(`  gzip     : ${kb(wire.gzip)} (${(wire.identity / wire.gzip).toFixed(1)}x smaller)`);
console.log(`  br       : ${kb(wire.br)} (${(wire.identity / wire.br).toFixed(1)}x smaller; what events gets)`);
console.log(`time from start to the first event, --once, median of ${ROUNDS} alternating rounds`);
console.log(`  http  : ${median(times.http).toFixed(0)} ms`);
console.log(
  `  https : ${median(times.https).toFixed(0)} ms (${median(times.https) >= median(times.http) ? '+' : ''}${(median(times.https) - median(times.http)).toFixed(0)} ms: TLS handshake and node:tls)`,
);

await plain.close();
await secure.close();
fs.rmSync(dir, { recursive: true, force: true });
