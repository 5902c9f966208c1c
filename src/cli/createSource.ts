import type { Observable, SchedulerLike } from 'rxjs';
import { mobizonTasks, postmanTasks, streamTasks, type TaskState } from '../index.js';
import { readCredentials, type Environment, type ProviderName } from './credentials.js';
import { parsePostmanRef } from './postmanRef.js';
import { UsageError } from './usageError.js';

export interface SourceSettings {
  readonly provider: ProviderName;
  readonly env: Environment;
  readonly domain?: string;
  readonly baseUrl?: string;
  readonly interval?: number;
  readonly scheduler?: SchedulerLike;
}

/** Watches tasks by their command-line id (see `parsePostmanRef` for Postman's spellings). */
export type WatchById = (id: string) => Observable<TaskState>;

/**
 * One source of the provider, configured from the command line and the
 * environment. A bad option (an `http:` URL on another host, a too-short
 * interval) is a {@link UsageError} carrying the library's own message,
 * which never shows a credential.
 */
export function createSource({ provider, env, domain, baseUrl, interval, scheduler }: SourceSettings): WatchById {
  if (domain !== undefined && provider !== 'mobizon') throw new UsageError(`--domain applies to mobizon only; use --base-url to point ${provider} elsewhere.`);
  const common = { ...(baseUrl === undefined ? {} : { baseUrl }), ...(interval === undefined ? {} : { interval }), ...(scheduler === undefined ? {} : { scheduler }) };
  try {
    switch (provider) {
      case 'stream': {
        const { apiKey, apiSecret } = readCredentials('stream', env);
        const source = streamTasks({ apiKey, apiSecret, ...common });
        return (id) => source.watch(id);
      }
      case 'mobizon': {
        const { apiKey } = readCredentials('mobizon', env);
        if (domain === undefined && baseUrl === undefined) {
          throw new UsageError('mobizon needs --domain (your account\'s API domain, such as api.mobizon.kz) or --base-url.');
        }
        const source = mobizonTasks({ apiKey, ...(domain === undefined ? {} : { domain }), ...common });
        return (id) => source.watch(id);
      }
      case 'postman': {
        const { apiKey } = readCredentials('postman', env);
        const source = postmanTasks({ apiKey, ...common });
        return (id) => source.watch(parsePostmanRef(id));
      }
    }
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}
