// One timed run of `node <args>` for the benches: wall time from here, peak RSS and CPU time from
// the kernel (GNU time's %M, %U and %S, from wait4). Asynchronous, since the emulator the run
// talks to answers from the bench's own process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Exits with a line when GNU time is missing. */
export function needGnuTime(bench) {
  if (fs.existsSync('/usr/bin/time')) return;
  console.error(`${bench} needs GNU time at /usr/bin/time (for peak RSS and CPU time): apt-get install time`);
  process.exit(2);
}

/** A measure(args) with this environment, its rusage file in `dir`: resolves { ms, mb, cpu }. */
export function measurer(env, dir) {
  const rusage = path.join(dir, 'rusage');
  // Opened for writing, like a shell's `> /dev/null` (stdio 'ignore' opens it read-write, which
  // events takes for a closed stdout and refuses).
  const devNull = fs.openSync('/dev/null', 'w');
  return (args) =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', rusage, process.execPath, ...args], {
        env,
        stdio: ['ignore', devNull, 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code) => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const [kb, user, sys] = fs.readFileSync(rusage, 'utf8').trim().split('\n').pop().split(' ').map(Number);
        code === 0
          ? resolve({ ms, mb: kb / 1024, cpu: (user + sys) * 1000 })
          : reject(new Error(`node ${args.join(' ')} exited ${code}`));
      });
    });
}
