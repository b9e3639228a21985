// The one IO: what every command and use case receives from the program: where to write, what to
// read, the environment, how to learn that the user asked to stop, and that log rotation asked to
// reopen output files (SIGHUP). src/main.ts builds it from `process`; tests build it from strings
// (test/helpers/run-in-process.ts). Commands and src/app/ read and write only through it.
export interface IO {
  /** Lines for the reader. `isTTY` and `columns` decide colour, width and the spinner. */
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** `--refs-file -` reads it. */
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** Aborted when the user asks to stop; `reason` is the exit code to use. */
  stop: AbortController;
  /**
   * Calls `listener` on each SIGHUP until the returned function is called. While nobody listens,
   * SIGHUP means the terminal went away: a stop like SIGTERM, with exit code 129.
   */
  onHangup?: (listener: () => void) => () => void;
}
