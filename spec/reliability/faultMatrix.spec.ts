import {
  AuthenticationError,
  DecodeError,
  isTerminal,
  ProviderError,
  RateLimitError,
  TaskError,
  TaskNotFoundError,
  TransportError,
} from '../../src/index.js';
import type { FaultKind, ProviderName } from '../../src/testing/index.js';
import { FAULT_MATRIX, HOSTILE_ROWS, MATRIX_RETRIES, PROVIDER_ROWS, PROVIDERS, ROWS_FOR_EVERY_PROVIDER, type ErrorName, type MatrixRow, type ProviderCase } from './faultMatrix.js';
import { allSecrets, isSubsequence, runCase, statesReportedTwice, type CaseRun } from './matrixRun.js';
import { installProcessGuard, settleEventLoop, type ProcessGuard } from './processGuard.js';
import { errorViews, secretsShown } from './secretViews.js';

const ERROR_CLASSES: Readonly<Record<ErrorName, abstract new (...args: never[]) => TaskError>> = {
  AuthenticationError,
  DecodeError,
  ProviderError,
  RateLimitError,
  TaskNotFoundError,
  TransportError,
};

/** Faults that leave the task's state as the server meant it: their answers count as honest reports. */
const STATE_PRESERVING: ReadonlySet<FaultKind | undefined> = new Set([undefined, 'extra-fields', 'wrong-content-type']);
/** A timer firing up to a millisecond early on the wall clock is this early on the accelerated one. */
const CLOCK_SLACK_MS = 60;

const cells = FAULT_MATRIX.flatMap((row) =>
  PROVIDERS.flatMap((provider) => {
    const providerCase = row.cases[provider];
    return providerCase === undefined ? [] : [{ name: `${row.fault} — ${provider}`, row, provider, providerCase }];
  }),
);

describe('the fault matrix, over real HTTP against the fake provider server', () => {
  let guard: ProcessGuard;
  let secrets: string[];
  const printed: string[] = [];
  const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;

  beforeAll(async () => {
    guard = installProcessGuard();
    secrets = await allSecrets();
    for (const method of consoleMethods) jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
  });
  afterAll(() => {
    guard.uninstall();
    jest.restoreAllMocks();
  });

  it('has a case on all three providers for every fault issue 8 names, and one for each provider-only outcome', () => {
    const rows = new Map(FAULT_MATRIX.map((row) => [row.id, row]));
    expect(new Set(FAULT_MATRIX.map((row) => row.id)).size).toBe(FAULT_MATRIX.length);
    const missing = [...ROWS_FOR_EVERY_PROVIDER, ...HOSTILE_ROWS].flatMap((id) => PROVIDERS.filter((provider) => rows.get(id)?.cases[provider] === undefined).map((provider) => `${id} — ${provider}`));
    expect(missing).toEqual([]);
    for (const [id, provider] of Object.entries(PROVIDER_ROWS)) expect(Object.keys(rows.get(id)?.cases ?? {})).toEqual([provider]);
    // The 429 rows give Mobizon a real HTTP 429 (from a gateway), with the wait in the form the row names.
    for (const [id, form] of [['429-seconds', 'seconds'], ['429-http-date', 'http-date'], ['429-reset-only', 'reset-only']] as const) {
      for (const provider of PROVIDERS) expect(rows.get(id)?.cases[provider]?.faults).toEqual([expect.objectContaining({ kind: 'rate-limited', retryAfterAs: form })]);
      expect(rows.get(id)?.cases.mobizon?.faults[0]).toMatchObject({ answeredBy: 'gateway' });
    }
    const kinds = new Set(FAULT_MATRIX.flatMap((row) => Object.values(row.cases).flatMap((c) => c?.faults.map((fault) => fault.kind) ?? [])));
    for (const kind of ['rate-limited', 'server-error', 'connection-reset', 'hang', 'malformed-json', 'html-error-page', 'truncated-body', 'oversized-body', 'wrong-content-type', 'unknown-status', 'missing-fields', 'extra-fields', 'flap', 'stream-error', 'postman-error', 'service-limit-exhausted', 'mobizon-error'] as const) {
      expect(kinds).toContain(kind);
    }
  });

  it.each(cells)('$name', async ({ row, provider, providerCase }) => {
    const run = await runCase(row, provider, providerCase);
    await settleEventLoop();

    expect({ bounded: run.bounded, escaped: guard.drain().map(String) }).toEqual({ bounded: true, escaped: [] });
    expect(secretsShown({ ...errorViews(run.error), states: JSON.stringify(run.values), printed: printed.join('\n') }, secrets)).toEqual([]);
    expectFaultsServed(run, providerCase);
    if (providerCase.expected.outcome === 'recovers') expectRecovery(run, row, provider);
    else expectError(run, row, provider, providerCase);
    if (row.waitsAtLeastMs !== undefined) expectWaitHonoured(run, row.waitsAtLeastMs);
    if (row.clientHangsUp === true) {
      for (const entry of run.log.filter((e) => e.fault !== undefined)) expect(entry).toMatchObject({ aborted: true, settled: true });
    }
    if (row.bytesSent !== undefined) {
      const [spoiled] = run.log.filter((e) => e.fault !== undefined);
      expect(spoiled?.bytesSent).toBeGreaterThanOrEqual(row.bytesSent.atLeast);
      expect(spoiled?.bytesSent).toBeLessThan(row.bytesSent.below);
    }
    if (row.quietAfterEnd === true) expectQuietAfterEnd(run);
  });
});

