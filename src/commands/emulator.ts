// `events emulator`: the local Asana/Box emulator as a standalone server, so users can rehearse
// jq pipelines, cron scripts and outages (POST /_emulator/faults) offline.
import type { ProgramContext } from '../cli.js';
import { UsageError } from '../errors.js';

export async function emulatorCommand(flags: Record<string, unknown>, ctx: ProgramContext): Promise<number> {
  const port = Number(flags['port'] ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${String(flags['port'])}"`, 'for example --port 4010');
  const activityMs = Number(flags['activity'] ?? 2000);
  if (!Number.isFinite(activityMs) || activityMs < 0) throw new UsageError(`--activity must be milliseconds, not "${String(flags['activity'])}"`, 'for example --activity 2000, or 0 for none');
  const host = typeof flags['host'] === 'string' ? flags['host'] : '127.0.0.1';
  const { startEmulator } = await import('../emulator/index.js');
  const boxHugePositions = flags['boxHugePositions'] === true;
  const emulator = await startEmulator({ host, port, activity: activityMs > 0 ? { intervalMs: activityMs } : false, boxHugePositions });
  const { asana } = emulator;
  process.stdout.write(
    [
      `events emulator listening on ${emulator.url}`,
      `  Asana: ASANA_BASE_URL=${emulator.url}/api/1.0  (any bearer token)`,
      `  Box:   BOX_BASE_URL=${emulator.url}/2.0  (stream positions ${boxHugePositions ? 'above 2^60: stress mode' : 'safe integers, as in real accounts'})`,
      `  workspace ${asana.workspaceGid}; projects ${asana.projectGids.join(', ')}`,
      `  try:   ASANA_BASE_URL=${emulator.url}/api/1.0 ASANA_ACCESS_TOKEN=x events tail ${asana.projectGids[0]}`,
      `  control: GET ${emulator.url}/_emulator, POST /_emulator/asana/events, /_emulator/asana/expire, /_emulator/faults`,
      'Ctrl-C to stop',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => ctx.stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  await emulator.close();
  return 0;
}
