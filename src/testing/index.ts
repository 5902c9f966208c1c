/**
 * The kit rx-task-status is tested with, for your own tests: a fake Stream,
 * Mobizon and Postman on 127.0.0.1 with scripted tasks, faults, budgets and a
 * request log, plus a fast-forwarded clock for end-to-end tests.
 *
 * @module rx-task-status/testing
 */
export { startFakeProviderServer, type FakeProviderServer } from './startFakeProviderServer.js';
export {
  FAKE_CREDENTIALS,
  type FakeCredentials,
  type FakeMobizonOptions,
  type FakePostmanOptions,
  type FakeProviderServerOptions,
  type FakeStreamOptions,
} from './fakeServerOptions.js';
export type { TaskBoard } from './taskBoard.js';
export type { FakeTask } from './fakeTask.js';
export type {
  MobizonTaskSpec,
  PostmanApiTaskSpec,
  PostmanCollectionTaskSpec,
  PostmanTaskMeta,
  PostmanTaskSpec,
  StreamTaskSpec,
  TaskSpec,
  TaskStep,
  TaskStepError,
} from './taskSpec.js';
export type {
  FakeTaskKind,
  MobizonTaskStatus,
  PostmanApiTaskStatus,
  PostmanCollectionTaskStatus,
  PostmanTaskKind,
  StreamTaskStatus,
  TaskOutcome,
} from './taskKinds.js';
export type { ContentFault, Fault, FaultKind, PostmanErrorShape, RefusalFault, RetryAfterForm, TransportFault } from './fault.js';
export type { FaultBook, FaultPlacement, PlacedFault } from './faultBook.js';
export type { RequestLog, RequestLogEntry, RequestLogFilter } from './requestLog.js';
export type { RequestBudget } from './requestBudget.js';
export type { ProviderName, RouteName } from './routes.js';
export { generateScenario, type ScenarioOptions } from './generateScenario.js';
export { signStreamToken } from './streamToken.js';
export { acceleratedTime, type AcceleratedTime } from './acceleratedTime.js';
export { maxInAnyWindow } from './maxInAnyWindow.js';
