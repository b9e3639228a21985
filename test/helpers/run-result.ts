// What one run of the CLI gave back, spawned (spawn.ts) or in-process (run-in-process.ts), and
// how tests read its JSON output.

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Events of a run's JSON output without the reserved metadata key, for exact comparison. */
export function eventsOf(text: string): unknown[] {
  return jsonLines(text)
    .filter((r) => (r['_events'] as { kind?: string } | undefined)?.kind === 'event')
    .map(({ _events, ...event }) => event);
}
