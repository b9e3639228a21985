import type { IO } from '../core/io.js';
import { UsageError } from '../core/errors.js';
import { parseReference } from '../core/refs.js';
import { runSnapshot } from '../app/snapshot.js';
import type { OptionsOf, OptionValues } from '../config/settings.js';
import { buildTailConfig, commandSettings } from './tail.js';
import { redactedLines } from '../lib/redact.js';
import { GIVE_UP_HINT } from '../net/retry.js';

export async function snapshotCommand(
  resources: string[],
  flags: OptionsOf<'snapshot'>,
  options: OptionValues,
  io: IO,
  run: typeof runSnapshot = runSnapshot,
): Promise<number> {
  // Refused before anything else (a token, say) is asked for: no Box token makes it work.
  const box = resources.map(parseReference).find((r) => r.provider === 'box');
  if (box)
    throw new UsageError(
      `Box has no snapshot: ${box.label} is a stream of events, not a resource with a current state`,
      'snapshot Asana projects, tasks, goals or workspaces; for Box use events tail box:admin_logs --since 7d --once',
    );
  // A snapshot is a one-shot job: retries give up in bounded time, like --once.
  const warn = redactedLines(io.stderr, 'events: ');
  const settings = commandSettings('snapshot', options, io.env, warn);
  const config = buildTailConfig(resources, { ...flags, once: true }, settings, io.env, warn);
  // No cursor here: the give-up line must not say that one did not move.
  return run({ ...config, retry: { ...config.retry, giveUpHint: GIVE_UP_HINT.snapshot } }, io);
}
