// `events emulator` as users run it to rehearse offline, and `events demo`.
import { describe, expect, it } from 'vitest';
import { cleanEnv, RunningCli, tempDir } from '../helpers/cli.js';

describe('events emulator', () => {
  it('serves Asana and Box and the control API until Ctrl-C', async () => {
    const server = new RunningCli(['emulator', '--port', '0', '--activity', '0'], cleanEnv());
    await server.waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(server.stdout), 10_000, 'the banner');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout)![1]!;
    const summary = (await (await fetch(`${url}/_emulator`)).json()) as { asana: { projects: Array<{ gid: string }> } };
    const project = summary.asana.projects[0]!.gid;
    const first = await fetch(`${url}/api/1.0/events?resource=${project}`, { headers: { authorization: 'Bearer x' } });
    expect(first.status).toBe(412);
    const { sync } = (await first.json()) as { sync: string };
    await fetch(`${url}/_emulator/asana/events`, { method: 'POST', body: JSON.stringify({ resource: project, count: 3 }) });
    const page = (await (await fetch(`${url}/api/1.0/events?resource=${project}&sync=${encodeURIComponent(sync)}`, { headers: { authorization: 'Bearer x' } })).json()) as { data: unknown[]; has_more: boolean };
    expect(page.data).toHaveLength(3);
    expect(page.has_more).toBe(false);
    const box = await fetch(`${url}/2.0/events?stream_position=now`, { headers: { authorization: 'Bearer x' } });
    // Real accounts' positions are safe integers (the spec's example is 1348790499819).
    const position = /"next_stream_position":(\d+)/.exec(await box.text())![1]!;
    expect(Number.isSafeInteger(Number(position))).toBe(true);
    server.kill('SIGINT');
    expect((await server.done).code).toBe(0);
  });

  it('--box-huge-positions: Box positions above 2^60, the stress mode', async () => {
    const server = new RunningCli(['emulator', '--port', '0', '--activity', '0', '--box-huge-positions'], cleanEnv());
    await server.waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(server.stdout), 10_000, 'the banner');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout)![1]!;
    const box = await fetch(`${url}/2.0/events?stream_position=now`, { headers: { authorization: 'Bearer x' } });
    expect(BigInt(/"next_stream_position":(\d+)/.exec(await box.text())![1]!)).toBeGreaterThan(2n ** 60n);
    server.kill('SIGINT');
    expect((await server.done).code).toBe(0);
  });

  it('events demo prints live simulated activity and stops cleanly on Ctrl-C', async () => {
    const demo = new RunningCli(['demo', '--json'], cleanEnv({ EVENTS_CONFIG_DIR: tempDir() }));
    await demo.waitForLines(3, 15_000);
    demo.kill('SIGINT');
    const result = await demo.done;
    expect(result.code).toBe(0);
    for (const line of result.stdout.trim().split('\n')) expect(JSON.parse(line)).toHaveProperty('_events.kind', 'event');
    expect(result.stderr).toMatch(/events demo: emulator at http:\/\/127\.0\.0\.1:\d+/);
  });
});
