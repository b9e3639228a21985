// The Asana webhooks client against a local HTTP server that answers as Asana does and records
// every request: each one is checked against the official spec (operation, query parameters,
// the JSON body's data), and the client's reading of the answers (201 with the secret, 403 and a
// failed handshake as WebhookTargetError naming --webhook-url, 404 as "gone", pages of lists).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StaticTokenSource } from '../../src/auth/token-source.js';
import { AuthError, ExitCode } from '../../src/core/errors.js';
import type { ProviderContext } from '../../src/core/provider.js';
import { WebhookTargetError } from '../../src/core/wake.js';
import { HttpClient } from '../../src/net/http.js';
import { AsanaWebhooksClient } from '../../src/providers/asana/webhooks.js';
import { LIST_FIELDS, WEBHOOK_FIELDS } from '../../src/emulator/asana-webhooks.js';
import { ASANA_SPEC, haveAsanaSpec, optFieldsEnum, specViolations, type SentRequest } from '../helpers/asana-spec.js';

type Answer = { status: number; body: unknown };

const sent: SentRequest[] = [];
let answer: (req: SentRequest) => Answer = () => ({ status: 500, body: {} });
let server: http.Server;
let base = '';
const client = new HttpClient({ userAgent: 'test', timeoutMs: 5_000 });

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const request: SentRequest = {
        method: req.method ?? '',
        path: url.pathname.replace(/^\/api\/1\.0/, ''),
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      sent.push(request);
      const { status, body: out } = answer(request);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/1.0`;
});
afterAll(async () => {
  await client.close();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  sent.length = 0;
});

const webhooks = (): AsanaWebhooksClient =>
  new AsanaWebhooksClient({
    baseUrl: base,
    auth: new StaticTokenSource('asana', 'token', 'ASANA_ACCESS_TOKEN'),
    http: client,
    retry: { baseMs: 5, capMs: 5, giveUpAfterMs: 200 },
  });

const ctx: ProviderContext = {
  signal: new AbortController().signal,
  report: { retrying: () => undefined, recovered: () => undefined },
  subscription: 'webhooks',
};

const target = 'https://hooks.example.com/events/hooks/AAAAAAAAAAAAAAAAAAAAAA';
const webhook = (gid: string, resource = '1001') => ({
  gid,
  resource_type: 'webhook',
  active: true,
  resource: { gid: resource, resource_type: 'project', name: 'Launch' },
  target,
});
const asanaError = (message: string) => ({ errors: [{ message }] });

/** The answers of a small Asana: one webhook 9001, a list of 150 in two pages. */
function asana(req: SentRequest): Answer {
  const route = `${req.method} ${req.path}`;
  if (route === 'POST /webhooks')
    return { status: 201, body: { data: { ...webhook('9001'), active: false }, 'X-Hook-Secret': 'from-the-answer' } };
  if (route === 'GET /webhooks/9001')
    return { status: 200, body: { data: { ...webhook('9001'), last_success_at: null } } };
  if (route === 'DELETE /webhooks/9001') return { status: 200, body: { data: {} } };
  if (/^(GET|DELETE) \/webhooks\/\d+$/.test(route)) return { status: 404, body: asanaError('Unknown object') };
  if (route === 'GET /webhooks') {
    const start = req.query.has('offset') ? 100 : 0;
    const all = Array.from({ length: 150 }, (_, i) => webhook(String(9100 + i), req.query.get('resource') ?? '1001'));
    return {
      status: 200,
      body: {
        data: all.slice(start, start + Number(req.query.get('limit') ?? 150)),
        next_page: start === 0 ? { offset: 'page-2', path: '/webhooks?offset=page-2', uri: 'x' } : null,
      },
    };
  }
  return { status: 404, body: asanaError('No matching route for request') };
}

describe('the Asana webhooks client', () => {
  it('creates a webhook with a JSON {data:{resource,target}} and returns the secret of the answer', async () => {
    answer = asana;
    const created = await webhooks().create('1001', target, ctx);
    expect(created).toEqual({
      webhook: { gid: '9001', resource: '1001', target, active: false },
      secret: 'from-the-answer',
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent[0]!.body)).toEqual({ data: { resource: '1001', target } });
    expect(sent[0]!.headers['authorization']).toBe('Bearer token');
  });

  it('reads one webhook, and undefined once Asana has deleted it', async () => {
    answer = asana;
    expect(await webhooks().get('9001', ctx)).toEqual({ gid: '9001', resource: '1001', target, active: true });
    expect(await webhooks().get('9002', ctx)).toBeUndefined();
  });

  it('deletes a webhook, and says false when it was gone already', async () => {
    answer = asana;
    expect(await webhooks().delete('9001', ctx)).toBe(true);
    expect(await webhooks().delete('9002', ctx)).toBe(false);
  });

  it('lists every page of a workspace, or of one resource', async () => {
    answer = asana;
    const all = await webhooks().list('1200', ctx);
    expect(all).toHaveLength(150);
    expect(sent.map((r) => r.query.get('offset'))).toEqual([null, 'page-2']);
    const one = await webhooks().list('1200', ctx, '1002');
    expect(one[0]!.resource).toBe('1002');
    expect(sent.at(-1)!.query.get('resource')).toBe('1002');
  });

  it('turns a 403 on create into a WebhookTargetError naming --webhook-url, without the path id', async () => {
    answer = () => ({ status: 403, body: asanaError('Invalid hostname: localhost') });
    const error = await webhooks()
      .create('1001', target, ctx)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookTargetError);
    const { message, hint, exitCode } = error as WebhookTargetError;
    expect(message).toBe(
      'Asana refused the webhook target https://hooks.example.com/events for 1001 (403: Invalid hostname: localhost)',
    );
    expect(hint).toContain('--webhook-url');
    expect(exitCode).toBe(ExitCode.usage);
  });

  it('turns a failed handshake (400) into a WebhookTargetError too', async () => {
    answer = () => ({ status: 400, body: asanaError('Could not complete activation handshake with target URL') });
    await expect(webhooks().create('1001', target, ctx)).rejects.toBeInstanceOf(WebhookTargetError);
  });

  it('keeps a 401 an authentication error, and retries a 503 then succeeds', async () => {
    answer = () => ({ status: 401, body: asanaError('Not Authorized') });
    await expect(webhooks().get('9001', ctx)).rejects.toBeInstanceOf(AuthError);
    let calls = 0;
    answer = (req) => (++calls === 1 ? { status: 503, body: asanaError('Server Error') } : asana(req));
    expect((await webhooks().get('9001', ctx))?.gid).toBe('9001');
    expect(calls).toBe(2);
  });
});

const TEMPLATES: Array<[RegExp, string]> = [
  [/^\/webhooks$/, '/webhooks'],
  [/^\/webhooks\/[^/]+$/, '/webhooks/{webhook_gid}'],
];

describe.skipIf(!haveAsanaSpec)(
  `every request of the webhooks client is in the spec (${haveAsanaSpec ? ASANA_SPEC : 'shared/specs/asana_oas.yaml not found beside the repository'})`,
  () => {
    const lines = haveAsanaSpec ? fs.readFileSync(ASANA_SPEC, 'utf8').split('\n') : [];

    it('checks create, get, delete and both lists', async () => {
      answer = asana;
      const api = webhooks();
      await api.create('1001', target, ctx);
      await api.get('9001', ctx);
      await api.delete('9001', ctx);
      await api.list('1200', ctx);
      await api.list('1200', ctx, '1001');
      expect(new Set(sent.map((r) => `${r.method} ${r.path.replace(/\d+$/, '{gid}')}`))).toEqual(
        new Set(['POST /webhooks', 'GET /webhooks/{gid}', 'DELETE /webhooks/{gid}', 'GET /webhooks']),
      );
      expect(sent.flatMap((r) => specViolations(lines, r, TEMPLATES))).toEqual([]);
    });

    it("gives the emulator's webhook endpoints the spec's opt_fields enums", () => {
      for (const operation of ['createWebhook', 'getWebhook'])
        expect(optFieldsEnum(lines, operation).sort()).toEqual([...WEBHOOK_FIELDS].sort());
      expect(optFieldsEnum(lines, 'getWebhooks').sort()).toEqual([...LIST_FIELDS].sort());
    });

    it('catches a request outside the spec (the check itself works)', () => {
      const bad: SentRequest[] = [
        { method: 'GET', path: '/webhooks', query: new URLSearchParams('resource=1'), headers: {}, body: '' },
        {
          method: 'POST',
          path: '/webhooks',
          query: new URLSearchParams('workspace=1'),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: JSON.stringify({ data: { target, secret: 'x' } }),
        },
        { method: 'PATCH', path: '/webhooks/1', query: new URLSearchParams(), headers: {}, body: '' },
      ];
      expect(bad.flatMap((r) => specViolations(lines, r, TEMPLATES))).toEqual([
        'getWebhooks (GET /webhooks): required query parameter workspace is missing',
        'createWebhook (POST /webhooks): query parameter workspace is not in the spec',
        'createWebhook (POST /webhooks): the body is application/x-www-form-urlencoded, not application/json',
        'createWebhook (POST /webhooks): data.secret is not in the spec',
        'createWebhook (POST /webhooks): required data.resource is missing',
        'no PATCH /webhooks/{webhook_gid} in the spec',
      ]);
    });
  },
);
