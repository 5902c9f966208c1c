// Valid task-status bodies for each provider, drawn at random, then changed in
// one field at a time: what the fuzzer feeds the decoders. Each case carries
// what the documented mapping (WIRE.md and docs/providers/*.md) says must come
// of it: a state, field by field, or a DecodeError naming the field that broke.
// The mapping is written here from those documents, apart from the library:
// the status tables; "numbers may arrive as strings"; and WIRE.md's rule that
// what a provider sends outside the documented shape is drift, to be decoded
// as far as it can be with the raw body kept. So only a field the state cannot
// be made without (the status; Mobizon's code and data) breaks a body; an
// optional field in an odd shape is left out of the state.
import fc from 'fast-check';
import type { TaskStatus } from '../../src/index.js';

/** What a decoder must make of a body. */
export type Expectation =
  | { readonly kind: 'state'; readonly state: ExpectedState }
  /** A `DecodeError` one of whose `paths` starts with this field (`status:`, `error.type:`…). */
  | { readonly kind: 'decode-error'; readonly field: string }
  /** A provider error, by class name (Mobizon's envelope codes). */
  | { readonly kind: 'error'; readonly name: 'TaskNotFoundError' | 'AuthenticationError' | 'RateLimitError' | 'ProviderError' };

export interface ExpectedState {
  readonly status: TaskStatus;
  readonly providerStatus: string;
  readonly progress?: number;
  readonly result?: unknown;
  readonly error?: { readonly message: string; readonly code?: string };
  /** ms since the epoch. */
  readonly createdAt?: number;
  readonly updatedAt?: number;
  readonly raw: unknown;
}

export interface BodyCase {
  /** What was done to the valid body, for the failure report. */
  readonly mutation: string;
  readonly body: unknown;
  readonly expected: Expectation;
}

type Json = Record<string, unknown>;

const LOOSE_NUMBER = /^\s*-?\d+(\.\d+)?\s*$/;

// ——— values of a wrong type, per expected type ———

const anyScalar = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.string({ maxLength: 12 }));
const smallJson = fc.jsonValue({ maxDepth: 2 });
const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(anyScalar, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), anyScalar, { maxKeys: 3 }));
const notObject = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(anyScalar, { maxLength: 3 }));
const notArray = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(fc.string({ maxLength: 5 }), anyScalar, { maxKeys: 3 }));
const notLooseNumber = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  fc.array(anyScalar, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), anyScalar, { maxKeys: 3 }),
  fc.string({ maxLength: 12 }).filter((text) => !LOOSE_NUMBER.test(text)),
);
/** Anything a timestamp field may hold that is no timestamp: the state then has no date. */
const notTimestamp = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  fc.integer({ min: -1_000_000, max: -1 }),
  fc.string({ maxLength: 12 }).filter((text) => !/^\d{4}-\d{2}-\d{2}T/.test(text)),
  fc.array(anyScalar, { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), anyScalar, { maxKeys: 2 }),
);

/** A point in time as a provider sends it, and the ms it means: epoch nanoseconds (Stream's /api/v2) or an ISO string. */
const timestamp = (forms: readonly ('nanos' | 'iso')[]) =>
  fc.record({ ms: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), form: fc.constantFrom(...forms) }).map(({ ms, form }) => ({
    ms,
    wire: form === 'nanos' ? ms * 1e6 : new Date(ms).toISOString(),
  }));

/** A key no provider sends: an extra field must change nothing but `raw`. */
const extraKey = fc.string({ minLength: 1, maxLength: 8 }).map((key) => `x_${key}`);

// ——— helpers on plain JSON ———

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function set(body: Json, path: readonly string[], value: unknown): Json {
  const copy = clone(body);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Json;
  node[path[path.length - 1] as string] = value;
  return copy;
}

function drop(body: Json, path: readonly string[]): Json {
  const copy = clone(body);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Json;
  delete node[path[path.length - 1] as string];
  return copy;
}

function has(body: Json, path: readonly string[]): boolean {
  let node: unknown = body;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !(key in node)) return false;
    node = (node as Json)[key];
  }
  return true;
}

