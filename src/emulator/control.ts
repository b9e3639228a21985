// The control API under /_emulator, so outages and bursts can be rehearsed from a shell:
//   GET    /_emulator                      what exists (workspace, projects, tasks, goals)
//   POST   /_emulator/asana/events         {"resource":"<gid>","count":10}
//   POST   /_emulator/asana/simulate       {"count":10}
//   POST   /_emulator/asana/projects       {"name":"Roadmap","tasks":5,"team":"<team gid>"} a new project
//   POST   /_emulator/asana/projects/<gid>/archive   archived: out of projects:/team: lists
//   DELETE /_emulator/asana/projects/<gid>            deleted: its events answer 404
//   POST   /_emulator/asana/expire         {"resource":"<gid>"} (or {} for every token)
//   POST   /_emulator/box/events           {"count":10,"stream":"user"|"enterprise","event_type":"LOGIN"}
//   POST   /_emulator/faults               {"kind":"status","status":503,"path":"/events","times":3}
//                                           (or a hostile page: {"kind":"sync-empty"}, hostile-pages.ts)
//   GET    /_emulator/faults               active faults
//   DELETE /_emulator/faults               clear them
//   GET    /_emulator/requests             requests received (authorization header removed)
//   POST   /_emulator/rate-limit           {"requests":150,"window_s":10,"concurrency":50} per token;
//                                           a key left out is kept, null lifts that limit
//   DELETE /_emulator/rate-limit           lift the request budget (the in-flight cap stays)
//   GET    /_emulator/rate-limit           the limits and how many requests they refused
//   GET    /_emulator/asana/webhooks       webhooks (no secrets), their state and pending events
//   GET    /_emulator/asana/webhooks/deliveries     every handshake, delivery, heartbeat and replay
//   POST   /_emulator/asana/webhooks/faults {"kind":"drop"|"delay"|"duplicate"|"bad-signature",
//                                           "times":1,"delay_ms":2000,"webhook":"<gid>"}
//   DELETE /_emulator/asana/webhooks/faults clear them
//   POST   /_emulator/asana/webhooks/<gid>/replay|heartbeat|deactivate
//   DELETE /_emulator/asana/webhooks/<gid> as Asana deletes one on its own
import type { Emulator } from './types.js';
import { FAULT_KINDS, type FaultSpec } from './faults.js';
import { json, type Reply } from './reply.js';
import { WEBHOOK_FAULT_KINDS, type WebhookFaultKind } from './webhook-deliveries.js';

