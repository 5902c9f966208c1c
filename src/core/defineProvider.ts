import { checkBaseUrl } from './baseUrl.js';
import { PollingSource, type TaskSource } from './pollingSource.js';
import type { ProviderDefinition } from './provider.js';
import { createRedactor } from './redact.js';
import { resolveSourceOptions, type SourceOptions } from './sourceOptions.js';
import { expectFunction, expectNonEmptyString } from './validate.js';

export type { TaskSource } from './pollingSource.js';

/** A provider's source factory: its own options plus the common {@link SourceOptions}. */
export type TaskSourceFactory<TOptions extends object, TRef> = (options: TOptions & SourceOptions) => TaskSource<TRef>;

/**
 * Turns a provider description into a source factory. The built-in providers
 * are written with it; see docs/custom-provider.md for a worked example.
 */
export function defineProvider<TOptions extends object, TRef, TContext>(
  definition: ProviderDefinition<TOptions, TRef, TContext>,
): TaskSourceFactory<TOptions, TRef> {
  expectNonEmptyString('definition.name', definition.name);
  for (const fn of ['setup', 'identify', 'request', 'decode'] as const) expectFunction(`definition.${fn}`, definition[fn]);
  return (options) => {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected the options of the ${definition.name} source to be an object, got ${options === null ? 'null' : typeof options}.`);
    }
    const resolved = resolveSourceOptions(options, definition.defaults);
    const setup = definition.setup(options);
    const baseUrl = checkBaseUrl(setup.baseUrl, { allowInsecureHttp: resolved.allowInsecureHttp });
    return new PollingSource(definition, resolved, setup.context, baseUrl, createRedactor(setup.secrets), trustedHosts(setup.hosts));
  };
}

/** The provider's hosts, checked and lower-cased: `host` or `host:port`, nothing else. */
function trustedHosts(hosts: readonly string[] | undefined): readonly string[] {
  if (hosts === undefined) return [];
  if (!Array.isArray(hosts)) throw new TypeError(`Expected \`hosts\` to be an array of host names, got ${typeof hosts}.`);
  return hosts.map((host: unknown) => {
    if (typeof host !== 'string' || !/^[a-z0-9.-]+(:\d{1,5})?$/i.test(host) || host.startsWith('.') || host.endsWith('.')) {
      throw new TypeError(`Expected each of \`hosts\` to be a host name such as api.example.com (with a port only where one is meant), got ${typeof host === 'string' ? JSON.stringify(host.slice(0, 80)) : typeof host}.`);
    }
    return host.toLowerCase();
  });
}