/** The same mutation applied with each of `paths` that the body has, as alternatives. */
function onPresent(body: Json, paths: readonly (readonly string[])[], make: (path: readonly string[]) => fc.Arbitrary<BodyCase>): fc.Arbitrary<BodyCase>[] {
  return paths.filter((path) => has(body, path)).map(make);
}

/** The ms a timestamp field means: epoch nanoseconds (rounded to the ms) or an RFC 3339 string; anything else, none. */
function timestampMs(value: unknown): number | undefined {
  if (typeof value === 'number' && value >= 1e17) return Math.floor(Math.round(value / 1e3) / 1e3);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function dates(created: unknown, updated: unknown): { createdAt?: number; updatedAt?: number } {
  const createdAt = timestampMs(created);
  const updatedAt = timestampMs(updated);
  return { ...(createdAt === undefined ? {} : { createdAt }), ...(updatedAt === undefined ? {} : { updatedAt }) };
}

const state = (s: ExpectedState): Expectation => ({ kind: 'state', state: s });
const decodeError = (field: string): Expectation => ({ kind: 'decode-error', field });

// ——— Stream: GetTaskResponse ———

/** WIRE.md's table: waiting/pending → pending, completed, failed; anything else is work in progress. */
function streamStatus(status: string): TaskStatus {
  if (status === 'waiting' || status === 'pending') return 'pending';
  if (status === 'completed' || status === 'failed') return status;
  return 'running';
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field of the documented type, or nothing: drift is left out. */
function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function streamState(body: Json): Expectation {
  const status = body.status as string;
  const error = isRecord(body.error) ? { type: stringOr(body.error.type), description: stringOr(body.error.description) } : undefined;
  return state({
    status: streamStatus(status),
    providerStatus: status,
    ...(status === 'completed' ? { progress: 1 } : {}),
    ...(body.result === undefined ? {} : { result: body.result }),
    ...(error === undefined ? {} : { error: { message: error.description ?? error.type ?? 'task failed', ...(error.type === undefined ? {} : { code: error.type }) } }),
    ...dates(body.created_at, body.updated_at),
    raw: body,
  });
}

const STREAM_STATUSES = ['waiting', 'pending', 'running', 'completed', 'failed'];

const validStreamBody: fc.Arbitrary<Json> = fc
  .record(
    {
      task_id: fc.uuid(),
      status: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...STREAM_STATUSES) }, { weight: 1, arbitrary: fc.string({ maxLength: 16 }) }),
      created_at: timestamp(['nanos', 'iso']),
      updated_at: timestamp(['nanos', 'iso']),
      duration: fc.float({ min: 0, max: 100, noNaN: true }).map((ms) => `${ms.toFixed(2)}ms`),
      result: fc.dictionary(fc.string({ maxLength: 6 }), smallJson, { maxKeys: 3 }),
      error: fc.record({ type: fc.string({ maxLength: 12 }), description: fc.string({ maxLength: 30 }) }, { requiredKeys: [] }),
    },
    { requiredKeys: ['task_id', 'status', 'created_at', 'updated_at', 'duration'] },
  )
  .map(({ created_at, updated_at, ...rest }) => ({ ...rest, created_at: created_at.wire, updated_at: updated_at.wire }));

