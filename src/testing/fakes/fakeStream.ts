import type { AnswerInput, FakeProvider, FakeRequest } from './fakeProvider.js';
import { stepAt, type FakeTask } from '../tasks/fakeTask.js';
import type { RefusalFault } from '../faults/fault.js';
import { NOMINAL_QUOTA, retryAfterHeader, xRateLimitHeaders } from './rateLimitHeaders.js';
import type { BudgetDecision, SlidingWindowBudget } from '../log/requestBudget.js';
import { streamDuration, streamError, streamTaskBody } from './streamWire.js';
import { checkStreamToken } from './streamToken.js';
import type { TaskBoard } from '../tasks/taskBoard.js';
import type { TaskStep } from '../tasks/taskSpec.js';
import { jsonResponse, withHeaders, type WireResponse } from '../server/wireResponse.js';

export interface FakeStreamSettings {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly duplicateRateLimitHeaders: boolean;
  readonly budget?: SlidingWindowBudget | undefined;
}

const SERVER_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  500: 'internal server error',
  502: 'bad gateway',
  503: 'service unavailable',
};

/** Stream's GetTask, on `/api/v2/tasks/:id` and the legacy `/tasks/:id`. */
export class FakeStream implements FakeProvider {
  readonly name = 'stream';
  readonly statusPath = 'status';

  constructor(
    private readonly tasks: TaskBoard,
    private readonly settings: FakeStreamSettings,
  ) {}

  address(request: FakeRequest): { apiKey: string; taskId?: string } {
    return { apiKey: request.query.get('api_key') ?? '', ...(request.route.params.id === undefined ? {} : { taskId: request.route.params.id }) };
  }

  async answer({ request, taskId }: AnswerInput): Promise<WireResponse> {
    const error = (status: number, code: number, message: string) =>
      streamError({ status, code, message, duration: streamDuration(request.receivedAt) });
    if (request.query.get('api_key') !== this.settings.apiKey) return error(401, 2, 'api_key not valid');
    const refused = await checkStreamToken({
      authorization: header(request, 'authorization'),
      authType: header(request, 'stream-auth-type'),
      apiSecret: this.settings.apiSecret,
      // Tokens are judged on the wall clock, as Stream judges them: the library signs them on it, whatever the script's clock says.
      now: Date.now(),
    });
    if (refused !== undefined) return error(refused.status, refused.code, refused.message);
    const task = taskId === undefined ? undefined : this.tasks.get(taskId);
    if (task === undefined || task.kind !== 'stream') return error(404, 16, `task ${String(taskId)} does not exist`);
    const step = stepAt(task, request.at);
    return jsonResponse(200, this.render(task, step, request), { snapshot: { task, step } });
  }

  render(task: FakeTask, step: TaskStep, request: FakeRequest): unknown {
    return streamTaskBody({ task, step, legacy: request.route.name === 'stream:legacy-get-task', duration: streamDuration(request.receivedAt) });
  }

  refuse(fault: RefusalFault, request: FakeRequest): WireResponse {
    const duration = streamDuration(request.receivedAt);
    switch (fault.kind) {
      case 'rate-limited': {
        const retryAfterMs = (fault.retryAfterSeconds ?? 1) * 1000;
        const { limit, windowSeconds } = this.settings.budget ?? NOMINAL_QUOTA;
        const quota = { limit, windowSeconds, remaining: 0, resetAt: request.at + retryAfterMs };
        return withHeaders(streamError({ status: 429, code: 9, message: 'Too many requests', duration }), {
          ...retryAfterHeader(retryAfterMs, request.at, fault.retryAfterAs ?? 'seconds'),
          ...xRateLimitHeaders(quota, this.settings.duplicateRateLimitHeaders),
        });
      }
      case 'server-error': {
        const status = fault.status ?? 500;
        return streamError({ status, code: -1, message: SERVER_ERROR_MESSAGES[status] ?? 'server error', duration });
      }
      case 'stream-error':
        return streamError({
          status: fault.status,
          code: fault.code,
          message: fault.message ?? 'the request failed',
          duration,
          ...(fault.unrecoverable === undefined ? {} : { unrecoverable: fault.unrecoverable }),
          ...(fault.exceptionFields === undefined ? {} : { exceptionFields: fault.exceptionFields }),
          ...(fault.details === undefined ? {} : { details: fault.details }),
        });
      default:
        throw new Error(`A ${fault.kind} fault cannot be answered by Stream.`);
    }
  }

  overBudget(decision: BudgetDecision, request: FakeRequest): WireResponse {
    return withHeaders(streamError({ status: 429, code: 9, message: 'Too many requests', duration: streamDuration(request.receivedAt) }), {
      ...retryAfterHeader(decision.retryAfterMs, request.at, 'seconds'),
      ...this.budgetHeaders(decision),
    });
  }

  budgetHeaders(decision: BudgetDecision): Record<string, string> {
    return xRateLimitHeaders(decision, this.settings.duplicateRateLimitHeaders);
  }
}

function header(request: FakeRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
