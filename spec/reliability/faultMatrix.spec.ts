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
import { FAULT_MATRIX, MATRIX_RETRIES, PROVIDERS, type ErrorName, type MatrixRow, type ProviderCase } from './faultMatrix.js';
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

  it('has a case for every fault the issue lists, on every provider that can answer it', () => {
    const kinds = new Set(FAULT_MATRIX.flatMap((row) => Object.values(row.cases).flatMap((c) => c?.faults.map((fault) => fault.kind) ?? [])));
    for (const kind of ['rate-limited', 'server-error', 'connection-reset', 'hang', 'malformed-json', 'html-error-page', 'truncated-body', 'oversized-body', 'wrong-content-type', 'unknown-status', 'missing-fields', 'extra-fields', 'flap', 'stream-error', 'postman-error', 'service-limit-exhausted', 'mobizon-error'] as const) {
      expect(kinds).toContain(kind);
    }
    expect(cells.length).toBeGreaterThanOrEqual(70);
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
  });
});

/** A case passes for the right reason only if its faults were actually served. */
function expectFaultsServed(run: CaseRun, providerCase: ProviderCase): void {
  for (const fault of providerCase.faults) expect(run.log.map((entry) => entry.fault)).toContain(fault.kind);
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
