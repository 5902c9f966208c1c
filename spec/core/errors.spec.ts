import {
  AuthenticationError,
  DecodeError,
  ProviderError,
  RateLimitError,
  TaskError,
  TaskFailedError,
  TaskNotFoundError,
  TaskTimeoutError,
  TransportError,
} from '../../src/core/errors/index.js';
import { createTaskState } from '../../src/core/taskState.js';

const failed = createTaskState('acme', 't1', { status: 'failed', providerStatus: 'error', error: { message: 'disk full' }, raw: {} });

const cases: Array<[string, TaskError, string]> = [
  ['TaskNotFoundError', new TaskNotFoundError('gone'), 'TASK_NOT_FOUND'],
  ['AuthenticationError', new AuthenticationError('no'), 'AUTHENTICATION'],
  ['RateLimitError', new RateLimitError('slow down', { retryAfterMs: 1500 }), 'RATE_LIMITED'],
  ['DecodeError', new DecodeError('bad body', { paths: ['status: expected string, got 1'] }), 'DECODE'],
  ['TransportError', new TransportError('down', { reason: 'status', status: 503 }), 'TRANSPORT'],
  ['TaskTimeoutError', new TaskTimeoutError('late', { timeout: 'total', ms: 100 }), 'TASK_TIMEOUT'],
  ['TaskFailedError', new TaskFailedError(failed), 'TASK_FAILED'],
  ['ProviderError', new ProviderError('odd', { providerCode: 15 }), 'PROVIDER'],
];

describe('the error classes', () => {
  it.each(cases)('%s has its name, a stable code, and is a TaskError and an Error', (name, error, code) => {
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toBe(`${name}: ${error.message}`);
    expect(error.stack).toContain(name);
  });

  it('are not instances of their siblings', () => {
    expect(new TaskNotFoundError('x')).not.toBeInstanceOf(AuthenticationError);
    expect(new TaskError('x', 'PROVIDER')).not.toBeInstanceOf(ProviderError);
    expect({ code: 'TASK_NOT_FOUND' }).not.toBeInstanceOf(TaskNotFoundError);
  });

  it('keep their cause', () => {
    const cause = new Error('socket hang up');
    expect(new TransportError('down', { reason: 'network', cause }).cause).toBe(cause);
  });

  it('carry their own fields, and show them in JSON', () => {
    const error = new RateLimitError('slow down', { retryAfterMs: 1500, provider: 'postman', taskId: 't9' });
    expect(error.retryAfterMs).toBe(1500);
    expect(error.exhausted).toBe(false);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'RateLimitError',
      code: 'RATE_LIMITED',
      message: 'slow down',
      provider: 'postman',
      taskId: 't9',
      retryAfterMs: 1500,
      exhausted: false,
    });
  });

  it('TaskFailedError names the task and carries its state', () => {
    const error = new TaskFailedError(failed);
    expect(error.message).toBe('Task t1 (acme) failed: disk full');
    expect(error.state).toBe(failed);
    expect(error.provider).toBe('acme');
    expect(error.taskId).toBe('t1');
  });

  it('TaskTimeoutError takes provider and task from the last state', () => {
    const running = createTaskState('acme', 't2', { status: 'running', providerStatus: 'working', raw: {} });
    const error = new TaskTimeoutError('late', { timeout: 'idle', ms: 50, state: running });
    expect([error.provider, error.taskId, error.state, error.timeout, error.ms]).toEqual(['acme', 't2', running, 'idle', 50]);
  });

  it('DecodeError keeps its paths, frozen', () => {
    const error = new DecodeError('bad', { paths: ['a: expected string, got 1'] });
    expect(error.paths).toEqual(['a: expected string, got 1']);
    expect(Object.isFrozen(error.paths)).toBe(true);
  });

  it('instanceof holds between two copies of the package (ESM and CommonJS loaded side by side)', () => {
    let other: typeof import('../../src/core/errors/index.js') | undefined;
    jest.isolateModules(() => {
      other = jest.requireActual<typeof import('../../src/core/errors/index.js')>('../../src/core/errors/index.js');
    });
    const foreign = new other!.TaskNotFoundError('from the other copy');
    expect(other!.TaskNotFoundError).not.toBe(TaskNotFoundError);
    expect(foreign).toBeInstanceOf(TaskNotFoundError);
    expect(foreign).toBeInstanceOf(TaskError);
    expect(foreign).not.toBeInstanceOf(AuthenticationError);
    expect(new TaskNotFoundError('here')).toBeInstanceOf(other!.TaskError);
  });
});
