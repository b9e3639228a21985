// `events emulator` as users run it to rehearse offline, and `events demo`.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli, RunningCli, tempDir } from '../helpers/cli.js';

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

  it('a port in use or an address not on this machine: exit 69 naming it, not an internal error', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const busy = await runCli(['emulator', '--port', String(port), '--activity', '0'], cleanEnv());
      expect(busy).toMatchObject({ code: 69, stdout: '' });
      expect(busy.stderr.trim()).toBe(`events: cannot listen on 127.0.0.1:${port}: the port is already in use (stop what uses it, or pass another --port (0 picks a free one))`);
    } finally {
      taken.close();
    }
    // Binding sends nothing: 192.0.2.1 (TEST-NET-1) is simply not an address of this machine.
    const elsewhere = await runCli(['emulator', '--host', '192.0.2.1', '--port', '0', '--activity', '0'], cleanEnv());
    expect(elsewhere.code).toBe(69);
    expect(elsewhere.stderr.trim()).toMatch(/^events: cannot listen on 192\.0\.2\.1:0: 192\.0\.2\.1 is not an address of this machine \(/);
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
