// The webhook store on a real folder: durable 0600 files in a 0700 folder (checked with fs.stat,
// under a permissive umask too), records merged field by field, consumer groups kept apart,
// corrupt and newer files refused with a fix, and a public view without the secret.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, StateError } from '../../src/core/errors.js';
import { publicView, WebhookStore, type WebhookKey } from '../../src/state/webhooks.js';
import { tempDir } from '../helpers/env.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function store(): WebhookStore {
  const dir = tempDir('events-webhooks-');
  dirs.push(dir);
  return new WebhookStore(path.join(dir, 'state'));
}

const key = (subscription: string, group = 'default'): WebhookKey => ({
  provider: 'asana',
  host: '127.0.0.1:4010',
  subscription,
  group,
});
const fields = { resource: '1001', pathId: 'AAAAAAAAAAAAAAAAAAAAAA', target: 'https://hooks.example.com/hooks/AAAA' };

describe('the webhook store', () => {
  it('writes each record with mode 0600 in a 0700 folder, even under umask 000', async () => {
    const webhooks = store();
    const old = process.umask(0);
    try {
      await webhooks.update(key('1001'), { ...fields, secret: 'the-secret' });
    } finally {
      process.umask(old);
    }
    const file = webhooks.pathOf(key('1001'));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(webhooks.webhooksDir).mode & 0o777).toBe(0o700);
    // No temporary file left beside it.
    expect(fs.readdirSync(webhooks.webhooksDir)).toEqual([path.basename(file)]);
  });

  it('merges the handshake secret first, the webhook gid after, and loads them back', async () => {
    const webhooks = store();
    await webhooks.update(key('1001'), { ...fields, secret: 's1' });
    await webhooks.update(key('1001'), { webhookGid: '9001' });
    expect(webhooks.load(key('1001'))).toMatchObject({ ...fields, secret: 's1', webhookGid: '9001', version: 1 });
    // A new secret (a webhook created again) replaces the old one and keeps the rest.
    await webhooks.update(key('1001'), { secret: 's2', webhookGid: '9002' });
    expect(webhooks.load(key('1001'))).toMatchObject({ pathId: fields.pathId, secret: 's2', webhookGid: '9002' });
    expect(new WebhookStore(webhooks.dir, { create: false }).load(key('1001'))?.secret).toBe('s2');
  });

  it('refuses to start a record without its resource, path and target', async () => {
    await expect(store().update(key('1001'), { secret: 's' })).rejects.toThrow(/resource, path id and target/);
  });

  it('keeps consumer groups apart', async () => {
    const webhooks = store();
    await webhooks.update(key('1001', 'default'), { ...fields, secret: 'a' });
    await webhooks.update(key('1001', 'export'), { ...fields, pathId: 'BBBBBBBBBBBBBBBBBBBBBB', secret: 'b' });
    expect(webhooks.pathOf(key('1001', 'default'))).not.toBe(webhooks.pathOf(key('1001', 'export')));
    expect(webhooks.load(key('1001', 'export'))?.secret).toBe('b');
    expect(webhooks.list({ group: 'export' }).map((r) => r.secret)).toEqual(['b']);
    expect(webhooks.list().map((r) => r.group)).toEqual(['default', 'export']);
  });

  it('removes a record, and says when there was none', async () => {
    const webhooks = store();
    await webhooks.update(key('1001'), fields);
    expect(webhooks.remove(key('1001'))).toBe(true);
    expect(webhooks.remove(key('1001'))).toBe(false);
    expect(webhooks.load(key('1001'))).toBeUndefined();
    expect(webhooks.list()).toEqual([]);
  });

  it('refuses a corrupt file with exit 5 and the fix, and lists past it', async () => {
    const webhooks = store();
    await webhooks.update(key('1002'), fields);
    for (const text of ['{', '[]', '{"version":1}', '{"version":1,"provider":"asana"}']) {
      fs.writeFileSync(webhooks.pathOf(key('1001')), text);
      let error: unknown;
      try {
        webhooks.load(key('1001'));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(StateError);
      expect((error as StateError).exitCode).toBe(ExitCode.state);
      expect((error as StateError).message).toMatch(/webhook state file .* is corrupt/);
      expect((error as StateError).hint).toContain(`rm '${webhooks.pathOf(key('1001'))}'`);
    }
    const broken: string[] = [];
    expect(webhooks.list({}, (file) => broken.push(file)).map((r) => r.subscription)).toEqual(['1002']);
    expect(broken).toHaveLength(1);
  });

  it('refuses a file from a newer version', () => {
    const webhooks = store();
    fs.writeFileSync(webhooks.pathOf(key('1001')), JSON.stringify({ version: 99 }));
    expect(() => webhooks.load(key('1001'))).toThrow(/newer version of events/);
  });

  it('shows a record without its secret', async () => {
    const webhooks = store();
    const record = await webhooks.update(key('1001'), { ...fields, secret: 'never-shown', webhookGid: '9001' });
    const shown = JSON.stringify(publicView(record));
    expect(shown).not.toContain('never-shown');
    expect(publicView(record)).toMatchObject({ secret: 'stored', webhookGid: '9001', subscription: '1001' });
  });
});
