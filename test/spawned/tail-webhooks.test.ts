// `events tail --webhook-url` end to end: bin/events.js spawned against the emulator on 127.0.0.1,
// whose webhooks deliver to the CLI's own receiver (--listen). Nothing mocked. A delivery wakes the
// tail at once (--interval 60), a restart reuses the webhook, `events webhooks list|remove` show
// and delete it, the usage errors are one line each, and no secret leaves the 0600 state file.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf, jsonLines, type CliResult } from '../helpers/run-result.js';
import { runCli, RunningCli } from '../helpers/spawn.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';
import { makeCa, makeLeaf } from '../../src/emulator/certificates.js';
import { tempDir } from '../helpers/env.js';

let bed: TestBed;
let running: RunningCli[] = [];

beforeEach(async () => {
  bed = await startTestBed({
    webhooks: { batchMs: 20, retryBaseMs: 50, retryCapMs: 200, deleteAfterMs: 60_000, heartbeatMs: 60_000 },
  });
});
afterEach(async () => {
  for (const cli of running.splice(0)) {
    cli.kill('SIGKILL');
    await cli.done;
  }
  expect(bed.emulator.violations).toEqual([]);
  await bed.close();
});

/** A port free right now on 127.0.0.1, for --listen and --webhook-url to name before the run. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const posts = () => bed.emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/webhooks')).length;
const webhookFiles = () => {
  const dir = path.join(bed.stateDir, 'webhooks');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => path.join(dir, name)) : [];
};

function tail(port: number, extra: string[] = []): RunningCli {
  const cli = new RunningCli(
    [
      'tail',
      bed.project,
      '--webhook-url',
      `http://127.0.0.1:${port}/`,
      '--listen',
      `127.0.0.1:${port}`,
      '--interval',
      '60',
      '--json',
      '--verbose',
      ...extra,
    ],
    bed.env(),
  );
  running.push(cli);
  return cli;
}

async function stopped(cli: RunningCli): Promise<CliResult> {
  cli.kill('SIGTERM');
  const result = await cli.done;
  running = running.filter((c) => c !== cli);
  return result;
}

/** An event appended after the webhook is live reaches stdout within a second, at --interval 60. */
async function wokenWithinASecond(cli: RunningCli): Promise<void> {
  const before = eventsOf(cli.stdout).length;
  const sent = Date.now();
  const appended = bed.emulator.asana.appendEvents(bed.project, 1);
  await cli.waitFor(() => eventsOf(cli.stdout).length > before, 3_000, 'the event on stdout');
  expect(Date.now() - sent).toBeLessThan(1_000);
  expect(eventsOf(cli.stdout).slice(before)).toEqual(appended);
}

/** Every file under the state folder, as text. */
function stateFiles(dir = bed.stateDir): Array<[string, string]> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry): Array<[string, string]> => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? stateFiles(file) : [[file, fs.readFileSync(file, 'latin1')]];
  });
}

