// A static file server for the bundled page, on loopback and a free port: a
// different origin from the fake provider server's, so every poll is a real
// cross-origin request (CORS, preflights and all).
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export interface StaticServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Stops listening and ends every open connection. */
  close(): Promise<void>;
}

/** Serves the files of `folder` (html, js, source maps; nothing in sub-folders) on 127.0.0.1. */
export async function serveStatic(folder: string): Promise<StaticServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    const path = normalize(new URL(request.url ?? '/', 'http://localhost').pathname);
    const name = path === '/' ? 'index.html' : path.slice(1);
    const type = TYPES[extname(name)];
    if (type === undefined || name.includes('/') || name.includes('\\')) {
      response.writeHead(404).end();
      return;
    }
    readFile(join(folder, name)).then(
      (body) => response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
