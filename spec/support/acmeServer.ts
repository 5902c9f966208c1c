import type { AcmeJob } from './acmeProvider.js';
import { startTestServer, type TestServer } from './httpServer.js';

/** What the Acme server answers for one request: a job body, or an HTTP failure. */
export type AcmeAnswer = AcmeJob | { readonly status: number; readonly body?: string } | 'hang';

/**
 * The Acme Jobs API of docs/examples/custom-provider/acme.ts, on 127.0.0.1:
 * each job answers its script in order, the last answer repeating.
 */
export async function startAcmeServer(token: string, jobs: Record<string, readonly AcmeAnswer[]>): Promise<TestServer> {
  const served = new Map<string, number>();
  return startTestServer((req, res) => {
    const match = /^\/v1\/jobs\/([^/?]+)$/.exec(req.url ?? '');
    const id = match ? decodeURIComponent(match[1] as string) : undefined;
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"message":"bad token"}');
      return;
    }
    const script = id === undefined ? undefined : jobs[id];
    if (id === undefined || script === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"message":"no such job"}');
      return;
    }
    const n = served.get(id) ?? 0;
    served.set(id, n + 1);
    const answer = script[Math.min(n, script.length - 1)] as AcmeAnswer;
    if (answer === 'hang') return;
    if ('status' in answer) {
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      res.end(answer.body ?? '');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  });
}
