import fs from 'node:fs';
// What the follow benches (bench/many.mjs, bench/webhooks.mjs) read off a running `events tail`:
// its CPU ticks and memory from /proc (Linux), when each event line arrived, and its stderr.

/** USER_HZ on Linux: /proc/<pid>/stat counts CPU time in these ticks. */
export const TICK_HZ = 100;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 50 ms; fails after `ms` naming `what`. */
export async function until(check, ms, what) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** utime + stime of a process, in ticks. */
export function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Resident and peak resident memory of a process, in MB. */
export function memoryMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * Reads a `tail --json` child's output: `arrivals` maps each event (as JSON, without `_events`)
 * to when its line came; `stderr()` is what it said so far.
 */
export function watchTail(child) {
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const arrivals = new Map();
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const { _events, ...event } = JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      arrivals.set(JSON.stringify(event), performance.now());
    }
  });
  return { arrivals, stderr: () => stderr };
}
