// `events demo`: the built-in emulator with live simulated activity, tailed like a real
// workspace, with its cursors in a throw-away folder. No account, no network.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IO } from '../core/io.js';
import { runTail } from '../app/tail.js';
import { defaultSettings, type OptionsOf } from '../config/settings.js';
import { buildTailConfig } from './tail.js';

export async function demoCommand(flags: OptionsOf<'demo'>, io: IO): Promise<number> {
  const provider = flags.provider ?? 'asana';
  const { startEmulator } = await import('../emulator/index.js');
  // With --projects the workspace changes shape every few seconds, so the re-listing shows.
  const emulator = await startEmulator({
    port: 0,
    seed: Date.now() % 100_000,
    activity: { intervalMs: 1200, projectChurnEvery: flags.projects === true ? 4 : 15 },
  });
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-demo-'));
  try {
    const env = {
      ...io.env,
      ASANA_BASE_URL: `${emulator.url}/api/1.0`,
      ASANA_ACCESS_TOKEN: 'demo-token',
      BOX_BASE_URL: `${emulator.url}/2.0`,
      BOX_ACCESS_TOKEN: 'demo-token',
      EVENTS_CONFIG_DIR: stateDir,
    };
    // --projects: every project of the workspace, one subscription each, re-listed every 5 s, so
    // the projects the simulation adds and archives come and go on screen.
    const projects = flags.projects === true && provider === 'asana';
    const workspace = emulator.asana.workspaceGid;
    const reference = provider === 'box' ? 'box' : projects ? `projects:${workspace}` : `workspace:${workspace}`;
    const settings = defaultSettings({
      asanaBaseUrl: env.ASANA_BASE_URL,
      boxBaseUrl: env.BOX_BASE_URL,
      interval: 1,
      ...(projects ? { relist: 5 } : {}),
      ...(flags.color ? { color: flags.color } : {}),
    });
    const config = buildTailConfig([reference], { json: flags.json }, settings, env);
    const what =
      provider === 'box'
        ? 'a Box user stream (long polling)'
        : projects
          ? `every project of Asana workspace ${workspace} (re-listed every 5 s)`
          : `Asana workspace ${workspace}`;
    io.stderr.write(
      `events demo: emulator at ${emulator.url}, tailing ${what} with simulated activity (Ctrl-C to stop)\n`,
    );
    const code = await runTail({ ...config, throwAwayState: true }, { ...io, env });
    // Ctrl-C ends a demo as it ends tail: 130 (143 for SIGTERM), what a shell expects of a signal.
    return code;
  } finally {
    await emulator.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
