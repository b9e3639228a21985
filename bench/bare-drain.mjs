// The page loop both bare baselines share: parse a page, add `_events` to each event the simplest
// way, JSON.stringify it, one write per page, follow `sync` while has_more. Only the transport
// (`getText`) differs between bench/bare-loop.mjs (node:http) and bench/bare-undici-loop.mjs.
export async function drain(base, resource, first, getText) {
  let sync = first;
  for (;;) {
    const body = JSON.parse(await getText(`${base}/events?resource=${resource}&sync=${encodeURIComponent(sync)}`));
    const meta = {
      kind: 'event',
      provider: 'asana',
      subscription: resource,
      group: 'bare',
      received_at: new Date().toISOString(),
    };
    let out = '';
    for (const event of body.data) {
      event._events = meta;
      out += `${JSON.stringify(event)}\n`;
    }
    if (out) process.stdout.write(out);
    sync = body.sync;
    if (!body.has_more) break;
  }
}
