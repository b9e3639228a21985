import type { ProgramContext } from '../cli.js';
import { runSnapshot } from '../snapshot.js';
import { buildTailConfig } from './tail.js';

export async function snapshotCommand(resources: string[], flags: Record<string, unknown>, ctx: ProgramContext): Promise<number> {
  // A snapshot is a one-shot job: retries give up in bounded time, like --once.
  const config = buildTailConfig(resources, { ...flags, once: true }, process.env);
  return runSnapshot(config, { stdout: process.stdout, stderr: process.stderr, env: process.env, stop: ctx.stop });
}
