import type { AnswerInput, FakeProvider, FakeRequest } from './fakeProvider.js';
import { stepAt, type FakeTask } from '../tasks/fakeTask.js';
import type { PostmanErrorShape, RefusalFault } from '../faults/fault.js';
import { postmanError, postmanTaskBody, rateLimited, serviceLimitExhausted, taskNotFound, unauthorized, unsupportedVersion } from './postmanWire.js';
import { ietfRateLimitHeaders, NOMINAL_QUOTA, retryAfterHeader, xRateLimitHeaders, type QuotaSnapshot } from './rateLimitHeaders.js';
import type { BudgetDecision, SlidingWindowBudget } from '../log/requestBudget.js';
import type { RouteName } from '../server/routes.js';
import type { TaskBoard } from '../tasks/taskBoard.js';
import type { PostmanTaskKind } from '../tasks/taskKinds.js';
import type { TaskStep } from '../tasks/taskSpec.js';
import { jsonResponse, withHeaders, type WireResponse } from '../server/wireResponse.js';

export interface FakePostmanSettings {
  readonly apiKey: string;
  /** Refuse an API Builder request without `Accept: application/vnd.api.v10+json`. */
  readonly checkRequestShape: boolean;
  readonly errorShape: PostmanErrorShape;
  readonly duplicateRateLimitHeaders: boolean;
  /** false: no rate-limit header on any answer (a refusal still says when to come back). */
  readonly rateLimitHeaders: boolean;
  readonly budget?: SlidingWindowBudget | undefined;
}

const POSTMAN_V10 = 'application/vnd.api.v10+json';

const KIND_OF_ROUTE: Partial<Record<RouteName, PostmanTaskKind>> = {
  'postman:collection-update-task': 'collection-update',
  'postman:collection-merge-task': 'collection-merge',
  'postman:collection-duplicate-task': 'collection-duplicate',
  'postman:generation-task': 'generation',
  'postman:api-task': 'api',
};

const SERVER_ERRORS: Readonly<Record<number, { problem: string; title: string }>> = {
  500: { problem: 'internal-server-error', title: 'Internal Server Error' },
  502: { problem: 'bad-gateway', title: 'Bad Gateway' },
  503: { problem: 'service-unavailable', title: 'Service Unavailable' },
};

/** Postman's task endpoints: collection updates, merges and duplications, generations, and API Builder tasks. */
export class FakePostman implements FakeProvider {
  readonly name = 'postman';
  readonly statusPath = 'status';

  constructor(
    private readonly tasks: TaskBoard,
    private readonly settings: FakePostmanSettings,
  ) {}

  address(request: FakeRequest): { apiKey: string; taskId?: string } {
    return { apiKey: header(request, 'x-api-key') ?? '', ...(request.route.params.id === undefined ? {} : { taskId: request.route.params.id }) };
  }

  answer({ request, taskId }: AnswerInput): WireResponse {
    const shape = this.settings.errorShape;
    if (this.address(request).apiKey !== this.settings.apiKey) return unauthorized(shape);
    if (request.route.name === 'postman:api-task' && this.settings.checkRequestShape && !acceptsV10(request)) {
      return unsupportedVersion(header(request, 'accept'), shape);
    }
    const task = taskId === undefined ? undefined : this.tasks.get(taskId);
    const { params } = request.route;
    const sameApi = request.route.name !== 'postman:api-task' || task?.apiId === params.apiId;
    const sameElement = task?.kind !== 'generation' || (task.elementType === params.elementType && task.elementId === params.elementId);
    const expired = task?.expiresAt !== undefined && request.at >= task.expiresAt;
    if (task === undefined || task.kind !== KIND_OF_ROUTE[request.route.name] || !sameApi || !sameElement || expired) return taskNotFound(taskId ?? '', shape);
    const step = stepAt(task, request.at);
    return jsonResponse(200, this.render(task, step), { snapshot: { task, step } });
  }

  render(task: FakeTask, step: TaskStep): unknown {
    return postmanTaskBody(task, step);
  }

  refuse(fault: RefusalFault, request: FakeRequest): WireResponse {
    const shape = ('errorShape' in fault ? fault.errorShape : undefined) ?? this.settings.errorShape;
    switch (fault.kind) {
      case 'rate-limited': {
        const retryAfterMs = (fault.retryAfterSeconds ?? 1) * 1000;
        const form = fault.retryAfterAs ?? 'seconds';
        const { limit, windowSeconds } = this.settings.budget ?? NOMINAL_QUOTA;
        const quota = { limit, windowSeconds, remaining: 0, resetAt: request.at + retryAfterMs };
        const retryAfter: Record<string, string> = form === 'seconds' ? { 'X-RateLimit-RetryAfter': String(Math.ceil(retryAfterMs / 1000)) } : {};
        return withHeaders(rateLimited(shape), { ...retryAfterHeader(retryAfterMs, request.at, form), ...retryAfter, ...this.quotaHeaders(quota, request.at) });
      }
      case 'server-error': {
        const status = fault.status ?? 500;
        const { problem, title } = SERVER_ERRORS[status] ?? { problem: 'server-error', title: 'Server Error' };
        return postmanError({ status, name: 'serverError', problem, title, message: 'Something went wrong on our side. Try again later.', shape });
      }
      case 'postman-error':
        return postmanError({
          status: fault.status,
          name: fault.name,
          problem: fault.type ?? fault.name,
          title: fault.title ?? fault.name,
          message: fault.message ?? fault.title ?? fault.name,
          shape,
        });
      case 'service-limit-exhausted':
        return serviceLimitExhausted(shape);
      default:
        throw new Error(`A ${fault.kind} fault cannot be answered by Postman.`);
    }
  }

  overBudget(decision: BudgetDecision, request: FakeRequest): WireResponse {
    const seconds = String(Math.ceil(decision.retryAfterMs / 1000));
    return withHeaders(rateLimited(this.settings.errorShape), {
      ...retryAfterHeader(decision.retryAfterMs, request.at, 'seconds'),
      'X-RateLimit-RetryAfter': seconds,
      ...this.budgetHeaders(decision, request),
    });
  }

  budgetHeaders(decision: BudgetDecision, request: FakeRequest): Record<string, string> {
    return this.quotaHeaders(decision, request.at);
  }

  /** Every form Postman documents: the combined `RateLimit` (reset in seconds from now), the IETF family and the X- one. */
  private quotaHeaders(quota: QuotaSnapshot, now: number): Record<string, string> {
    if (!this.settings.rateLimitHeaders) return {};
    const duplicate = this.settings.duplicateRateLimitHeaders;
    const reset = Math.max(0, Math.ceil((quota.resetAt - now) / 1000));
    return { RateLimit: `limit=${quota.limit}, remaining=${quota.remaining}, reset=${reset}`, ...ietfRateLimitHeaders(quota, duplicate), ...xRateLimitHeaders(quota, duplicate) };
  }
}

/** The API Builder's version header: `application/vnd.api.v10+json` among the media types of `Accept`. */
function acceptsV10(request: FakeRequest): boolean {
  const accept = header(request, 'accept') ?? '';
  return accept.split(',').some((range) => range.split(';')[0]?.trim().toLowerCase() === POSTMAN_V10);
}

function header(request: FakeRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