/** The terminal answer was the last the watch asked for, though time ran on until the server said "running" again. */
function expectQuietAfterEnd(run: CaseRun): void {
  const terminalAnswers = run.log.filter((entry) => entry.status === 200 && run.wireStatusAt(entry.at) === run.finalWireStatus);
  expect(terminalAnswers).toHaveLength(1);
  expect(terminalAnswers[0]).toEqual(run.log[run.log.length - 1]);
  expect(run.requestsAfterEnd).toBe(0);
  // The server really does answer a non-terminal state now: a fresh watch's first state says so.
  expect(run.probeAfterEnd).toMatchObject({ id: run.taskId, status: 'running' });
  expect(run.probeAfterEnd?.providerStatus).not.toBe(run.finalWireStatus);
}

/**
 * A case passes for the right reason only if its faults were actually served,
 * as many times as the data says: `times` requests exactly, or with
 * `Infinity` every request from the first it spoiled on.
 */
function expectFaultsServed(run: CaseRun, providerCase: ProviderCase): void {
  const times = providerCase.times ?? 1;
  for (const fault of providerCase.faults) {
    const spoiled = run.log.map((entry) => entry.fault === fault.kind);
    const first = spoiled.indexOf(true);
    expect({ fault: fault.kind, served: first >= 0 }).toEqual({ fault: fault.kind, served: true });
    if (Number.isFinite(times)) expect({ fault: fault.kind, times: spoiled.filter(Boolean).length }).toEqual({ fault: fault.kind, times });
    else expect({ fault: fault.kind, unspoiledAfterFirst: spoiled.slice(first).filter((s) => !s).length }).toEqual({ fault: fault.kind, unspoiledAfterFirst: 0 });
  }
}

function expectRecovery(run: CaseRun, row: MatrixRow, provider: ProviderName): void {
  expect(run.error).toBeUndefined();
  expect(run.completed).toBe(true);
  const statuses = run.values.map((state) => state.providerStatus);
  const last = run.values[run.values.length - 1];
  expect(last).toMatchObject({ provider, id: run.taskId, status: 'completed', providerStatus: run.finalWireStatus });
  // Only the last state is terminal: the terminal state stands, nothing follows it.
  expect(run.values.filter(isTerminal)).toHaveLength(1);
  // No state the server reported twice in a row was skipped.
  const required = statesReportedTwice(run);
  expect({ required, emitted: statuses, inOrder: isSubsequence(required, statuses) }).toMatchObject({ inOrder: true });
  // The last request got the honest terminal answer: no request after the watch saw the end.
  const lastRequest = run.log[run.log.length - 1];
  expect(STATE_PRESERVING.has(lastRequest?.fault)).toBe(true);
  expect(run.wireStatusAt(lastRequest?.at ?? 0)).toBe(run.finalWireStatus);
  if (row.id === 'unknown-status') {
    const scripted = new Set(run.log.filter((e) => e.fault === undefined).map((e) => run.wireStatusAt(e.at)));
    expect(run.values.some((state) => state.status === 'running' && !scripted.has(state.providerStatus))).toBe(true);
  }
}

function expectError(run: CaseRun, row: MatrixRow, provider: ProviderName, providerCase: ProviderCase): void {
  const expected = providerCase.expected;
  if (expected.outcome !== 'error') return;
  expect(run.completed).toBe(false);
  expect(run.values).toEqual([]);
  expect(run.error).toBeInstanceOf(ERROR_CLASSES[expected.error]);
  const error = run.error as TaskError & { reason?: string; status?: number; exhausted?: boolean };
  expect(error).toMatchObject({
    name: expected.error,
    code: expected.code,
    provider,
    taskId: run.taskId,
    ...(expected.reason === undefined ? {} : { reason: expected.reason }),
    ...(expected.status === undefined ? {} : { status: expected.status }),
    ...(expected.exhausted === undefined ? {} : { exhausted: expected.exhausted }),
  });
  // Names the task, or (a failure below the provider: network, timeout, size) the request, by method, origin and path.
  expect(error.message).toMatch(new RegExp(`task ${run.taskId}|^(GET|POST) http://127\\.0\\.0\\.1:\\d+/\\S+ `, 'i'));
  expect(error.message).not.toMatch(/\[object |undefined|null/);
  // Whatever the provider wrote, a message is one printable line of at most 1000 characters.
  expect(error.message).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029]/u);
  expect(error.message.length).toBeLessThanOrEqual(1000);
  expect(run.log).toHaveLength(expected.requests === 'once' ? 1 : MATRIX_RETRIES + 1);
  expect(row.when).toBe('start');
}

function expectWaitHonoured(run: CaseRun, waitMs: number): void {
  const index = run.log.findIndex((entry) => entry.rateLimited);
  const refused = run.log[index];
  const next = run.log[index + 1];
  expect(refused).toBeDefined();
  expect(next).toBeDefined();
  expect((next?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(waitMs - CLOCK_SLACK_MS);
}
