import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface LoopbackListener {
  readonly port: number;
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly origin: string;
  /** Resolves once the server is closed; open connections are ended, so a keep-alive client cannot hold it. */
  close(): Promise<void>;
}

/** A server of the local stack listening on 127.0.0.1 only, on `port` (0: any free one). */
export async function listenOnLoopback(server: Server, port: number): Promise<LoopbackListener> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    origin: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