function streamMutations(body: Json): fc.Arbitrary<BodyCase> {
  const as = (mutation: string, changed: Json, expected?: Expectation): BodyCase => ({ mutation, body: changed, expected: expected ?? streamState(changed) });
  const optional = [['task_id'], ['duration'], ['result'], ['error'], ['created_at'], ['updated_at'], ['error', 'type'], ['error', 'description']];
  return fc.oneof(
    fc.constant(as('none', body)),
    fc.tuple(extraKey, smallJson).map(([key, value]) => as(`extra field ${key}`, set(body, [key], value))),
    ...onPresent(body, [['error']], (path) => fc.tuple(extraKey, smallJson).map(([key, value]) => as(`extra field error.${key}`, set(body, [...path, key], value)))),
    fc.oneof(fc.constantFrom(...STREAM_STATUSES), fc.string({ maxLength: 20 })).map((status) => as(`status ${JSON.stringify(status)}`, set(body, ['status'], status))),
    ...onPresent(body, optional, (path) => fc.constant(as(`without ${path.join('.')}`, drop(body, path)))),
    ...['created_at', 'updated_at'].map((field) => notTimestamp.map((value) => as(`${field} ${JSON.stringify(value)}`, set(body, [field], value)))),
    // Drift: an optional field in another shape is left out.
    ...[['task_id'], ['duration']].map((path) => notString.map((value) => as(`${path.join('.')} ${JSON.stringify(value)}`, set(body, path, value)))),
    notObject.map((value) => as(`error ${JSON.stringify(value)}`, set(body, ['error'], value))),
    ...onPresent(body, [['error', 'type'], ['error', 'description']], (path) => notString.map((value) => as(`${path.join('.')} ${JSON.stringify(value)}`, set(body, path, value)))),
    // No state without a status.
    fc.constant(as('without status', drop(body, ['status']), decodeError('status'))),
    notString.map((value) => as(`status ${JSON.stringify(value)}`, set(body, ['status'], value), decodeError('status'))),
  );
}

export const streamCases: fc.Arbitrary<BodyCase> = validStreamBody.chain(streamMutations);

// ——— Mobizon: the {code, data, message} envelope of Taskqueue/GetStatus ———

const looseNumber = (value: fc.Arbitrary<number>) => fc.oneof(value, value.map((n) => String(n)), value.map((n) => ` ${n} `));

function looseNumberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  return typeof value === 'string' && LOOSE_NUMBER.test(value) ? Number(value) : undefined;
}

function mobizonState(body: Json): Expectation {
  const code = looseNumberOf(body.code);
  if (code === undefined) return decodeError('code');
  if (code !== 0) return { kind: 'error', name: mobizonErrorOf(code) };
  const data = body.data;
  if (!isRecord(data)) return decodeError('(body)');
  const status = looseNumberOf(data.status);
  if (status === undefined) return decodeError('status');
  const progress = looseNumberOf(data.progress);
  const message = stringOr(body.message) ?? '';
  const label: Record<number, TaskStatus> = { 0: 'pending', 2: 'completed', 3: 'failed' };
  const normalised = label[status] ?? 'running';
  return state({
    status: normalised,
    // The status as sent, a string: "2" for 2 and for "2", "2.0" for "2.0".
    providerStatus: String(data.status).trim(),
    ...(normalised === 'completed' ? { progress: 1 } : progress === undefined ? {} : { progress: Math.min(1, Math.max(0, progress / 100)) }),
    ...(status === 3 ? { error: { message: message || 'task rejected', code: 'rejected' } } : {}),
    raw: body,
  });
}

/** docs/providers/mobizon.md: 2 not found; 8, 9, 14 authentication; 30 rate limited; any other code a ProviderError. */
function mobizonErrorOf(code: number): 'TaskNotFoundError' | 'AuthenticationError' | 'RateLimitError' | 'ProviderError' {
  if (code === 2) return 'TaskNotFoundError';
  if (code === 8 || code === 9 || code === 14) return 'AuthenticationError';
  if (code === 30) return 'RateLimitError';
  return 'ProviderError';
}

const mobizonStatus = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 20 }) });
const mobizonProgress = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 100 }) }, { weight: 1, arbitrary: fc.integer({ min: -50, max: 250 }) });

const validMobizonBody: fc.Arbitrary<Json> = fc.record(
  {
    code: fc.constantFrom<unknown>(0, '0'),
    data: fc.record({ progress: looseNumber(mobizonProgress), status: looseNumber(mobizonStatus) }),
    message: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 })),
  },
  { requiredKeys: ['code', 'data'] },
);

const MOBIZON_ERROR_CODES = [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 30, 98, 99, 100, 999];

