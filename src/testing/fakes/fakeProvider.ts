import type { IncomingHttpHeaders } from 'node:http';
import type { FakeTask } from '../tasks/fakeTask.js';
import type { RefusalFault } from '../faults/fault.js';
import type { BudgetDecision } from '../log/requestBudget.js';
import type { ProviderName, RouteMatch } from '../server/routes.js';
import type { TaskStep } from '../tasks/taskSpec.js';
import type { WireResponse } from '../server/wireResponse.js';

/** A request as the fake providers see it, body read. */
export interface FakeRequest {
  readonly route: RouteMatch;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Server clock (ms) at arrival: every answer is computed for this instant. */
  readonly at: number;
  /** `process.hrtime.bigint()` at arrival, for Stream's `duration`. */
  readonly receivedAt: bigint;
}

/** What a provider noted when a request arrived, before faults and budgets had their say. */
export interface ArrivalNote {
  /** When the previous request about the same task arrived (server clock), if the provider keeps track. */
  readonly previousRequestAt?: number | undefined;
}

export interface AnswerInput {
  readonly request: FakeRequest;
  readonly taskId?: string | undefined;
  readonly arrival: ArrivalNote;
}

/**
 * One imitated provider: how it reads a request, answers it, and spells its
 * errors and headers. The request pipeline does the rest (budgets, faults,
 * logging, writing), the same for all three.
 */
export interface FakeProvider {
  readonly name: ProviderName;
  /** Where its task bodies keep the status: what `missing-fields` removes by default. */
  readonly statusPath: string;
  /** The API key a request presents (budgets are per key) and the task it asks about. */
  address(request: FakeRequest): { readonly apiKey: string; readonly taskId?: string };
  /**
   * Called for every request to this provider as soon as it is read, refused
   * or not: what a provider whose answer depends on earlier requests records
   * (strict Mobizon's 1 s per task). Providers that keep no such record leave it out.
   */
  arrive?(request: FakeRequest, taskId: string | undefined): ArrivalNote;
  /** The honest answer to an admitted request: credentials checked, task looked up. */
  answer(input: AnswerInput): WireResponse | Promise<WireResponse>;
  /** Its own spelling of a refusal fault. */
  refuse(fault: RefusalFault, request: FakeRequest): WireResponse;
  /** Its refusal when the key's budget is spent. */
  overBudget(decision: BudgetDecision, request: FakeRequest): WireResponse;
  /** The rate-limit headers that describe a budget (none for Mobizon). */
  budgetHeaders(decision: BudgetDecision, request: FakeRequest): Record<string, string>;
  /** The body reporting `task` at `step`. */
  render(task: FakeTask, step: TaskStep, request: FakeRequest): unknown;
  /** Forgets whatever `arrive` recorded: the server is closing. */
  close?(): void;
}
