// Runs commands on a real pseudo-terminal (util-linux `script`), so isTTY, columns and colour
// detection are what a user's terminal gives. Asynchronous: the emulator answers from the test
// process, so nothing here may block it.
import { spawn } from 'node:child_process';
import { BIN } from './spawn.js';

/** Runs a shell command line on a pseudo-terminal; returns what it printed there. */
export async function runTtyScript(command: string, env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<string> {
  const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await new Promise((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return out;
}

/** A word quoted for bash. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** The CLI's command line for a shell: node bin/events.js ARGS. */
export function cliCommand(args: string[]): string {
  return [process.execPath, BIN, ...args].map(shellQuote).join(' ');
}

/** Runs the CLI with a pseudo-terminal as stdout and stderr and returns what it printed. */
export function runTty(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return runTtyScript(cliCommand(args), env);
}
