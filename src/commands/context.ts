// What every command receives from the program: how to learn that the user asked to stop.
export interface ProgramContext {
  stop: AbortController;
}