function mobizonMutations(body: Json): fc.Arbitrary<BodyCase> {
  const as = (mutation: string, changed: Json): BodyCase => ({ mutation, body: changed, expected: mobizonState(changed) });
  return fc.oneof(
    fc.constant(as('none', body)),
    fc.tuple(extraKey, smallJson).map(([key, value]) => as(`extra field ${key}`, set(body, [key], value))),
    fc.tuple(extraKey, smallJson).map(([key, value]) => as(`extra field data.${key}`, set(body, ['data', key], value))),
    looseNumber(fc.integer({ min: -10, max: 100 })).map((status) => as(`data.status ${JSON.stringify(status)}`, set(body, ['data', 'status'], status))),
    fc.constantFrom('2.0', '3.0', '0.0', '1.5').map((status) => as(`data.status ${JSON.stringify(status)}`, set(body, ['data', 'status'], status))),
    looseNumber(fc.integer({ min: -500, max: 500 })).map((progress) => as(`data.progress ${JSON.stringify(progress)}`, set(body, ['data', 'progress'], progress))),
    fc.constantFrom(...MOBIZON_ERROR_CODES).map((code) => as(`code ${code}`, set(body, ['code'], code))),
    // Drift: progress and message are not needed for a state; in another shape, or missing, they are left out.
    fc.constant(as('without data.progress', drop(body, ['data', 'progress']))),
    notLooseNumber.map((value) => as(`data.progress ${JSON.stringify(value)}`, set(body, ['data', 'progress'], value))),
    ...onPresent(body, [['message']], (path) => fc.constant(as('without message', drop(body, path)))),
    notString.map((value) => as(`message ${JSON.stringify(value)}`, set(body, ['message'], value))),
    // No state without a code, a data object and a status in it.
    fc.constant(as('without data.status', drop(body, ['data', 'status']))),
    notLooseNumber.map((value) => as(`data.status ${JSON.stringify(value)}`, set(body, ['data', 'status'], value))),
    fc.constant(as('without code', drop(body, ['code']))),
    notLooseNumber.map((value) => as(`code ${JSON.stringify(value)}`, set(body, ['code'], value))),
    fc.oneof(notObject, fc.constant(undefined)).map((value) => as(`data ${JSON.stringify(value)}`, value === undefined ? drop(body, ['data']) : set(body, ['data'], value))),
  );
}

export const mobizonCases: fc.Arbitrary<BodyCase> = validMobizonBody.chain(mobizonMutations);

// ——— Postman: collection tasks and API Builder tasks ———

/** docs/providers/postman.md: pending; successful and completed; failed; anything else is running. */
function postmanStatus(status: string): TaskStatus {
  if (status === 'pending') return 'pending';
  if (status === 'successful' || status === 'completed') return 'completed';
  if (status === 'failed') return 'failed';
  return 'running';
}

function postmanState(body: Json): Expectation {
  const status = body.status as string;
  const normalised = postmanStatus(status);
  // `details` as far as it is in the documented shape: resources an array, error an object with a string message.
  const details = isRecord(body.details)
    ? {
        ...body.details,
        resources: Array.isArray(body.details.resources) ? body.details.resources : undefined,
        error: isRecord(body.details.error) ? { ...body.details.error, message: stringOr(body.details.error.message) } : undefined,
      }
    : undefined;
  const result = details?.resources !== undefined ? details.resources : normalised === 'completed' && details !== undefined ? details : undefined;
  return state({
    status: normalised,
    providerStatus: status,
    ...(normalised === 'completed' ? { progress: 1 } : {}),
    ...(result === undefined ? {} : { result }),
    // A generation task says why it failed in `details` itself, a plain string (an empty one says nothing).
    ...(normalised === 'failed' ? { error: { message: details?.error?.message ?? (typeof body.details === 'string' && body.details.trim() !== '' ? body.details : 'task failed') } } : {}),
    ...dates(body.createdAt, body.updatedAt),
    raw: body,
  });
}

/** The same expected state, read from a body that came as `raw`. */
function withRaw(expected: Expectation, raw: Json): Expectation {
  return expected.kind === 'state' ? { kind: 'state', state: { ...expected.state, raw } } : expected;
}

const COLLECTION_STATUSES = ['in-progress', 'successful', 'failed'];
const API_STATUSES = ['pending', 'completed', 'failed'];

