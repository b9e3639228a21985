// The same least-work drain as bench/bare-loop.mjs, over undici: an Agent with keep-alive and its
// decompress interceptor, `request()` per page, body read with .text(). The baseline for the CLI's
// memory: what undici itself costs, without anything of ours.
// Usage: node bench/bare-undici-loop.mjs <baseUrl> <resource> <sync>
import { Agent, interceptors, request } from 'undici';
import { drain } from './bare-drain.mjs';

const [base, resource, first] = process.argv.slice(2);
process.removeAllListeners('warning'); // the decompress interceptor's ExperimentalWarning
const dispatcher = new Agent({ connections: 50 }).compose(interceptors.decompress());
const headers = { authorization: 'Bearer bench', accept: 'application/json', 'accept-encoding': 'gzip, br' };

await drain(base, resource, first, async (url) => {
  const res = await request(url, { dispatcher, headers });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  return text;
});
await dispatcher.close();
