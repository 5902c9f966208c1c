import { right } from 'fp-ts/lib/Either.js';
import { defineProvider, mobizonTasks, postmanTasks, streamTasks, type PostmanTaskRef } from '../../src/index.js';
import { median } from '../../src/cli/demoSummary.js';

const offline = { baseUrl: 'https://provider.example', maxRequestsPerSecond: Infinity };
const postman = postmanTasks({ apiKey: 'PMAK-refs', ...offline });
const UUID = '6f1d0c3e-64a1-4bd5-9d1c-6a6e5b0e2f4d';
const API = 'f2a7e9c1-5d3b-4e8a-9c6f-1b2d3e4f5a6b';
/** A collection UID: the owner's id, then the collection's. */
const COLLECTION_UID = `12345678-${API}`;
const SPEC = '73e15000-bc7a-4802-b80e-05fff18fd7f8';

describe('Postman refs as text', () => {
  it.each<[string, PostmanTaskRef]>([
    [UUID, UUID],
    [`update:${UUID}`, UUID],
    [`merge:${UUID}`, { id: UUID, kind: 'collection-merge' }],
    [`${API}/${UUID}`, { id: UUID, apiId: API }],
    [`duplicate:12345678-${UUID}`, { id: `12345678-${UUID}`, kind: 'collection-duplicate' }],
    [`collection:${COLLECTION_UID}/${UUID}`, { id: UUID, collectionId: COLLECTION_UID }],
    [`spec:${SPEC}/${UUID}`, { id: UUID, specId: SPEC }],
  ])('reads %s', (text, ref) => {
    expect(postman.parseRef(text)).toEqual(ref);
  });

  it.each([UUID, `merge:${UUID}`, `${API}/${UUID}`, `duplicate:${UUID}`, `collection:${COLLECTION_UID}/${UUID}`, `spec:${SPEC}/${UUID}`])('writes %s back as it reads it', (text) => {
    expect(postman.formatRef(postman.parseRef(text))).toBe(text);
  });

  it('writes a collection update in its canonical spelling, the bare id', () => {
    expect(postman.formatRef(postman.parseRef(`update:${UUID}`))).toBe(UUID);
    expect(postman.formatRef({ id: UUID, kind: 'collection-update' })).toBe(UUID);
  });

  it.each(['', 'merge:', 'split:3f2a', 'a/b/c', '/3f2a', 'api-9/merge:3f2a', 'merge:..', '../x', 'duplicate:', 'spec:/3f2a', 'collection:a/b/c', 'merge:a/b'])('refuses %j with a TypeError that names the spellings', (text) => {
    expect(() => postman.parseRef(text)).toThrow(TypeError);
    expect(() => postman.watch(text)).toThrow(TypeError);
  });

  it('says what it expected', () => {
    expect(() => postman.parseRef('split:3f2a')).toThrow(
      'Expected a Postman task ref: ID or update:ID (collection update), merge:ID (merge), duplicate:ID (duplication), collection:COLLECTION_UID/ID or spec:SPEC_ID/ID (generation), or API_ID/ID (API Builder task), got "split:3f2a".',
    );
  });

  it('refuses to write a ref whose text would read back as another task', () => {
    expect(() => postman.formatRef({ id: 'a:b', kind: 'collection-merge' })).toThrow(TypeError);
    expect(() => postman.formatRef({ id: 'x', apiId: 'a/b' })).toThrow(TypeError);
  });

  it('refuses a text that is not a string', () => {
    expect(() => postman.parseRef(42 as unknown as string)).toThrow(new TypeError('Expected a postman task ref as text, got 42.'));
  });
});

describe('Stream and Mobizon refs as text', () => {
  const stream = streamTasks({ apiKey: 'k', token: 't', ...offline });
  const mobizon = mobizonTasks({ apiKey: 'k', ...offline });

  it.each([
    ['stream', stream, '9b4e0f3a-2c1d-4e5f-8a7b-6c5d4e3f2a1b'],
    ['mobizon', mobizon, '4821'],
  ] as const)('%s: a task id is its own text', (_, source, id) => {
    expect(source.parseRef(id)).toBe(id);
    expect(source.formatRef(id)).toBe(id);
  });

  it.each(['', '.', '..'])('refuses %j for Stream, whose ids go in the path', (text) => {
    expect(() => stream.parseRef(text)).toThrow(TypeError);
  });

  it('refuses an empty id for Mobizon, whose ids go in the query', () => {
    expect(() => mobizon.parseRef('')).toThrow(TypeError);
  });
});

describe('text refs of a provider made with defineProvider', () => {
  const base = {
    name: 'jobs',
    defaults: { interval: 1000, maxRequestsPerSecond: 10 },
    setup: () => ({ baseUrl: 'https://jobs.example', context: {}, secrets: [] }),
    request: () => ({ method: 'GET' as const, path: '/' }),
    decode: () => right({ status: 'pending' as const, providerStatus: 'queued', raw: {} }),
  };

  it('reads a text as the ref itself by default, checked as any ref', () => {
    const jobs = defineProvider({ ...base, identify: (ref: string) => ({ id: ref }) })({});
    expect(jobs.parseRef('j-1')).toBe('j-1');
    expect(jobs.formatRef('j-1')).toBe('j-1');
    expect(() => jobs.parseRef('')).toThrow(TypeError);
  });

  it('has no text form for an object ref unless the provider writes one', () => {
    const jobs = defineProvider({ ...base, identify: (ref: { id: string }) => ({ id: ref.id }) })({});
    expect(() => jobs.formatRef({ id: 'j-1' })).toThrow(/defines no text form/);
  });

  it('uses the provider\'s own parseRef and formatRef, and the text must read back as the same task', () => {
    const identify = (ref: { queue: string; id: string }) => ({ id: ref.id, key: `${ref.queue}/${ref.id}` });
    const parseRef = (text: string) => {
      const [queue, id] = text.split('~');
      if (queue === undefined || id === undefined) throw new TypeError(`Expected QUEUE~ID, got ${JSON.stringify(text)}.`);
      return { queue, id };
    };
    const jobs = defineProvider({ ...base, identify, parseRef, formatRef: (ref) => `${ref.queue}~${ref.id}` })({});
    expect(jobs.parseRef('q1~j-1')).toEqual({ queue: 'q1', id: 'j-1' });
    expect(jobs.formatRef({ queue: 'q1', id: 'j-1' })).toBe('q1~j-1');
    expect(() => jobs.watch('no-tilde')).toThrow(new TypeError('Expected QUEUE~ID, got "no-tilde".'));

    const lossy = defineProvider({ ...base, identify, parseRef, formatRef: (ref) => `other~${ref.id}` })({});
    expect(() => lossy.formatRef({ queue: 'q1', id: 'j-1' })).toThrow(/reads back as the same task/);
  });

  it('refuses a parseRef or formatRef that is not a function when the provider is defined', () => {
    expect(() => defineProvider({ ...base, identify: (ref: string) => ({ id: ref }), parseRef: 'no' as never })).toThrow(TypeError);
    expect(() => defineProvider({ ...base, identify: (ref: string) => ({ id: ref }), formatRef: 1 as never })).toThrow(TypeError);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones, and null for none', () => {
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 20, 30])).toBe(25);
    expect(median([])).toBeNull();
  });
});
