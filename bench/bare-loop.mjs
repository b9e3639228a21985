// The baseline the CLI is measured against: the least a program can do to drain an Asana event
// stream — fetch a page, print each event as a JSON line, follow `sync` while has_more.
// Usage: node bench/bare-loop.mjs <baseUrl> <resource> <sync>
import { request } from 'undici';

const [base, resource, first] = process.argv.slice(2);
let sync = first;
for (;;) {
  const url = `${base}/events?resource=${resource}&sync=${encodeURIComponent(sync)}`;
  const res = await request(url, { headers: { authorization: 'Bearer bench' } });
  const body = await res.body.json();
  let out = '';
  for (const event of body.data) out += `${JSON.stringify(event)}\n`;
  if (out) process.stdout.write(out);
  sync = body.sync;
  if (!body.has_more) break;
}
