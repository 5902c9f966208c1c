import type { Observable, SchedulerLike } from 'rxjs';
import { isLoopback } from '../core/baseUrl.js';
import { mobizonTasks, postmanTasks, streamTasks, type TaskState } from '../index.js';
import { readCredentials, type Environment, type ProviderName } from './credentials.js';
import { parsePostmanRef } from './postmanRef.js';
import { UsageError } from './exitCodes.js';

export interface SourceSettings {
  readonly provider: ProviderName;
  readonly env: Environment;
  readonly domain?: string;
  readonly baseUrl?: string;
  readonly interval?: number;
  /** `--allow-insecure-http`: the user accepts sending the key in clear text to a plain http host. */
  readonly allowInsecureHttp?: boolean;
  readonly scheduler?: SchedulerLike;
}

/** Watches tasks by their command-line id (see `parsePostmanRef` for Postman's spellings). */
export type WatchById = (id: string) => Observable<TaskState>;

/**
 * One source of the provider, configured from the command line and the
 * environment. A bad option (a malformed URL, a too-short interval) is a
 * {@link UsageError} carrying the library's own message, which never shows
 * a credential.
 */
export function createSource({ provider, env, domain, baseUrl, interval, allowInsecureHttp = false, scheduler }: SourceSettings): WatchById {
  if (domain !== undefined && provider !== 'mobizon') throw new UsageError(`--domain applies to mobizon only; use --base-url to point ${provider} elsewhere.`);
  if (baseUrl !== undefined && !allowInsecureHttp) refuseInsecureHttp(baseUrl);
  const common = {
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(interval === undefined ? {} : { interval }),
    ...(scheduler === undefined ? {} : { scheduler }),
    allowInsecureHttp,
  };
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

/**
 * The library refuses plain http off this machine too, but its message names
 * its own option; this one names the flag a command-line user can give.
 * Anything else wrong with the URL is left to the library to say.
 */
function refuseInsecureHttp(baseUrl: string): void {
  if (!URL.canParse(baseUrl)) return;
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' || isLoopback(url.hostname)) return;
  throw new UsageError(
    `Refusing plain http base URL "${url.origin}": the API key would travel unencrypted. ` +
      'Use https, a loopback host (127.0.0.1, ::1, localhost), or add --allow-insecure-http if you accept that risk.',
  );
}
