// `events emulator` as users run it to rehearse offline, and `events demo`.
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, tempDir } from '../helpers/env.js';
import { BIN, runCli, RunningCli, runShell } from '../helpers/spawn.js';
import { makeTestPki } from '../helpers/tls.js';

/** One GET with Node's own client; `ca` trusted for https. */
function get(
  url: string,
  options: { ca?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(
      url,
      { agent: false, headers: options.headers, ...(options.ca ? { ca: options.ca } : {}) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
  });
}

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
    await fetch(`${url}/_emulator/asana/events`, {
      method: 'POST',
      body: JSON.stringify({ resource: project, count: 3 }),
    });
    const page = (await (
      await fetch(`${url}/api/1.0/events?resource=${project}&sync=${encodeURIComponent(sync)}`, {
        headers: { authorization: 'Bearer x' },
      })
    ).json()) as { data: unknown[]; has_more: boolean };
    expect(page.data).toHaveLength(3);
    expect(page.has_more).toBe(false);
    const box = await fetch(`${url}/2.0/events?stream_position=now`, { headers: { authorization: 'Bearer x' } });
    // Real accounts' positions are safe integers (the spec's example is 1348790499819).
    const position = /"next_stream_position":(\d+)/.exec(await box.text())![1]!;
    expect(Number.isSafeInteger(Number(position))).toBe(true);
    server.kill('SIGINT');
    expect((await server.done).code).toBe(130);
  });

  it('--box-huge-positions: Box positions above 2^60, the stress mode', async () => {
    const server = new RunningCli(['emulator', '--port', '0', '--activity', '0', '--box-huge-positions'], cleanEnv());
    await server.waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(server.stdout), 10_000, 'the banner');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout)![1]!;
    const box = await fetch(`${url}/2.0/events?stream_position=now`, { headers: { authorization: 'Bearer x' } });
    expect(BigInt(/"next_stream_position":(\d+)/.exec(await box.text())![1]!)).toBeGreaterThan(2n ** 60n);
    server.kill('SIGTERM');
    expect((await server.done).code).toBe(143);
  });

  it('a port in use or an address not on this machine: exit 69 naming it, not an internal error', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const busy = await runCli(['emulator', '--port', String(port), '--activity', '0'], cleanEnv());
      expect(busy).toMatchObject({ code: 69, stdout: '' });
      expect(busy.stderr.trim()).toBe(
        `events: cannot listen on 127.0.0.1:${port}: the port is already in use (stop what uses it, or pass another --port (0 picks a free one))`,
      );
    } finally {
      taken.close();
    }
    // Binding sends nothing: 192.0.2.1 (TEST-NET-1) is simply not an address of this machine.
    const elsewhere = await runCli(['emulator', '--host', '192.0.2.1', '--port', '0', '--activity', '0'], cleanEnv());
    expect(elsewhere.code).toBe(69);
    expect(elsewhere.stderr.trim()).toMatch(
      /^events: cannot listen on 192\.0\.2\.1:0: 192\.0\.2\.1 is not an address of this machine \(/,
    );
  });

  it('events demo prints live simulated activity and stops cleanly on Ctrl-C (exit 130)', async () => {
    const demo = new RunningCli(['demo', '--json'], cleanEnv({ EVENTS_CONFIG_DIR: tempDir() }));
    await demo.waitForLines(3, 15_000);
    demo.kill('SIGINT');
    const result = await demo.done;
    expect(result.code).toBe(130); // as tail: a shell sees the Ctrl-C
    for (const line of result.stdout.trim().split('\n'))
      expect(JSON.parse(line)).toHaveProperty('_events.kind', 'event');
    expect(result.stderr).toMatch(/events demo: emulator at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('events demo | head: exit 141 without a warning about repeats (its cursors are thrown away)', async () => {
    const cut = await runShell(
      `"${process.execPath}" "${BIN}" demo --json | head -n 2 > /dev/null; echo "status=\${PIPESTATUS[0]}" >&2`,
      cleanEnv({ EVENTS_CONFIG_DIR: tempDir() }),
      30_000,
    );
    expect(cut.stderr).toMatch(/^events demo: emulator at http:\/\/127\.0\.0\.1:\d+, [^\n]*\nstatus=141\n$/);
  });

  it('--tls: HTTPS with a private CA made for the run, whose file it prints for NODE_EXTRA_CA_CERTS and removes on exit', async () => {
    const server = new RunningCli(['emulator', '--tls', '--port', '0', '--activity', '0'], cleanEnv());
    await server.waitFor(
      () =>
        /listening on https:\/\/127\.0\.0\.1:\d+/.test(server.stdout) && /NODE_EXTRA_CA_CERTS=\S+/.test(server.stdout),
      10_000,
      'the banner',
    );
    const url = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout)![1]!;
    const caFile = /NODE_EXTRA_CA_CERTS=(\S+)/.exec(server.stdout)![1]!;
    expect(server.stdout).toContain(`try:   NODE_EXTRA_CA_CERTS=${caFile} ASANA_BASE_URL=${url}/api/1.0 `);
    const ca = fs.readFileSync(caFile, 'utf8');
    const summary = await get(`${url}/_emulator`, { ca });
    expect(summary.status).toBe(200);
    expect(JSON.parse(summary.body)).toHaveProperty('asana.base_url', `${url}/api/1.0`);
    const options = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        `${url}/2.0/events`,
        { method: 'OPTIONS', ca, agent: false, headers: { authorization: 'Bearer x' } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(options).entries[0].url).toMatch(new RegExp(`^${url}/subscribe\\?channel=`));
    // The same port over plain http: no answer. Over https without the CA: refused.
    await expect(get(`${url.replace('https:', 'http:')}/_emulator`)).rejects.toThrow();
    await expect(get(`${url}/_emulator`)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    server.kill('SIGINT');
    expect((await server.done).code).toBe(130);
    expect(fs.existsSync(caFile)).toBe(false);
  });

  it("--cert/--key: HTTPS with the user's certificate; unreadable, mismatched or lone files are one-line errors", async () => {
    const dir = tempDir('events-emulator-pki-');
    try {
      const pki = makeTestPki(dir);
      const { certFile, keyFile } = pki.leaves.good;
      const server = new RunningCli(
        ['emulator', '--cert', certFile, '--key', keyFile, '--port', '0', '--activity', '0'],
        cleanEnv(),
      );
      await server.waitFor(() => /listening on https:\/\/127\.0\.0\.1:\d+/.test(server.stdout), 10_000, 'the banner');
      const url = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout)![1]!;
      expect(server.stdout).toContain(`TLS: the certificate of --cert ${certFile}`);
      expect(server.stdout).not.toContain('NODE_EXTRA_CA_CERTS');
      expect(
        (await get(`${url}/api/1.0/users/me`, { ca: pki.ca.cert, headers: { authorization: 'Bearer x' } })).status,
      ).toBe(200);
      server.kill('SIGINT');
      expect((await server.done).code).toBe(130);

      const run = (args: string[]) => runCli(['emulator', '--port', '0', '--activity', '0', ...args], cleanEnv());
      const missing = await run(['--cert', path.join(dir, 'nope.pem'), '--key', keyFile]);
      expect(missing).toMatchObject({ code: 66, stdout: '' });
      expect(missing.stderr.trim()).toBe(
        `events: cannot read --cert ${path.join(dir, 'nope.pem')} (no such file) (pass a readable PEM file to --cert)`,
      );
      const lone = await run(['--cert', certFile]);
      expect(lone).toMatchObject({ code: 2, stdout: '' });
      expect(lone.stderr.trim()).toMatch(/^events: --cert needs --key: the private key of the certificate \(/);
      const mismatched = await run(['--cert', certFile, '--key', pki.leaves.expired.keyFile]);
      expect(mismatched).toMatchObject({ code: 2, stdout: '' });
      expect(mismatched.stderr.trim()).toBe(
        `events: --key ${pki.leaves.expired.keyFile} is not the private key of --cert ${certFile} (pass the key the certificate was issued for)`,
      );
      const notPem = await run(['--cert', keyFile, '--key', keyFile]);
      expect(notPem).toMatchObject({ code: 2, stdout: '' });
      expect(notPem.stderr.trim()).toMatch(/^events: --cert \S+ is not a PEM certificate \(/);
      for (const result of [missing, lone, mismatched, notPem])
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