export function handleControl(emulator: Emulator, method: string, target: URL, body: string): Reply | Promise<Reply> {
  const route = `${method} ${target.pathname.replace(/\/+$/, '')}`;
  let input: Record<string, unknown> = {};
  if (body.trim()) {
    try {
      input = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return json(400, { error: 'the body must be a JSON object' });
    }
  }
  const count = Number(input['count'] ?? 1);
  if (!Number.isInteger(count) || count < 0 || count > 1_000_000)
    return json(400, { error: 'count must be an integer from 0 to 1000000' });
  const { asana } = emulator;
  try {
    switch (route) {
      case 'GET /_emulator':
        return json(200, {
          asana: {
            base_url: `${emulator.url}/api/1.0`,
            workspace: asana.workspaceGid,
            projects: asana.projectGids.map((gid) => ({
              gid,
              name: asana.world.objects.get(gid)?.['name'],
              tasks: asana.taskGids(gid),
            })),
            goals: asana.goalGids,
            teams: asana.teamGids,
          },
          box: { base_url: `${emulator.url}/2.0`, realtime_authorized: emulator.box.realtimeAuthorized },
          requests: emulator.requests.length,
          faults: emulator.faults.list(),
        });
      case 'POST /_emulator/asana/events':
        return json(200, { data: asana.appendEvents(String(input['resource'] ?? asana.projectGids[0]), count) });
      case 'POST /_emulator/asana/projects': {
        const tasks = Number(input['tasks'] ?? 3);
        if (!Number.isInteger(tasks) || tasks < 0 || tasks > 1000)
          return json(400, { error: 'tasks must be an integer from 0 to 1000' });
        const gid = asana.createProject(
          String(input['name'] ?? 'New project'),
          tasks,
          input['team'] === undefined ? undefined : String(input['team']),
        );
        return json(200, { data: { gid } });
      }
      case 'POST /_emulator/asana/simulate':
        return json(200, { data: asana.simulate(count) });
      case 'POST /_emulator/asana/expire':
        asana.expireTokens(input['resource'] === undefined ? undefined : String(input['resource']));
        return json(200, { expired: input['resource'] ?? 'all' });
      case 'POST /_emulator/box/events': {
        const stream = input['stream'] === 'enterprise' ? 'enterprise' : 'user';
        return json(200, {
          entries: emulator.box.appendEvents(count, stream, input['event_type'] as string | undefined),
        });
      }
      case 'POST /_emulator/faults': {
        if (!FAULT_KINDS.includes(input['kind'] as never))
          return json(400, { error: `kind must be one of ${FAULT_KINDS.join(', ')}` });
        emulator.faults.add(input as unknown as FaultSpec);
        return json(200, { faults: emulator.faults.list() });
      }
      case 'GET /_emulator/faults':
        return json(200, { faults: emulator.faults.list() });
      case 'DELETE /_emulator/faults':
        emulator.faults.clear();
        return json(200, { faults: [] });
      case 'POST /_emulator/rate-limit': {
        // A key left out keeps its limit; null lifts it. `{}` changes nothing (it used to clear
        // the in-flight cap along with the budget).
        const unknown = Object.keys(input).filter((key) => !['requests', 'window_s', 'concurrency'].includes(key));
        if (unknown.length)
          return json(400, {
            error: `unknown key ${unknown[0]}: the keys are requests, window_s and concurrency (null lifts a limit)`,
          });
        const current = emulator.rateLimit.spec;
        const pick = <T>(key: string, convert: (value: unknown) => T, kept: T | undefined): T | undefined =>
          !(key in input) ? kept : input[key] === null ? undefined : convert(input[key]);
        emulator.rateLimit.set({
          requests: pick('requests', (v) => v as number, current.requests),
          windowMs: pick('window_s', (v) => Math.round(Number(v) * 1000), current.windowMs),
          concurrency: pick('concurrency', (v) => v as number, current.concurrency),
        });
        return json(200, rateLimitState(emulator));
      }
      case 'DELETE /_emulator/rate-limit':
        // Lifts the request budget only: the in-flight cap (Asana's 50) stays unless
        // {"concurrency": null} is posted.
        emulator.rateLimit.set({ ...emulator.rateLimit.spec, requests: undefined, windowMs: undefined });
        return json(200, rateLimitState(emulator));
      case 'GET /_emulator/rate-limit':
        return json(200, rateLimitState(emulator));
      case 'GET /_emulator/requests':
        return json(200, {
          requests: emulator.requests.map(({ headers, ...r }) => ({
            ...r,
            headers: { ...headers, authorization: headers['authorization'] ? '(set)' : undefined },
          })),
        });
      case 'GET /_emulator/asana/webhooks':
        return json(200, {
          data: asana.webhooks.list().map((w) => ({
            gid: w.gid,
            resource: w.resource,
            target: w.target,
            active: w.active,
            pending: asana.webhooks.pendingOf(w.gid),
            delivery_retry_count: w.retryCount,
            last_success_at: w.lastSuccessAt === undefined ? null : new Date(w.lastSuccessAt).toISOString(),
            last_failure_at: w.lastFailureAt === undefined ? null : new Date(w.lastFailureAt).toISOString(),
          })),
        });
      case 'GET /_emulator/asana/webhooks/deliveries':
        return json(200, { deliveries: asana.webhooks.deliveries });
      case 'POST /_emulator/asana/webhooks/faults': {
        const kind = input['kind'] as WebhookFaultKind;
        if (!WEBHOOK_FAULT_KINDS.includes(kind))
          return json(400, { error: `kind must be one of ${WEBHOOK_FAULT_KINDS.join(', ')}` });
        asana.webhooks.addFault({
          kind,
          times: input['times'] === undefined ? 1 : Number(input['times']),
          delayMs: input['delay_ms'] === undefined ? undefined : Number(input['delay_ms']),
          webhook: input['webhook'] === undefined ? undefined : String(input['webhook']),
        });
        return json(200, { faults: asana.webhooks.faults });
      }
      case 'GET /_emulator/asana/webhooks/faults':
        return json(200, { faults: asana.webhooks.faults });
      case 'DELETE /_emulator/asana/webhooks/faults':
        asana.webhooks.clearFaults();
        return json(200, { faults: [] });
      default: {
        const hook = /^(POST|DELETE) \/_emulator\/asana\/webhooks\/(\d+)(?:\/(replay|heartbeat|deactivate))?$/.exec(
          route,
        );
        if (hook?.[1] === 'DELETE' && !hook[3]) {
          if (!asana.webhooks.remove(hook[2]!)) return json(404, { error: `no such webhook: ${hook[2]}` });
          return json(200, { deleted: hook[2] });
        }
        if (hook?.[1] === 'POST' && hook[3] === 'replay')
          return asana.webhooks.replay(hook[2]!).then((replayed) => json(200, { replayed: replayed ?? null }));
        if (hook?.[1] === 'POST' && hook[3] === 'heartbeat') {
          asana.webhooks.heartbeat(hook[2]!);
          return json(200, { heartbeat: hook[2] });
        }
        if (hook?.[1] === 'POST' && hook[3] === 'deactivate') {
          asana.webhooks.deactivate(hook[2]!);
          return json(200, { deactivated: hook[2] });
        }
        const project = /^(POST|DELETE) \/_emulator\/asana\/projects\/(\d+)(\/archive)?$/.exec(route);
        if (project?.[1] === 'POST' && project[3]) {
          asana.archiveProject(project[2]!);
          return json(200, { archived: project[2] });
        }
        if (project?.[1] === 'DELETE' && !project[3]) {
          asana.deleteProject(project[2]!);
          return json(200, { deleted: project[2] });
        }
        return json(404, { error: `no control route ${route}` });
      }
    }
  } catch (error) {
    return json(400, { error: error instanceof Error ? error.message : String(error) });
  }
}

function rateLimitState(emulator: Emulator): Record<string, unknown> {
  const { requests, windowMs, concurrency } = emulator.rateLimit.spec;
  return {
    requests: requests ?? null,
    window_s: windowMs === undefined ? null : windowMs / 1000,
    concurrency: concurrency ?? null,
    refused: emulator.rateLimit.refused,
    admitted: emulator.rateLimit.admitted,
  };
}
