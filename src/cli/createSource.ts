import type { SchedulerLike } from 'rxjs';
import { isLoopback } from '../core/baseUrl.js';
import { mobizonTasks, postmanTasks, streamTasks, type TaskSource } from '../index.js';
import { readCredentials, type Environment, type ProviderName } from './credentials.js';
import { UsageError } from './exitCodes.js';
import type { FollowedTask } from './followTasks.js';

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

/**
 * One source of the provider, configured from the command line and the
 * environment. A bad option (a malformed URL, a too-short interval) is a
 * {@link UsageError} carrying the library's own message, which never shows
 * a credential.
 */
export function createSource({ provider, env, domain, baseUrl, interval, allowInsecureHttp = false, scheduler }: SourceSettings): TaskSource {
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
        return streamTasks({ apiKey, apiSecret, ...common });
      }
      case 'mobizon': {
        const { apiKey } = readCredentials('mobizon', env);
        if (domain === undefined && baseUrl === undefined) {
          throw new UsageError('mobizon needs --domain (your account\'s API domain, such as api.mobizon.kz) or --base-url.');
        }
        return mobizonTasks({ apiKey, ...(domain === undefined ? {} : { domain }), ...common });
      }
      case 'postman': {
        const { apiKey } = readCredentials('postman', env);
        return postmanTasks({ apiKey, ...common });
      }
    }
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * One task to follow, from its text form as typed on the command line (read
 * by the source's `parseRef`: Postman's `merge:ID`, `API_ID/ID`…) or from a
 * ref: the id its states carry, its text form as the source writes it, and
 * its states. A bad one is a {@link UsageError} carrying the library's
 * message, before anything is sent.
 */
export function followedTask(source: TaskSource, given: unknown): FollowedTask {
  try {
    const ref = typeof given === 'string' ? source.parseRef(given) : given;
    return { provider: source.provider, id: idOf(ref), ref: source.formatRef(ref), state$: source.watch(ref), events: source.events };
  } catch (error) {
    throw error instanceof TypeError ? new UsageError(error.message) : error;
  }
}

/** The id a built-in provider's states carry: the ref itself, or its `id` (Postman's `{ id, kind }`, `{ id, apiId }`). */
function idOf(ref: unknown): string {
  return typeof ref === 'string' ? ref : (ref as { id: string }).id;
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
