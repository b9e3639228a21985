// A TCP front for a TLS server, as a load balancer or a proxy in the path would be: while healthy
// it passes each connection through to the server untouched (so TLS is end to end); once broken
// it cuts the connections it carries and answers every new one with plain-text HTTP bytes, which
// are not TLS, the way a failing load balancer or a proxy's error page does; or, broken towards
// another server, passes new connections there (one with a bad certificate, say).
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface FlakyFront {
  /** https://127.0.0.1:<port>: the server's URL through the front. */
  url: string;
  /** Cuts every open connection; new ones get plain text (or go to `to`) until heal(). */
  break(to?: URL): void;
  heal(): void;
  /** Connections that met the broken front so far. */
  readonly refused: number;
  close(): Promise<void>;
}

const NOT_TLS =
  'HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nConnection: close\r\n\r\nbad gateway\n';

export async function startFlakyFront(target: URL): Promise<FlakyFront> {
  let broken = false;
  let elsewhere: URL | undefined;
  let refused = 0;
  const open = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (broken) refused++;
    if (broken && !elsewhere) {
      // Wait for the ClientHello, as a server would, then answer it in plain text.
      client.once('data', () => client.end(NOT_TLS));
      return;
    }
    const to = (broken && elsewhere) || target;
    const upstream = net.connect(Number(to.port), to.hostname);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    break: (to) => {
      broken = true;
      elsewhere = to;
      for (const socket of open) socket.destroy();
    },
    heal: () => {
      broken = false;
    },
    get refused() {
      return refused;
    },
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
