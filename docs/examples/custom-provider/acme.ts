// A provider the library does not ship, written with the public API only:
// "Acme Jobs", whose GET /v1/jobs/{id} answers
//   {"id":"j1","state":"queued|working|done|error","percent":40,"output":{…},"reason":"…"}
// and uses plain HTTP statuses for errors. docs/custom-provider.md walks through it.
import { chain, left, map } from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { defineProvider, type TaskStatus } from 'rx-task-status';
import { decodeWith, httpFailure, parseJsonBody, type TaskStateInit } from 'rx-task-status/provider';

// 1. The body, as an io-ts codec: the codec and its type share one name.
export const AcmeJob = t.intersection([
  t.type({ id: t.string, state: t.keyof({ queued: null, working: null, done: null, error: null }) }),
  t.partial({ percent: t.number, output: t.unknown, reason: t.string }),
]);
export type AcmeJob = t.TypeOf<typeof AcmeJob>;

// 2. One exhaustive mapping from the provider's spelling to the normalised status.
const STATUS: Record<AcmeJob['state'], TaskStatus> = { queued: 'pending', working: 'running', done: 'completed', error: 'failed' };

export interface AcmeOptions {
  /** The API token; sent as a Bearer token, never shown in an error. */
  readonly token: string;
  /** Default `https://jobs.acme.example`. */
  readonly baseUrl?: string;
}

// 3. The provider: plain functions, no timers, no fetch. The source does the rest.
export const acmeTasks = defineProvider({
  name: 'acme',
  // Acme allows 10 requests per second per token; a job rarely changes faster than once a second.
  defaults: { interval: 1000, maxRequestsPerSecond: 10 },
  setup: (options: AcmeOptions) => {
    if (typeof options.token !== 'string' || options.token === '') {
      throw new TypeError('Expected `token` to be a non-empty string.');
    }
    return {
      baseUrl: options.baseUrl ?? 'https://jobs.acme.example',
      context: { authorization: `Bearer ${options.token}` },
      secrets: [options.token],
    };
  },
  identify: (ref: string) => ({ id: ref }),
  request: ({ id, context }) => ({
    method: 'GET',
    path: `/v1/jobs/${encodeURIComponent(id)}`,
    headers: { accept: 'application/json', authorization: context.authorization },
  }),
  decode: (response, { id }) => {
    const what = `Acme job ${id}`;
    // Errors by HTTP status: 401/403 auth, 404 not found, 429 and 5xx retried, other 4xx final.
    if (response.status !== 200) return left(httpFailure({ response, what }));
    return pipe(
      parseJsonBody(response, what),
      chain((body) => decodeWith(AcmeJob, body, what)),
      map(
        (job): TaskStateInit => ({
          status: STATUS[job.state],
          providerStatus: job.state,
          ...(job.percent === undefined ? {} : { progress: job.percent / 100 }),
          ...(job.output === undefined ? {} : { result: job.output }),
          ...(job.reason === undefined ? {} : { error: { message: job.reason } }),
          raw: job,
        }),
      ),
    );
  },
});