describe('events tail --webhook-url', () => {
  it('wakes on a delivery within a second at --interval 60; a restart reuses the webhook (one POST in all)', async () => {
    const port = await freePort();
    const first = tail(port);
    await first.waitFor(() => first.stderr.includes('1 of 1 webhook live'), 10_000, 'the webhook live');
    await first.waitFor(() => first.stderr.includes('&sync='), 10_000, 'the first page read');
    await wokenWithinASecond(first);
    const one = await stopped(first);
    expect(posts()).toBe(1);

    const second = tail(port);
    await second.waitFor(() => second.stderr.includes('reusing its webhook'), 10_000, 'the webhook reused');
    await second.waitFor(() => second.stderr.includes('1 of 1 webhook live'), 10_000, 'the webhook live');
    await wokenWithinASecond(second);
    const two = await stopped(second);
    expect(posts()).toBe(1);
    expect(bed.emulator.asana.webhooks.list()).toHaveLength(1);

    // No secret anywhere but the 0600 webhook state file: not in stdout, stderr (--verbose), other files.
    const [file] = webhookFiles();
    expect(fs.statSync(file!).mode & 0o777).toBe(0o600);
    const secret = (JSON.parse(fs.readFileSync(file!, 'utf8')) as { secret: string }).secret;
    expect(secret).toMatch(/^[0-9a-f]{32,}$/);
    // The X-Hook-Secret Asana (the emulator) sent in the handshake is the stored one.
    expect(bed.emulator.asana.webhooks.list()[0]).toMatchObject({ secret });
    for (const run of [one, two]) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
    const elsewhere = stateFiles().filter(([name, text]) => name !== file && text.includes(secret));
    expect(elsewhere.map(([name]) => name)).toEqual([]);
  });

  it('--cert and --key serve the receiver over HTTPS: the handshake and the deliveries arrive through TLS', async () => {
    const ca = makeCa();
    const leaf = makeLeaf(ca, { hosts: ['127.0.0.1'] });
    await bed.close();
    bed = await startTestBed({
      webhooks: {
        batchMs: 20,
        retryBaseMs: 50,
        retryCapMs: 200,
        deleteAfterMs: 60_000,
        heartbeatMs: 60_000,
        ca: ca.cert,
      },
    });
    const dir = tempDir('events-receiver-tls-');
    const [certFile, keyFile] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
    fs.writeFileSync(certFile, leaf.cert);
    fs.writeFileSync(keyFile, leaf.key, { mode: 0o600 });
    const port = await freePort();
    const cli = new RunningCli(
      ['tail', bed.project, '--webhook-url', `https://127.0.0.1:${port}/`, '--listen', `127.0.0.1:${port}`].concat([
        '--cert',
        certFile,
        '--key',
        keyFile,
        '--interval',
        '60',
        '--json',
        '--verbose',
      ]),
      bed.env(),
    );
    running.push(cli);
    await cli.waitFor(() => cli.stderr.includes('1 of 1 webhook live'), 10_000, 'the webhook live');
    expect(bed.emulator.asana.webhooks.list()[0]!.target).toMatch(
      new RegExp(`^https://127\\.0\\.0\\.1:${port}/hooks/[\\w-]+$`),
    );
    await cli.waitFor(() => cli.stderr.includes('&sync='), 10_000, 'the first page read');
    await wokenWithinASecond(cli);
    await stopped(cli);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a Box subscription in the same run keeps its long poll: its events arrive at once, without a webhook', async () => {
    const port = await freePort();
    const cli = new RunningCli(
      [
        'tail',
        bed.project,
        'box',
        '--webhook-url',
        `http://127.0.0.1:${port}/`,
        '--listen',
        `127.0.0.1:${port}`,
      ].concat(['--interval', '60', '--json', '--verbose']),
      bed.env({ BOX_BASE_URL: `${bed.emulator.url}/2.0`, BOX_ACCESS_TOKEN: 'box-token' }),
    );
    running.push(cli);
    await cli.waitFor(() => cli.stderr.includes('1 of 1 webhook live'), 10_000, 'the Asana webhook live');
    await cli.waitFor(() => bed.emulator.requests.some((r) => r.path === '/subscribe'), 10_000, 'the Box long poll');
    const sent = Date.now();
    const [event] = bed.emulator.box.appendEvents(1);
    await cli.waitFor(() => cli.stdout.includes(String(event!['event_id'])), 3_000, 'the Box event on stdout');
    expect(Date.now() - sent).toBeLessThan(1_000);
    // One webhook, for the Asana project only.
    expect(bed.emulator.asana.webhooks.list()).toHaveLength(1);
    await wokenWithinASecond(cli);
    await stopped(cli);
  });

  it('events webhooks list shows it live (no secret); webhooks remove --all deletes it at Asana and forgets it', async () => {
    const port = await freePort();
    const cli = tail(port);
    await cli.waitFor(() => cli.stderr.includes('1 of 1 webhook live'), 10_000, 'the webhook live');
    await stopped(cli);
    const secret = (JSON.parse(fs.readFileSync(webhookFiles()[0]!, 'utf8')) as { secret: string }).secret;
    const [hook] = bed.emulator.asana.webhooks.list();

    const list = await runCli(['webhooks', 'list', '--json'], bed.env());
    expect(list.code, list.stderr).toBe(0);
    expect(jsonLines(list.stdout)[0]).toEqual([
      expect.objectContaining({
        group: 'default',
        subscription: bed.project,
        webhook_gid: hook!.gid,
        target: hook!.target,
        live: true,
      }),
    ]);
    const human = await runCli(['webhooks', 'list'], bed.env());
    expect(human.stdout).toMatch(new RegExp(`default\\s+${bed.project}\\s+${hook!.gid}\\s+\\S+\\s+yes`));
    bed.emulator.asana.webhooks.deactivate(hook!.gid);
    const inactive = await runCli(['webhooks', 'list', '--json'], bed.env());
    expect(jsonLines(inactive.stdout)[0]).toEqual([expect.objectContaining({ live: false })]);

    const remove = await runCli(['webhooks', 'remove', '--all'], bed.env());
    expect(remove.code, remove.stderr).toBe(0);
    expect(remove.stderr).toContain(`deleted webhook ${hook!.gid} at Asana`);
    expect(bed.emulator.asana.webhooks.list()).toEqual([]);
    expect(webhookFiles()).toEqual([]);
    const empty = await runCli(['webhooks', 'list', '--json'], bed.env());
    expect(jsonLines(empty.stdout)[0]).toEqual([]);
    for (const run of [list, human, inactive, remove, empty]) expect(run.stdout + run.stderr).not.toContain(secret);

    const none = await runCli(['webhooks', 'remove', '--all'], bed.env());
    expect(none.code).toBe(4);
    const neither = await runCli(['webhooks', 'remove'], bed.env());
    expect(neither.code).toBe(2);
    expect(neither.stderr).toBe(
      "events: name the subscriptions whose webhooks to remove, or pass --all (for example events webhooks remove 1204567890123456; see 'events webhooks list')\n",
    );
  });

  it('events state reset forgets the webhook file with the cursor, and says Asana keeps the webhook', async () => {
    const port = await freePort();
    const cli = tail(port);
    await cli.waitFor(() => cli.stderr.includes('1 of 1 webhook live'), 10_000, 'the webhook live');
    await stopped(cli);
    const [hook] = bed.emulator.asana.webhooks.list();
    const [file] = webhookFiles();
    const reset = await runCli(['state', 'reset', bed.project], bed.env());
    expect(reset.code, reset.stderr).toBe(0);
    expect(webhookFiles()).toEqual([]);
    expect(reset.stderr).toContain(`removed ${file}`);
    expect(reset.stderr).toContain(`Asana keeps webhook ${hook!.gid}`);
  });

  it('a target Asana refuses (403) is one warning naming --webhook-url, and the run goes on polling', async () => {
    const port = await freePort();
    const cli = new RunningCli(
      [
        'tail',
        bed.project,
        '--webhook-url',
        'https://localhost:8787',
        '--listen',
        `127.0.0.1:${port}`,
        '--interval',
        '0.2',
        '--json',
      ],
      bed.env(),
    );
    running.push(cli);
    await cli.waitFor(() => cli.stderr.includes('--webhook-url'), 10_000, 'the refusal');
    const appended = bed.emulator.asana.appendEvents(bed.project, 2);
    await cli.waitFor(() => eventsOf(cli.stdout).length === 2, 5_000, 'the events polled');
    expect(eventsOf(cli.stdout)).toEqual(appended);
    const result = await stopped(cli);
    const warnings = result.stderr.split('\n').filter((line) => line.includes('--webhook-url'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^events: warning: Asana refused the webhook target https:\/\/localhost:8787 .*403.*check --webhook-url.*; polling every --interval instead$/,
    );
  });
});

describe('usage errors of --webhook-url: exit 2, one line naming the rule, nothing requested', () => {
  it.each([
    [
      ['--webhook-url', 'http://hooks.example.com'],
      {},
      'Asana only delivers to https; http is allowed for a loopback host',
    ],
    [[], { EVENTS_WEBHOOK_URL: 'http://hooks.example.com' }, 'EVENTS_WEBHOOK_URL must be an https URL'],
    [['--webhook-url', 'https://hooks.example.com', '--once'], {}, '--once does not take webhooks (--webhook-url)'],
    [
      ['--once'],
      { EVENTS_WEBHOOK_URL: 'https://hooks.example.com' },
      '--once does not take webhooks (EVENTS_WEBHOOK_URL)',
    ],
    [['--webhook-url', 'https://hooks.example.com', '--listen', '8787'], {}, '--listen must be host:port'],
    [['--listen', '127.0.0.1:9000'], {}, '--listen only works with --webhook-url'],
    [['--webhook-url', 'https://hooks.example.com', '--cert', 'c.pem'], {}, '--cert needs --key'],
  ])('%j %j', async (args, env, rule) => {
    const before = bed.emulator.requests.length;
    const run = await runCli(['tail', bed.project, ...args], bed.env(env));
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(run.stderr).toContain(rule);
    expect(run.stdout).toBe('');
    expect(bed.emulator.requests.length).toBe(before);
  });

  it('a webhookUrl in config.json leaves a --once cron run as it was: no webhook, no error', async () => {
    fs.writeFileSync(
      path.join(bed.stateDir, 'config.json'),
      JSON.stringify({ webhookUrl: 'https://hooks.example.com' }),
    );
    const appended = await bed.primed(2);
    const run = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(eventsOf(run.stdout)).toEqual(appended);
    expect(posts()).toBe(0);
  });
});
