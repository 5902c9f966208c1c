import { createTaskState, isDeepEqual, isSameState, isTerminal } from '../../src/core/taskState.js';
import { createRedactor } from '../../src/core/redact.js';

describe('createTaskState', () => {
  it('fills in provider and id and freezes the state and its error', () => {
    const state = createTaskState('acme', 't1', {
      status: 'failed',
      providerStatus: 'error',
      error: { message: 'boom', code: 'E1' },
      raw: { x: 1 },
    });
    expect(state).toEqual({ provider: 'acme', id: 't1', status: 'failed', providerStatus: 'error', error: { message: 'boom', code: 'E1' }, raw: { x: 1 } });
    expect(Object.isFrozen(state)).toBe(true);
    expect(Object.isFrozen(state.error)).toBe(true);
    expect(() => {
      (state as { status: string }).status = 'running';
    }).toThrow(TypeError);
  });

  it('sets progress to 1 once completed, whatever the provider said', () => {
    expect(createTaskState('a', 'b', { status: 'completed', providerStatus: 'done', progress: 0.4, raw: null }).progress).toBe(1);
    expect(createTaskState('a', 'b', { status: 'completed', providerStatus: 'done', raw: null }).progress).toBe(1);
  });

  it('clamps progress into 0..1 and drops a non-finite one', () => {
    const at = (progress: number) => createTaskState('a', 'b', { status: 'running', providerStatus: 'r', progress, raw: null }).progress;
    expect(at(1.7)).toBe(1);
    expect(at(-0.2)).toBe(0);
    expect(at(0.25)).toBe(0.25);
    expect(at(Number.NaN)).toBeUndefined();
    expect(at(Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it('leaves out absent fields and invalid dates rather than setting them to undefined', () => {
    const state = createTaskState('a', 'b', { status: 'running', providerStatus: 'r', createdAt: new Date('nope'), updatedAt: new Date(5), raw: null });
    expect(Object.keys(state)).toEqual(['provider', 'id', 'status', 'providerStatus', 'raw', 'updatedAt']);
    expect(state.updatedAt?.getTime()).toBe(5);
  });
});

describe('isTerminal', () => {
  it.each([
    ['pending', false],
    ['running', false],
    ['completed', true],
    ['failed', true],
  ] as const)('%s → %s', (status, expected) => {
    expect(isTerminal({ status })).toBe(expected);
  });
});

describe('isSameState', () => {
  const base = createTaskState('a', 'b', { status: 'running', providerStatus: 'r', progress: 0.5, result: { n: [1, 2] }, updatedAt: new Date(10), raw: { duration: '1ms' } });

  it('ignores raw, which carries per-response noise', () => {
    const again = createTaskState('a', 'b', { status: 'running', providerStatus: 'r', progress: 0.5, result: { n: [1, 2] }, updatedAt: new Date(10), raw: { duration: '2ms' } });
    expect(isSameState(base, again)).toBe(true);
  });

  it.each([
    ['progress', { progress: 0.6 }],
    ['status', { status: 'pending' as const }],
    ['providerStatus', { providerStatus: 'r2' }],
    ['result', { result: { n: [1, 3] } }],
    ['updatedAt', { updatedAt: new Date(11) }],
    ['error', { error: { message: 'x' } }],
  ])('sees a change of %s', (_, change) => {
    const changed = createTaskState('a', 'b', { status: 'running', providerStatus: 'r', progress: 0.5, result: { n: [1, 2] }, updatedAt: new Date(10), raw: null, ...change });
    expect(isSameState(base, changed)).toBe(false);
  });
});

describe('isDeepEqual', () => {
  it('compares decoded JSON structurally', () => {
    expect(isDeepEqual({ a: [1, { b: 'c' }] }, { a: [1, { b: 'c' }] })).toBe(true);
    expect(isDeepEqual({ a: [1, { b: 'c' }] }, { a: [1, { b: 'd' }] })).toBe(false);
    expect(isDeepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(isDeepEqual([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(isDeepEqual(null, {})).toBe(false);
    expect(isDeepEqual(new Date(1), new Date(1))).toBe(true);
  });
});

describe('states made from data of any depth', () => {
  /** `[[[ … leaf … ]]]`, `depth` arrays deep, made without recursion. */
  function nested(depth: number, leaf: unknown): unknown {
    let value = leaf;
    for (let level = 0; level < depth; level++) value = [value];
    return value;
  }

  it('freezes, compares and makes printable without recursion: 30,000 levels (three times what recursion survives) do not overflow the stack', () => {
    const state = createTaskState('acme', 't', { status: 'running', providerStatus: 'r', result: nested(30_000, { leaf: 1 }), raw: nested(30_000, 0) });
    let inner: unknown = state.result;
    while (Array.isArray(inner)) {
      expect(Object.isFrozen(inner)).toBe(true);
      inner = inner[0];
    }
    expect(Object.isFrozen(inner)).toBe(true);
    expect(isDeepEqual(nested(30_000, { leaf: 1 }), state.result)).toBe(true);
    expect(isDeepEqual(nested(30_000, { leaf: 2 }), state.result)).toBe(false);
  });

  it("makes a provider's error message printable and at most 1000 characters, removing the source's secrets", () => {
    const state = createTaskState('acme', 't', { status: 'failed', providerStatus: 'x', error: { message: `\u001b]0;title\u0007 key PMAK-61d4e9b0 ${'m'.repeat(2000)}` }, raw: {} }, createRedactor(['PMAK-61d4e9b0']));
    expect(state.error?.message).toMatch(/^\\u001b\]0;title\\u0007 key \[redacted\] m+…$/);
    expect(state.error?.message).toHaveLength(1000);
  });
});
