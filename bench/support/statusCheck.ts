// One status request for one task, written the way a user of a generic poller
// would write it with cross-fetch: the anchors (core-lro, smithy's waiter, the
// plain loop) and the raw baseline of the overhead bench all call this; the
// overhead bench's floor sends the same request straight on node:http.
import crossFetch from 'cross-fetch';
import { request as httpRequest } from 'node:http';

export type BenchProvider = 'mobizon' | 'postman';

/** Where the status endpoint of one provider is, and its key. */
export interface Endpoint {
  readonly provider: BenchProvider;
  readonly url: string;
  readonly apiKey: string;
}

export type CheckOutcome =
  | { readonly kind: 'running' | 'completed' | 'failed' }
  /** A 429 (Postman) or code 30 (Mobizon); `retryAfterSeconds` when the server said how long to wait. */
  | { readonly kind: 'throttled'; readonly retryAfterSeconds?: number };

type Fetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<Response>;
const fetch = crossFetch as unknown as Fetch;

/** Sends one status request for task `id` and says what it means. Throws on anything unexpected. */
export async function checkStatus(endpoint: Endpoint, id: string, signal?: AbortSignal): Promise<CheckOutcome> {
  const request = statusRequest(endpoint, id);
  const response = await fetch(request.url, { method: request.method, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }), ...(signal === undefined ? {} : { signal }) });
  return outcomeOf(endpoint, id, response.status, (name) => response.headers.get(name), await response.json());
}

/**
 * The same request and reading, straight on `node:http` (Node's global agent,
 * keep-alive), with no abort: the least a Node program can spend on a poll,
 * the floor of the overhead row. Only `http:` endpoints (the fake server's).
 */
export function checkStatusOverHttp(endpoint: Endpoint, id: string): Promise<CheckOutcome> {
  const { url, method, headers, body } = statusRequest(endpoint, id);
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        try {
          resolve(outcomeOf(endpoint, id, response.statusCode ?? 0, (name) => readHeader(response.headers[name]), JSON.parse(text)));
        } catch (error) {
          reject(error);
        }
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

function readHeader(value: string | string[] | undefined): string | null {
  return value === undefined ? null : typeof value === 'string' ? value : value.join(', ');
}

interface StatusRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
}

function statusRequest({ provider, url, apiKey }: Endpoint, id: string): StatusRequest {
  return provider === 'mobizon'
    ? {
        url: `${url}/service/taskqueue/getstatus?output=json&api=v1&apiKey=${encodeURIComponent(apiKey)}`,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: `id=${encodeURIComponent(id)}`,
      }
    : { url: `${url}/collection-updates-tasks/${encodeURIComponent(id)}`, method: 'GET', headers: { 'x-api-key': apiKey, accept: 'application/json' } };
}

/** What an answer means: running, ended, or throttled (with the server's wait, where it gave one). */
function outcomeOf({ provider }: Endpoint, id: string, status: number, header: (name: string) => string | null, json: unknown): CheckOutcome {
  if (provider === 'mobizon') {
    const body = json as { code: number; data?: { status?: number | string } };
    if (body.code === 30) return { kind: 'throttled' };
    if (body.code !== 0) throw new Error(`Mobizon answered code ${body.code} for task ${id}.`);
    const done = Number(body.data?.status);
    return { kind: done === 2 ? 'completed' : done === 3 ? 'failed' : 'running' };
  }
  const body = json as { status?: string };
  if (status === 429) {
    const retryAfter = header('retry-after');
    return retryAfter !== null && Number.isFinite(Number(retryAfter)) ? { kind: 'throttled', retryAfterSeconds: Number(retryAfter) } : { kind: 'throttled' };
  }
  if (status !== 200) throw new Error(`Postman answered ${status} for task ${id}.`);
  return { kind: body.status === 'successful' ? 'completed' : body.status === 'failed' ? 'failed' : 'running' };
}
