import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FileServer {
  url(path: string): string;
  /** Requests seen per path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export type FileRoute = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

/** A plain HTTP server on 127.0.0.1 serving files as the tests describe them, counting requests. */
export async function startFileServer(routes: Record<string, FileRoute | string>): Promise<FileServer> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    const route = routes[path];
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (typeof route === 'string') res.writeHead(200, { 'content-type': 'text/csv' }).end(route);
    else route(req, res, hit);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls until the check passes (a background job's effect), failing with the last value after `ms`. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`condition not reached; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
