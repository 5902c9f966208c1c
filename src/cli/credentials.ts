import { UsageError } from './exitCodes.js';

export type ProviderName = 'stream' | 'mobizon' | 'postman';

export const PROVIDERS: readonly ProviderName[] = ['stream', 'mobizon', 'postman'];

/** The environment variable each credential is read from (never from argv, which `ps` shows to every user). */
export const CREDENTIAL_VARIABLES = {
  stream: { apiKey: 'STREAM_API_KEY', apiSecret: 'STREAM_API_SECRET' },
  mobizon: { apiKey: 'MOBIZON_API_KEY' },
  postman: { apiKey: 'POSTMAN_API_KEY' },
} as const;

export type Environment = Readonly<Record<string, string | undefined>>;

export type Credentials<P extends ProviderName> = { readonly [K in keyof (typeof CREDENTIAL_VARIABLES)[P]]: string };

/** Reads one provider's credentials; a missing or blank variable is a {@link UsageError} naming it (and never showing any value). */
export function readCredentials<P extends ProviderName>(provider: P, env: Environment): Credentials<P> {
  const variables: Record<string, string> = CREDENTIAL_VARIABLES[provider];
  const missing = Object.values(variables).filter((name) => (env[name] ?? '').trim() === '');
  if (missing.length > 0) {
    const list = missing.join(' and ');
    throw new UsageError(`${list} ${missing.length > 1 ? 'are' : 'is'} not set: watching ${provider} tasks needs ${list} in the environment.`);
  }
  return Object.fromEntries(Object.entries(variables).map(([key, name]) => [key, env[name] as string])) as Credentials<P>;
}
