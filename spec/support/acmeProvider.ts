// A fourth provider, written by a user with the public API only: it proves
// defineProvider is general, and gives the core's tests a provider to drive.
import { chain, left, map } from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { decodeWith, defineProvider, httpFailure, parseJsonBody, type TaskStateInit, type TaskStatus } from '../../src/index.js';

export const AcmeJob = t.intersection([
  t.type({ id: t.string, state: t.keyof({ queued: null, working: null, done: null, error: null }) }),
  t.partial({ percent: t.number, output: t.unknown, reason: t.string }),
]);
export type AcmeJob = t.TypeOf<typeof AcmeJob>;

const STATUS: Record<AcmeJob['state'], TaskStatus> = { queued: 'pending', working: 'running', done: 'completed', error: 'failed' };

export interface AcmeOptions {
  readonly token: string;
  readonly baseUrl?: string;
}

export const acmeTasks = defineProvider({
  name: 'acme',
  defaults: { interval: 1000, maxRequestsPerSecond: 10 },
  setup: (options: AcmeOptions) => {
    if (typeof options.token !== 'string' || options.token === '') throw new TypeError('Expected `token` to be a non-empty string.');
    return { baseUrl: options.baseUrl ?? 'https://jobs.acme.example', context: { token: options.token }, secrets: [options.token] };
  },
  identify: (ref: string) => ({ id: ref }),
  request: ({ id, context }) => ({
    method: 'GET',
    path: `/jobs/${encodeURIComponent(id)}`,
    query: { token: context.token },
    headers: { accept: 'application/json' },
  }),
  decode: (response, { id }) => {
    const what = `Acme job ${id}`;
    if (response.status !== 200) return left(httpFailure({ response, what }));
    return pipe(
      parseJsonBody(response, what),
      chain((body) => decodeWith(AcmeJob, body, what)),
      map((job): TaskStateInit => ({
        status: STATUS[job.state],
        providerStatus: job.state,
        ...(job.percent === undefined ? {} : { progress: job.percent / 100 }),
        ...(job.output === undefined ? {} : { result: job.output }),
        ...(job.reason === undefined ? {} : { error: { message: job.reason } }),
        raw: job,
      })),
    );
  },
});
