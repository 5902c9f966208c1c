import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Set when the client went away before the response ended. */
  aborted: boolean;
}

export interface TestServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Resolves when the server has seen `n` requests end (answered or aborted). */
  settled(n: number): Promise<void>;
  close(): Promise<void>;
}

/** A plain node:http server on 127.0.0.1, port 0, that records every request. */
export async function startTestServer(
  handler: (req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest) => void,
): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let ended = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const onEnded = () => {
    ended++;
    for (const waiter of waiters.filter((w) => w.n <= ended)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), aborted: false };
      requests.push(recorded);
      res.on('close', () => {
        if (!res.writableFinished) recorded.aborted = true;
        onEnded();
      });
      handler(req, res, recorded);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    settled: (n) => (ended >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
