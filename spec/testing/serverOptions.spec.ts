import { startFakeProviderServer, type FakeProviderServerOptions } from '../../src/testing/index.js';

const refuses = async (options: unknown, message: string | RegExp) => {
  await expect(startFakeProviderServer(options as FakeProviderServerOptions)).rejects.toThrow(TypeError);
  await expect(startFakeProviderServer(options as FakeProviderServerOptions)).rejects.toThrow(message);
};

describe('the fake server checks its options at start', () => {
  it.each<[string, unknown, string | RegExp]>([
    ['options that are not an object', 'fast', "Expected the fake server's options to be an object, got \"fast\"."],
    ['an unknown option (a typo)', { clok: Date.now }, 'Unknown fake server option `clok`; the options are host, port, clock, stream, mobizon, postman.'],
    ['a port out of range', { port: 70_000 }, 'Expected `port` to be an integer from 0 to 65535, got 70000.'],
    ['a port as a string', { port: '8080' }, 'Expected `port` to be an integer from 0 to 65535, got "8080".'],
    ['a clock that is not a function', { clock: 5 }, 'Expected `clock` to be a function returning ms, got 5.'],
    ['an empty host', { host: '' }, /Expected `host` to be an IP address or a host name/],
    ['a host with a scheme', { host: 'http://127.0.0.1' }, /Expected `host` to be an IP address or a host name.*got "http:\/\/127\.0\.0\.1"/],
    ['a host that is not a string', { host: 127 }, /Expected `host`.*got 127\./],
    ['provider options that are not an object', { stream: true }, 'Expected `stream` to be an object of stream options, got true.'],
    ['provider options in an array', { mobizon: [] }, 'Expected `mobizon` to be an object of mobizon options, got an array.'],
    ['provider options that are null', { postman: null }, 'Expected `postman` to be an object of postman options, got null.'],
    ['an unknown provider option', { mobizon: { stirct: true } }, 'Unknown fake server option `mobizon.stirct`; the mobizon options are apiKey, budget, strict, homeHost, numbersAsStrings, checkRequestShape.'],
    ['an option of another provider', { stream: { errorShape: 'legacy' } }, /Unknown fake server option `stream.errorShape`/],
    ['an empty key', { stream: { apiKey: ' ' } }, 'Expected `stream.apiKey` to be a non-empty string, got " ".'],
    ['a secret that is not a string', { stream: { apiSecret: 42 } }, 'Expected `stream.apiSecret` to be a non-empty string, got 42.'],
    ['a flag given as a string', { mobizon: { strict: 'yes' } }, 'Expected `mobizon.strict` to be true or false, got "yes".'],
    ['a flag given as a number', { stream: { duplicateRateLimitHeaders: 1 } }, 'Expected `stream.duplicateRateLimitHeaders` to be true or false, got 1.'],
    ['a request-shape flag given as a string', { postman: { checkRequestShape: 'false' } }, 'Expected `postman.checkRequestShape` to be true or false, got "false".'],
    ['numbersAsStrings given as a string', { mobizon: { numbersAsStrings: 'true' } }, /`mobizon.numbersAsStrings` to be true or false/],
    ['an unknown error shape', { postman: { errorShape: 'xml' } }, 'Expected `postman.errorShape` to be problem or legacy, got "xml".'],
    ['a home host with a path', { mobizon: { homeHost: 'api.mobizon.kz/v1' } }, /`mobizon.homeHost` to be a host, optionally with a port/],
    ['a zero budget', { postman: { budget: 0 } }, '`postman.budget`: Expected a budget of a positive number of requests per second, got 0.'],
    ['a budget with a fractional limit', { stream: { budget: { limit: 1.5, windowSeconds: 1 } } }, /^`stream.budget`: Expected a budget of `\{ limit, windowSeconds \}`/],
  ])('refuses %s with a TypeError naming it', async (_, options, message) => {
    await refuses(options, message);
  });

  it('takes every documented option', async () => {
    const server = await startFakeProviderServer({
      host: '127.0.0.1',
      port: 0,
      clock: Date.now,
      stream: { apiKey: 'k', apiSecret: 's', budget: 5, duplicateRateLimitHeaders: true },
      mobizon: { apiKey: 'k', budget: { limit: 2, windowSeconds: 1 }, strict: true, homeHost: 'localhost:1234', numbersAsStrings: true, checkRequestShape: false },
      postman: { apiKey: 'k', budget: 0.5, errorShape: 'legacy', duplicateRateLimitHeaders: false, checkRequestShape: true },
    });
    expect(server.credentials).toEqual({ stream: { apiKey: 'k', apiSecret: 's' }, mobizon: { apiKey: 'k' }, postman: { apiKey: 'k' } });
    await server.close();
  });
});
