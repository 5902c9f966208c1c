import type { AnswerInput, FakeProvider, FakeRequest } from './fakeProvider.js';
import { stepAt, type FakeTask } from './fakeTask.js';
import type { RefusalFault } from './fault.js';
import { mobizonEnvelope } from './mobizonEnvelope.js';
import type { BudgetDecision } from './requestBudget.js';
import type { TaskBoard } from './taskBoard.js';
import type { TaskStep } from './taskSpec.js';
import { jsonResponse, type WireResponse } from './wireResponse.js';

export interface FakeMobizonSettings {
  readonly apiKey: string;
  /** Answer code 30 to a task polled less than 1 s after the previous request about it. */
  readonly strict: boolean;
  /** The account's API host (`host[:port]`); requests arriving under another Host get code 13. */
  readonly homeHost?: string;
  /** Send `progress` and `status` as strings (`"45"`). */
  readonly numbersAsStrings: boolean;
}

/** The documented minimum gap between two requests for one task. */
const MIN_TASK_GAP_MS = 1000;

/** Mobizon's `POST /service/taskqueue/getstatus`: always HTTP 200, the outcome in `code`. */
export class FakeMobizon implements FakeProvider {
  readonly name = 'mobizon';
  readonly statusPath = 'data.status';

  constructor(
    private readonly tasks: TaskBoard,
    private readonly settings: FakeMobizonSettings,
  ) {}

  address(request: FakeRequest): { apiKey: string; taskId?: string } {
    const id = new URLSearchParams(request.body).get('id')?.trim();
    return { apiKey: request.query.get('apiKey') ?? '', ...(id ? { taskId: id } : {}) };
  }

  answer({ request, taskId, previousRequestAt }: AnswerInput): WireResponse {
    if (request.query.get('apiKey') !== this.settings.apiKey) return mobizonEnvelope(8);
    const { homeHost } = this.settings;
    if (homeHost !== undefined && request.headers.host?.toLowerCase() !== homeHost.toLowerCase()) return mobizonEnvelope(13, homeHost);
    if (taskId === undefined) return mobizonEnvelope(11, { id: 'Required parameter missing' });
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
}
