// The floor for a client built on undici: only undici's Client (lib/dispatcher/client.js) with the
// request API mixed into its dispatcher (lib/api/index.js), one Client per origin,
// client.request(), and V8's wasm tiering budget raised so llhttp stays on the baseline compiler
// in a short run. The same page loop as the other bare loops (bench/bare-drain.mjs).
// Usage: node bench/least-undici-loop.mjs <baseUrl> <resource> <sync>
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import zlib from 'node:zlib';
import { drain } from './bare-drain.mjs';

v8.setFlagsFromString('--wasm-tiering-budget=100000000');
const require = createRequire(import.meta.url);
const Client = require('undici/lib/dispatcher/client.js');
const Dispatcher = require('undici/lib/dispatcher/dispatcher.js');
Object.assign(Dispatcher.prototype, require('undici/lib/api/index.js'));

const [base, resource, first] = process.argv.slice(2);
const origin = new URL(base).origin;
const client = new Client(origin);
const headers = { authorization: 'Bearer bench', accept: 'application/json', 'accept-encoding': 'gzip, br' };

await drain(base, resource, first, async (url) => {
  const target = new URL(url);
  const res = await client.request({ method: 'GET', path: target.pathname + target.search, headers });
  const raw = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  const encoding = res.headers['content-encoding'];
  const body = encoding === 'br' ? zlib.brotliDecompressSync(raw) : encoding === 'gzip' ? zlib.gunzipSync(raw) : raw;
  return body.toString('utf8');
});
await client.close();
