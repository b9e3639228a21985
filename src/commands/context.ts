// What every command receives from the program: how to learn that the user asked to stop, and
// that log rotation asked to reopen output files (SIGHUP).
export interface ProgramContext {
  stop: AbortController;
  /**
   * Calls `listener` on each SIGHUP until the returned function is called. While nobody listens,
   * SIGHUP keeps its default meaning (the terminal went away: the process ends).
   */
  onHangup?: (listener: () => void) => () => void;
}
