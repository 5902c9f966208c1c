import type { AnswerInput, ArrivalNote, FakeProvider, FakeRequest } from './fakeProvider.js';
import { stepAt, type FakeTask } from '../tasks/fakeTask.js';
import type { RefusalFault } from '../faults/fault.js';
import type { BudgetDecision } from '../log/requestBudget.js';
import type { TaskBoard } from '../tasks/taskBoard.js';
import type { TaskStep } from '../tasks/taskSpec.js';
import { jsonResponse, type WireResponse } from '../server/wireResponse.js';

export interface FakeMobizonSettings {
  readonly apiKey: string;
  /** Answer code 30 to a task polled less than 1 s after the previous request about it. */
  readonly strict: boolean;
  /** Refuse a request not shaped as WIRE.md says: `output=json&api=v1` in the query, a form body. */
  readonly checkRequestShape: boolean;
  /** The account's API host (`host[:port]`); requests arriving under another Host get code 13. */
  readonly homeHost?: string;
  /** Send `progress` and `status` as strings (`"45"`). */
  readonly numbersAsStrings: boolean;
}

/** The documented minimum gap between two requests for one task. */
const MIN_TASK_GAP_MS = 1000;
const FORM = 'application/x-www-form-urlencoded';

/** Mobizon's `POST /service/taskqueue/getstatus`: always HTTP 200, the outcome in `code`. */
export class FakeMobizon implements FakeProvider {
  readonly name = 'mobizon';
  readonly statusPath = 'data.status';
  /**
   * Strict mode's record: when the last request about each task arrived. Keyed
   * by the task itself, so an entry lives exactly as long as its task is on
   * the board (`tasks.remove` and `tasks.clear` drop it with the task, and a
   * task created again under the same id starts afresh); `close()` drops them all.
   */
  private lastRequestAt = new WeakMap<FakeTask, number>();

  constructor(
    private readonly tasks: TaskBoard,
    private readonly settings: FakeMobizonSettings,
  ) {}

  address(request: FakeRequest): { apiKey: string; taskId?: string } {
    // A body sent as anything but a form is not parsed by Mobizon: it sees no id.
    const id = this.readsBody(request) ? new URLSearchParams(request.body).get('id')?.trim() : undefined;
    return { apiKey: request.query.get('apiKey') ?? '', ...(id ? { taskId: id } : {}) };
  }

  arrive(request: FakeRequest, taskId: string | undefined): ArrivalNote {
    if (!this.settings.strict || taskId === undefined) return {};
    const task = this.tasks.get(taskId);
    if (task === undefined || task.kind !== 'mobizon') return {};
    const previousRequestAt = this.lastRequestAt.get(task);
    this.lastRequestAt.set(task, request.at);
    return previousRequestAt === undefined ? {} : { previousRequestAt };
  }

  answer({ request, taskId, arrival }: AnswerInput): WireResponse {
    const misshapen = this.checkQuery(request);
    if (misshapen !== undefined) return misshapen;
    if (request.query.get('apiKey') !== this.settings.apiKey) return mobizonEnvelope(8);
    const { homeHost } = this.settings;
    if (homeHost !== undefined && request.headers.host?.toLowerCase() !== homeHost.toLowerCase()) return mobizonEnvelope(13, homeHost);
    if (taskId === undefined) {
      const type = contentType(request);
      const why = this.readsBody(request) ? '' : ` (the body is read as ${FORM} only, and came as ${type === '' ? 'no Content-Type' : `"${type}"`})`;
      return mobizonEnvelope(11, { id: 'Required parameter missing' }, `Required parameter missing: id${why}`);
    }
    const { previousRequestAt } = arrival;
    if (this.settings.strict && previousRequestAt !== undefined && request.at - previousRequestAt < MIN_TASK_GAP_MS) return mobizonEnvelope(30);
    const task = this.tasks.get(taskId);
    if (task === undefined || task.kind !== 'mobizon') return mobizonEnvelope(2);
    const step = stepAt(task, request.at);
    return jsonResponse(200, this.render(task, step), { providerCode: 0, snapshot: { task, step } });
  }

  render(_task: FakeTask, step: TaskStep): unknown {
    const progress = step.progress ?? (step.status === 2 ? 100 : 0);
    const number = (n: unknown) => (this.settings.numbersAsStrings && typeof n === 'number' ? String(n) : n);
    return { code: 0, data: { progress: number(progress), status: number(step.status) }, message: '' };
  }

  refuse(fault: RefusalFault): WireResponse {
    switch (fault.kind) {
      case 'rate-limited':
        // Mobizon's own refusal says nothing of when to come back (a gateway's 429 does: see `answeredBy`).
        return mobizonEnvelope(30);
      case 'server-error':
        return mobizonEnvelope(999, '', undefined, fault.status ?? 500);
      case 'mobizon-error':
        return mobizonEnvelope(fault.code, fault.data ?? '', fault.message);
      default:
        throw new Error(`A ${fault.kind} fault cannot be answered by Mobizon.`);
    }
  }

  overBudget(): WireResponse {
    return mobizonEnvelope(30);
  }

  budgetHeaders(_decision: BudgetDecision): Record<string, string> {
    return {};
  }

  close(): void {
    this.lastRequestAt = new WeakMap();
  }

  /**
   * `output=json` (code 6, unsupported format, otherwise) and `api=v1` (code 1,
   * validation error): Mobizon reads both before anything else.
   */
  private checkQuery(request: FakeRequest): WireResponse | undefined {
    if (!this.settings.checkRequestShape) return undefined;
    const output = request.query.get('output');
    if (output !== 'json') {
      return mobizonEnvelope(6, { output: 'Unsupported format' }, `Unsupported format: the query must have output=json, got ${output === null ? 'no output' : `output=${output}`}`);
    }
    const api = request.query.get('api');
    if (api !== 'v1') {
      return mobizonEnvelope(1, { api: 'Unsupported API version' }, `Validation error: the query must have api=v1, got ${api === null ? 'no api' : `api=${api}`}`);
    }
    return undefined;
  }

  private readsBody(request: FakeRequest): boolean {
    return !this.settings.checkRequestShape || contentType(request) === FORM;
  }
}

/** The media type of the request body, lower case, without parameters (`; charset=UTF-8`). */
function contentType(request: FakeRequest): string {
  const value = request.headers['content-type'];
  return (Array.isArray(value) ? value[0] : value)?.split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Mobizon's result codes, with the messages the fake server sends for them. */
export const MOBIZON_MESSAGES: Readonly<Record<number, string>> = {
  0: '',
  1: 'Validation error',
  2: 'Task not found',
  3: 'Unknown application error',
  4: 'Unknown module',
  5: 'Unknown method',
  6: 'Unsupported format',
  8: 'Invalid API key',
  9: 'No access to the method',
  10: 'Error saving data',
  11: 'Required parameter missing',
  12: 'Parameter violates a restriction',
  13: 'Use another API domain',
  14: 'Account blocked or deleted',
  15: 'Operation error',
  30: 'Too many requests',
  98: 'Partially successful',
  99: 'Nothing processed',
  100: 'Accepted for background processing',
  999: 'General error',
};

/**
 * Mobizon's envelope `{code, data, message}`. Errors come with HTTP 200 too:
 * clients must branch on `code`.
 */
export function mobizonEnvelope(code: number, data: unknown = '', message: string = MOBIZON_MESSAGES[code] ?? 'Error', status = 200): WireResponse {
  return jsonResponse(status, { code, data, message }, { providerCode: code });
}
