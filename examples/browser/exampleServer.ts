// The example's back end: it serves the page, and on the same origin mounts a
// task hub (`createTaskHub`) that holds the provider keys and polls each task
// once, however many pages watch it. Serving the page starts a session (an
// HttpOnly cookie); the hub lets a request watch tasks only with a session
// this server started, as an application's own session check would (a real one
// would also ask whether this user may see this task).
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { createTaskHub, type HubSource } from '../../src/hub/index.js';
import { DEFAULT_HUB } from './pageConfig.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The session cookie's name. */
export const SESSION_COOKIE = 'example-session';

export interface ExampleServerOptions {
  /** The folder holding index.html and main.js (what bundle.ts writes). Files of sub-folders are not served. */
  readonly folder: string;
  /** The hub's sources, by the names pages use: they hold the provider keys. */
  readonly sources: Readonly<Record<string, HubSource>>;
}

export interface ExampleServer {
  /** `http://127.0.0.1:PORT`; the hub is at `${url}/tasks`. */
  readonly url: string;
  /** Closes the hub (every page is told, every poll stops), then the server and every connection. */
  close(): Promise<void>;
}

/** Serves the page and its hub on 127.0.0.1. */
export async function startExampleServer({ folder, sources }: ExampleServerOptions): Promise<ExampleServer> {
  const sessions = new Set<string>();
  const hub = createTaskHub({
    sources,
    authorize: (request) => sessions.has(sessionOf(request) ?? ''),
    basePath: DEFAULT_HUB,
  });
  const serveFile = async (name: string, request: IncomingMessage, response: ServerResponse) => {
    const type = TYPES[extname(name)];
    const body = type === undefined || name.includes('/') || name.includes('\\') ? undefined : await readFile(join(folder, name)).catch(() => undefined);
    if (body === undefined || request.method !== 'GET') {
      response.writeHead(404).end();
      return;
    }
    // `no-cache`, not `no-store`: Chromium keeps a no-store page that has cookies out of the back/forward cache.
    const headers: Record<string, string> = { 'content-type': type as string, 'cache-control': 'no-cache' };
    if (name.endsWith('.html') && !sessions.has(sessionOf(request) ?? '')) {
      const session = randomUUID();
      sessions.add(session);
      // HttpOnly: the page's scripts cannot read it; the browser sends it with the page's requests to the hub.
      headers['set-cookie'] = `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`;
    }
    response.writeHead(200, headers).end(body);
  };
  const server = createServer((request, response) => {
    const path = normalize(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (path.startsWith(`${DEFAULT_HUB}/`)) hub(request, response);
    else void serveFile(path === '/' ? 'index.html' : path.slice(1), request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      (closing ??= (async () => {
        await hub.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}

/** The session named by the request's cookie, if any. */
function sessionOf(request: IncomingMessage): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const [name, value] = pair.trim().split('=');
    if (name === SESSION_COOKIE) return value;
  }
  return undefined;
}
