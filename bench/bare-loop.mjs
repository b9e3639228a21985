// The baseline the CLI is measured against: the least a program can do to drain an Asana event
// stream into JSON lines — node:http with a keep-alive Agent, JSON.parse each page, add `_events`
// to each event the simplest way and JSON.stringify it, one write per page, follow `sync` while
// has_more. No retries, no deadlines, no cursor file: it only sets the pace to match. It asks for
// the same compression as the CLI (gzip, br), so both get the same answers from the server.
// Usage: node bench/bare-loop.mjs <baseUrl> <resource> <sync>
import http from 'node:http';
import zlib from 'node:zlib';
import { drain } from './bare-drain.mjs';

const [base, resource, first] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true });
const headers = { authorization: 'Bearer bench', accept: 'application/json', 'accept-encoding': 'gzip, br' };
const decoders = { br: zlib.brotliDecompressSync, gzip: zlib.gunzipSync };

function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const decode = decoders[res.headers['content-encoding']];
          const text = (decode ? decode(body) : body).toString('utf8');
          res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}`));
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

await drain(base, resource, first, get);
agent.destroy();