const validCollectionBody: fc.Arbitrary<Json> = fc.record(
  {
    id: fc.uuid(),
    status: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...COLLECTION_STATUSES) }, { weight: 1, arbitrary: fc.string({ maxLength: 16 }) }),
    details: fc.record({ error: fc.record({ message: fc.string({ maxLength: 30 }) }) }),
  },
  { requiredKeys: ['id', 'status'] },
);

const validApiBody: fc.Arbitrary<Json> = fc
  .record(
    {
      id: fc.uuid(),
      meta: fc.record({ url: fc.webPath(), model: fc.constantFrom('collection', 'api-version'), action: fc.constantFrom('update', 'create') }),
      status: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...API_STATUSES) }, { weight: 1, arbitrary: fc.string({ maxLength: 16 }) }),
      details: fc.oneof(
        fc.record({ resources: fc.array(fc.record({ id: fc.uuid(), url: fc.webPath() }), { maxLength: 2 }) }),
        fc.record({ error: fc.record({ message: fc.string({ maxLength: 30 }) }) }),
      ),
      createdAt: timestamp(['iso']),
      updatedAt: timestamp(['iso']),
    },
    { requiredKeys: ['id', 'meta', 'status', 'createdAt', 'updatedAt'] },
  )
  .map(({ createdAt, updatedAt, ...rest }) => ({ ...rest, createdAt: createdAt.wire, updatedAt: updatedAt.wire }));

function postmanMutations(body: Json): fc.Arbitrary<BodyCase> {
  const as = (mutation: string, changed: unknown, expected?: Expectation): BodyCase => ({ mutation, body: changed, expected: expected ?? postmanState(changed as Json) });
  const objects = [[], ['meta'], ['details'], ['details', 'error']].filter((path) => path.length === 0 || has(body, path));
  const optional = [['id'], ['meta'], ['details'], ['createdAt'], ['updatedAt'], ['meta', 'url'], ['details', 'error'], ['details', 'error', 'message'], ['details', 'resources']];
  return fc.oneof(
    fc.constant(as('none', body)),
    // The 202 that starts an update (and the duplication endpoint) wraps the task in `task`; a body without `status` holding one is read inside, and `raw` is the body as it came.
    fc.constant({ mutation: 'wrapped in task', body: { task: body }, expected: withRaw(postmanState(body), { task: body }) }),
    ...objects.map((path) => fc.tuple(extraKey, smallJson).map(([key, value]) => as(`extra field ${[...path, key].join('.')}`, set(body, [...path, key], value)))),
    fc.oneof(fc.constantFrom(...COLLECTION_STATUSES, ...API_STATUSES), fc.string({ maxLength: 20 })).map((status) => as(`status ${JSON.stringify(status)}`, set(body, ['status'], status))),
    ...onPresent(body, optional, (path) => fc.constant(as(`without ${path.join('.')}`, drop(body, path)))),
    ...['createdAt', 'updatedAt'].map((field) => notTimestamp.map((value) => as(`${field} ${JSON.stringify(value)}`, set(body, [field], value)))),
    // Drift: an optional field in another shape is left out.
    ...onPresent(body, [['id'], ['meta', 'url'], ['meta', 'model'], ['meta', 'action'], ['details', 'error', 'message']], (path) =>
      notString.map((value) => as(`${path.join('.')} ${JSON.stringify(value)}`, set(body, path, value))),
    ),
    ...onPresent(body, [['meta'], ['details'], ['details', 'error']], (path) => notObject.map((value) => as(`${path.join('.')} ${JSON.stringify(value)}`, set(body, path, value)))),
    ...onPresent(body, [['details', 'resources']], (path) => notArray.map((value) => as(`${path.join('.')} ${JSON.stringify(value)}`, set(body, path, value)))),
    // No state without a status.
    fc.constant(as('without status', drop(body, ['status']), decodeError('status'))),
    notString.map((value) => as(`status ${JSON.stringify(value)}`, set(body, ['status'], value), decodeError('status'))),
  );
}

export const postmanCollectionCases: fc.Arbitrary<BodyCase> = validCollectionBody.chain(postmanMutations);
export const postmanApiCases: fc.Arbitrary<BodyCase> = validApiBody.chain(postmanMutations);
