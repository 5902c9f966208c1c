// One status request for one task, written the way a user of a generic poller
// would write it with cross-fetch: the anchors (core-lro, smithy's waiter, the
// plain loop) and the raw baseline of the overhead bench all call this.
import crossFetch from 'cross-fetch';

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
  return endpoint.provider === 'mobizon' ? checkMobizon(endpoint, id, signal) : checkPostman(endpoint, id, signal);
}

async function checkMobizon({ url, apiKey }: Endpoint, id: string, signal?: AbortSignal): Promise<CheckOutcome> {
  const response = await fetch(`${url}/service/taskqueue/getstatus?output=json&api=v1&apiKey=${encodeURIComponent(apiKey)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: `id=${encodeURIComponent(id)}`,
    ...(signal === undefined ? {} : { signal }),
  });
  const body = (await response.json()) as { code: number; data?: { status?: number | string } };
  if (body.code === 30) return { kind: 'throttled' };
  if (body.code !== 0) throw new Error(`Mobizon answered code ${body.code} for task ${id}.`);
  const status = Number(body.data?.status);
  return { kind: status === 2 ? 'completed' : status === 3 ? 'failed' : 'running' };
}

async function checkPostman({ url, apiKey }: Endpoint, id: string, signal?: AbortSignal): Promise<CheckOutcome> {
  const response = await fetch(`${url}/collection-updates-tasks/${encodeURIComponent(id)}`, {
    method: 'GET',
    headers: { 'x-api-key': apiKey, accept: 'application/json' },
    ...(signal === undefined ? {} : { signal }),
  });
  const body = (await response.json()) as { status?: string };
  if (response.status === 429) {
    const retryAfter = Number(response.headers.get('retry-after'));
    return Number.isFinite(retryAfter) && response.headers.get('retry-after') !== null ? { kind: 'throttled', retryAfterSeconds: retryAfter } : { kind: 'throttled' };
  }
  if (response.status !== 200) throw new Error(`Postman answered ${response.status} for task ${id}.`);
  return { kind: body.status === 'successful' ? 'completed' : body.status === 'failed' ? 'failed' : 'running' };
}
