// `events demo`: the built-in emulator with live simulated activity, tailed like a real
// workspace, with its cursors in a throw-away folder. No account, no network.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProgramContext } from '../cli.js';
import { runTail } from '../follow/run.js';
import { buildTailConfig } from './tail.js';

export async function demoCommand(flags: Record<string, unknown>, ctx: ProgramContext): Promise<number> {
  const provider = typeof flags['provider'] === 'string' ? flags['provider'] : 'asana';
  const { startEmulator } = await import('../emulator/index.js');
  const emulator = await startEmulator({ port: 0, seed: Date.now() % 100_000, activity: { intervalMs: 1200 } });
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-demo-'));
  try {
    const env = {
      ...process.env,
      ASANA_BASE_URL: `${emulator.url}/api/1.0`, ASANA_ACCESS_TOKEN: 'demo-token',
      BOX_BASE_URL: `${emulator.url}/2.0`, BOX_ACCESS_TOKEN: 'demo-token',
      EVENTS_CONFIG_DIR: stateDir,
    };
    const reference = provider === 'box' ? 'box' : `workspace:${emulator.asana.workspaceGid}`;
    const config = buildTailConfig([reference], { json: flags['json'], color: flags['color'], interval: '1' }, env);
    const what = provider === 'box' ? 'a Box user stream (long polling)' : `Asana workspace ${emulator.asana.workspaceGid}`;
    process.stderr.write(`events demo: emulator at ${emulator.url}, tailing ${what} with simulated activity (Ctrl-C to stop)\n`);
    const code = await runTail(config, { stdout: process.stdout, stderr: process.stderr, env, stop: ctx.stop });
    // Ctrl-C is how a demo ends: that is success.
    return code === 130 || code === 143 ? 0 : code;
  } finally {
    await emulator.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
