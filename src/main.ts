// The one place that turns errors into a message and an exit code, and signals into a stop.
import type { IO } from './core/io.js';
import { ExitCode, StopRequested, exitCodeOf, formatError } from './core/errors.js';

/** After a stop is requested the process must be gone within this long, whatever hangs. */
const STOP_DEADLINE_MS = 1800;

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const stop = new AbortController();
  // This module is the one owner of SIGINT/SIGTERM in the process: no dependency may hook them
  // (conf's writer did, through when-exit, and re-raised them: one Ctrl-C acted as two).
  const onSignal = (code: number) => (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(code); // a second Ctrl-C: leave at once
    if (verbose)
      process.stderr.write(
        `events: debug: ${signal}: stopping after the line being written (again to leave at once)\n`,
      );
    stop.abort(code);
    setTimeout(() => process.exit(code), STOP_DEADLINE_MS).unref();
  };
  const onInt = onSignal(ExitCode.sigint);
  const onTerm = onSignal(ExitCode.sigterm);
  // `events tail --help | head`: the reader left. Tail's own sink handles this (it must not save
  // past what was written); for everything else, leave quietly like any Unix tool.
  const onStdoutError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE' && process.stdout.listenerCount('error') === 1) process.exit(ExitCode.brokenPipe);
  };
  process.stdout.on('error', onStdoutError);
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  // SIGHUP asks a following `tail --output FILE` to reopen FILE after log rotation, as syslog
  // daemons do. While no command listens for that, it means the terminal went away (`events tail
  // X | jq` in a window that closes): a stop like SIGTERM, which saves the same pipe-safe cursor
  // as Ctrl-C, instead of the default action that ended the process with lines still in the pipe.
  const hangupListeners = new Set<() => void>();
  const onHangupStop = onSignal(ExitCode.sighup);
  const onHup = (signal: NodeJS.Signals): void => {
    if (hangupListeners.size === 0) return onHangupStop(signal);
    if (verbose) process.stderr.write('events: debug: SIGHUP: reopening output files\n');
    for (const listener of hangupListeners) listener();
  };
  process.on('SIGHUP', onHup);
  const onHangup = (listener: () => void): (() => void) => {
    hangupListeners.add(listener);
    return () => void hangupListeners.delete(listener);
  };
  // Node opens its inspector on 127.0.0.1:9229 on SIGUSR1, for anyone on the machine to attach
  // to (and read the token from memory). A listener of our own takes the signal from it.
  process.on('SIGUSR1', () => {
    if (verbose) process.stderr.write('events: debug: SIGUSR1 ignored (no inspector)\n');
  });
  // The only place that reads process.* for IO: commands get it all through `io`.
  const io: IO = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    stop,
    onHangup,
  };
  return execute(io, argv, 'node');
  // The handlers stay until the process exits: a second Ctrl-C while bin/events.js waits for
  // stdout to drain still leaves at once, with the same code.
}

/**
 * The one top: `events` on `args` (`from: 'node'` for process.argv, 'user' for the arguments
 * alone) with `io`, and the exit code. Here and nowhere else an error becomes one line on
 * io.stderr (a stack trace only with --verbose) and its exit code. Tests run it in-process with
 * an IO of strings (test/helpers/run-in-process.ts).
 */
export async function execute(io: IO, args: string[], from: 'node' | 'user'): Promise<number> {
  try {
    // What runs on every TAB press or version check skips loading commander (~30 ms).
    const fast = await fastPath(from === 'node' ? args.slice(2) : args, io);
    if (fast !== undefined) return fast;
    const { run } = await import('./cli/program.js');
    return await run(io, args, from);
  } catch (error) {
    // Stopped by a signal while waiting (for a lock, say): that is the stop, not a failure.
    if (io.stop.signal.aborted && error === io.stop.signal.reason) return error as number;
    if (error instanceof StopRequested) return error.exitCode;
    io.stderr.write(`${formatError(error, args.includes('--verbose'))}\n`);
    return exitCodeOf(error);
  }
}

/** `events --version` and `events __complete-refs`, answered without building the program. */
async function fastPath(args: string[], io: IO): Promise<number | undefined> {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    const { version } = await import('./lib/version.js');
    io.stdout.write(`${version()}\n`);
    return ExitCode.ok;
  }
  if (args.length === 1 && args[0] === '__complete-refs') {
    const { completeRefs } = await import('./commands/state.js');
    return completeRefs(io);
  }
  return undefined;
}
