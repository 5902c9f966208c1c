import type { FakeProviderServer } from '../../src/testing/index.js';
import { mobizonPost, POSTMAN_V10, postmanGet, rawRequest, startOnClock } from './fakeServerHelpers.js';

type Envelope = { code: number; data: unknown; message: string };

describe('the shape of requests (checked by default, as the providers check it)', () => {
  let server: FakeProviderServer;
  afterEach(() => server.close());

  describe('Mobizon, with `checkRequestShape: true`: a POST, output=json&api=v1 in the query, a form body', () => {
    beforeEach(async () => {
      ({ server } = await startOnClock({ mobizon: { checkRequestShape: true } }));
      server.tasks.create({ provider: 'mobizon', id: '42', duration: 1000 });
    });
    const envelope = async (response: Promise<Response>): Promise<Envelope> => {
      const answered = await response;
      expect(answered.status).toBe(200);
      return (await answered.json()) as Envelope;
    };

    it('answers a well-formed request', async () => {
      expect(await envelope(mobizonPost(server, '42'))).toEqual({ code: 0, data: { progress: 0, status: 0 }, message: '' });
    });

    it('accepts the form type with parameters, in any case', async () => {
      expect(await envelope(mobizonPost(server, '42', { contentType: 'Application/X-WWW-Form-Urlencoded; charset=UTF-8' }))).toMatchObject({ code: 0 });
    });

    it.each([
      ['no output', 'api=v1', 'got no output'],
      ['output=xml', 'output=xml&api=v1', 'got output=xml'],
    ])('answers code 6 (unsupported format) to %s', async (_, query, got) => {
      expect(await envelope(mobizonPost(server, '42', { query }))).toEqual({
        code: 6,
        data: { output: 'Unsupported format' },
        message: `Unsupported format: the query must have output=json, ${got}`,
      });
    });

    it.each([
      ['no api', 'output=json', 'got no api'],
      ['api=v2', 'output=json&api=v2', 'got api=v2'],
    ])('answers code 1 (validation error) to %s', async (_, query, got) => {
      expect(await envelope(mobizonPost(server, '42', { query }))).toEqual({
        code: 1,
        data: { api: 'Unsupported API version' },
        message: `Validation error: the query must have api=v1, ${got}`,
      });
    });

    it('reads the query before the key: a bad format is reported even with a wrong key', async () => {
      expect(await envelope(mobizonPost(server, '42', { query: 'api=v1', apiKey: 'wrong' }))).toMatchObject({ code: 6 });
    });

    it.each([
      ['JSON', 'application/json', '{"id":"42"}', '"application/json"'],
      ['text', 'text/plain', 'id=42', '"text/plain"'],
      ['nothing', null, 'id=42', 'no Content-Type'],
    ])('does not read a body sent as %s: code 11, the id is missing, and the message says why', async (_, contentType, body, named) => {
      expect(await envelope(mobizonPost(server, undefined, { contentType, body }))).toEqual({
        code: 11,
        data: { id: 'Required parameter missing' },
        message: `Required parameter missing: id (the body is read as application/x-www-form-urlencoded only, and came as ${named})`,
      });
      // Mobizon never saw the id: the log has no task for it, and faults placed on the task do not apply.
      expect(server.log.entries()[0]).toMatchObject({ providerCode: 11 });
      expect(server.log.entries()[0]?.taskId).toBeUndefined();
    });

    it('answers 405 (Allow: POST) to a GET, whatever it carries', async () => {
      const response = await fetch(`${server.url}/service/taskqueue/getstatus?output=json&api=v1&apiKey=${server.credentials.mobizon.apiKey}&id=42`);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    });

    it('by default serves what the real server accepts of these (no output, no api), and still refuses what it cannot read', async () => {
      await server.close();
      ({ server } = await startOnClock());
      server.tasks.create({ provider: 'mobizon', id: '42', duration: 1000 });
      expect(await envelope(mobizonPost(server, '42', { query: '' }))).toMatchObject({ code: 0 });
      expect(await envelope(mobizonPost(server, '42', { query: 'output=xml&api=v1' }))).toMatchObject({ code: 6 });
      expect(await envelope(mobizonPost(server, '42', { contentType: 'application/json', body: '{"id":"42"}' }))).toMatchObject({ code: 11 });
    });
  });

  describe('Postman, with `checkRequestShape: true`: API Builder tasks want Accept: application/vnd.api.v10+json', () => {
    beforeEach(async () => {
      ({ server } = await startOnClock({ postman: { checkRequestShape: true } }));
      server.tasks.create({ provider: 'postman', kind: 'api', id: 't1', apiId: 'a1', duration: 1000 });
      server.tasks.create({ provider: 'postman', id: 'u1', duration: 1000 });
    });

    it('serves the v10 media type, alone or among others', async () => {
      for (const accept of [POSTMAN_V10, `application/json, ${POSTMAN_V10};q=0.9`]) {
        expect((await postmanGet(server, '/apis/a1/tasks/t1', { accept })).status).toBe(200);
      }
    });

    it.each([
      ['any type (fetch sends */* when told nothing)', null, 'Accept: */*'],
      ['application/json', 'application/json', 'Accept: application/json'],
      ['an older version', 'application/vnd.api.v9+json', 'Accept: application/vnd.api.v9+json'],
    ])('answers 400 unsupportedVersionError to %s, naming the header it wants', async (_, accept, got) => {
      const response = await postmanGet(server, '/apis/a1/tasks/t1', { accept });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(await response.json()).toEqual({
        type: 'https://api.postman.com/problems/unsupported-version',
        title: 'Unsupported API version',
        status: 400,
        detail: `This endpoint is only available in v10 of the Postman API: send the header Accept: application/vnd.api.v10+json (got ${got}).`,
      });
    });

    it('checks the key first, and speaks the legacy shape when configured', async () => {
      expect((await postmanGet(server, '/apis/a1/tasks/t1', { accept: null, apiKey: 'PMAK-wrong' })).status).toBe(401);
      await server.close();
      ({ server } = await startOnClock({ postman: { errorShape: 'legacy', checkRequestShape: true } }));
      // node:http sends no Accept header at all unless told to.
      const exchange = await rawRequest(`${server.url}/apis/a1/tasks/t1`, { headers: { 'x-api-key': server.credentials.postman.apiKey } });
      expect(exchange.status).toBe(400);
      expect(JSON.parse(exchange.body)).toEqual({
        error: {
          name: 'unsupportedVersionError',
          message: 'This endpoint is only available in v10 of the Postman API: send the header Accept: application/vnd.api.v10+json (got no Accept header).',
        },
      });
    });

    it('asks nothing of the collection task endpoints', async () => {
      expect((await postmanGet(server, '/collection-updates-tasks/u1', { accept: null })).status).toBe(200);
    });

    it("serves any Accept by default, as Postman's own clients meet it (its MCP server sends no v10 header, and Postman documents no refusal)", async () => {
      await server.close();
      ({ server } = await startOnClock());
      server.tasks.create({ provider: 'postman', kind: 'api', id: 't1', apiId: 'a1', duration: 1000 });
      for (const accept of [null, 'application/json', 'application/vnd.api.v9+json']) expect((await postmanGet(server, '/apis/a1/tasks/t1', { accept })).status).toBe(200);
    });
  });
});
