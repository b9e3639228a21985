// The same least-work drain as bench/bare-loop.mjs, over undici: an Agent with keep-alive and its
// decompress interceptor, `request()` per page, body read with .text(). The baseline for the CLI's
// memory: what undici itself costs, without anything of ours.
// Usage: node bench/bare-undici-loop.mjs <baseUrl> <resource> <sync>
import { Agent, interceptors, request } from 'undici';

const [base, resource, first] = process.argv.slice(2);
process.removeAllListeners('warning'); // the decompress interceptor's ExperimentalWarning
const dispatcher = new Agent({ connections: 50 }).compose(interceptors.decompress());
const headers = { authorization: 'Bearer bench', accept: 'application/json', 'accept-encoding': 'gzip, br' };

let sync = first;
for (;;) {
  const res = await request(`${base}/events?resource=${resource}&sync=${encodeURIComponent(sync)}`, { dispatcher, headers });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  const body = JSON.parse(text);
  const meta = { kind: 'event', provider: 'asana', subscription: resource, group: 'bare', received_at: new Date().toISOString() };
  let out = '';
  for (const event of body.data) {
    event._events = meta;
    out += `${JSON.stringify(event)}\n`;
  }
  if (out) process.stdout.write(out);
  sync = body.sync;
  if (!body.has_more) break;
}
await dispatcher.close();
