import { isIP } from 'node:net';
import type { FakeProviderServerOptions } from './fakeServerOptions.js';
import { normalizeBudget } from './requestBudget.js';

type Kind = 'string' | 'boolean' | 'budget' | 'errorShape' | 'host';

/** Every option there is, by dot path, and what it must be. */
const SCHEMA: Readonly<Record<'stream' | 'mobizon' | 'postman', Readonly<Record<string, Kind>>>> = {
  stream: { apiKey: 'string', apiSecret: 'string', budget: 'budget', duplicateRateLimitHeaders: 'boolean' },
  mobizon: { apiKey: 'string', budget: 'budget', strict: 'boolean', homeHost: 'host', numbersAsStrings: 'boolean', checkRequestShape: 'boolean' },
  postman: { apiKey: 'string', budget: 'budget', errorShape: 'errorShape', duplicateRateLimitHeaders: 'boolean', checkRequestShape: 'boolean' },
};
const TOP_LEVEL = ['host', 'port', 'clock', 'stream', 'mobizon', 'postman'];
const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

/**
 * Checks the fake server's options once, at start, so that a typo fails
 * there (with a `TypeError` naming the option) and not on the first request:
 * unknown names, the host, the port, the clock, each provider's options
 * object and every value in it.
 */
export function checkServerOptions(options: FakeProviderServerOptions): void {
  if (!isRecord(options)) throw new TypeError(`Expected the fake server's options to be an object, got ${describe(options)}.`);
  checkNames('', options, TOP_LEVEL);
  const { host, port, clock } = options;
  if (host !== undefined && !(typeof host === 'string' && (isIP(host) !== 0 || HOST_NAME.test(host)))) {
    throw new TypeError(`Expected \`host\` to be an IP address or a host name such as 127.0.0.1 or localhost, got ${describe(host)}.`);
  }
  if (port !== undefined && !(typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new TypeError(`Expected \`port\` to be an integer from 0 to 65535, got ${describe(port)}.`);
  }
  if (clock !== undefined && typeof clock !== 'function') throw new TypeError(`Expected \`clock\` to be a function returning ms, got ${describe(clock)}.`);
  for (const provider of ['stream', 'mobizon', 'postman'] as const) {
    const value: unknown = options[provider];
    if (value === undefined) continue;
    if (!isRecord(value)) throw new TypeError(`Expected \`${provider}\` to be an object of ${provider} options, got ${describe(value)}.`);
    const schema = SCHEMA[provider];
    checkNames(`${provider}.`, value, Object.keys(schema));
    for (const [name, kind] of Object.entries(schema)) {
      if (value[name] !== undefined) checkValue(`${provider}.${name}`, kind, value[name]);
    }
  }
}

function checkValue(name: string, kind: Kind, value: unknown): void {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`Expected \`${name}\` to be a non-empty string, got ${describe(value)}.`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw new TypeError(`Expected \`${name}\` to be true or false, got ${describe(value)}.`);
      return;
    case 'errorShape':
      if (value !== 'problem' && value !== 'legacy') throw new TypeError(`Expected \`${name}\` to be problem or legacy, got ${describe(value)}.`);
      return;
    case 'host':
      if (typeof value !== 'string' || !/^[a-z0-9.-]+(:\d{1,5})?$/i.test(value)) {
        throw new TypeError(`Expected \`${name}\` to be a host, optionally with a port (api.mobizon.kz, localhost:8080), got ${describe(value)}.`);
      }
      return;
    case 'budget':
      try {
        normalizeBudget(value as never);
      } catch (error) {
        throw new TypeError(`\`${name}\`: ${(error as Error).message}`);
      }
  }
}

function checkNames(prefix: string, value: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(value).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new TypeError(`Unknown fake server option \`${prefix}${unknown[0]}\`; the ${prefix === '' ? '' : `${prefix.slice(0, -1)} `}options are ${known.join(', ')}.`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}
