/**
 * The kit rx-task-status is tested with, for your own tests: a fake Stream,
 * Mobizon and Postman on 127.0.0.1 with scripted tasks, faults, budgets and a
 * request log, plus a fast-forwarded clock for end-to-end tests.
 *
 * @module rx-task-status/testing
 */
export { startFakeProviderServer, type FakeProviderServer } from './server/startFakeProviderServer.js';
export {
  FAKE_CREDENTIALS,
  type FakeCredentials,
  type FakeMobizonOptions,
  type FakePostmanOptions,
  type FakeProviderServerOptions,
  type FakeStreamOptions,
} from './server/fakeServerOptions.js';
export type { TaskBoard } from './tasks/taskBoard.js';
export type {
  FakeMobizonTask,
  FakePostmanApiTask,
  FakePostmanCollectionTask,
  FakePostmanGenerationTask,
  FakeStreamTask,
  FakeTask,
  FakeTaskBase,
  FakeTaskOutsideApi,
} from './tasks/fakeTask.js';
export type {
  MobizonTaskSpec,
  PostmanApiTaskSpec,
  PostmanCollectionTaskSpec,
  PostmanDuplicateTaskSpec,
  PostmanGenerationTaskSpec,
  PostmanTaskMeta,
  PostmanTaskSpec,
  StreamTaskSpec,
  TaskSpec,
  TaskStep,
  TaskStepError,
} from './tasks/taskSpec.js';
export type {
  FakeTaskKind,
  MobizonTaskStatus,
  PostmanApiTaskStatus,
  PostmanCollectionTaskStatus,
  PostmanDuplicateTaskStatus,
  PostmanGenerationTaskStatus,
  PostmanTaskKind,
  StreamTaskStatus,
  TaskOutcome,
} from './tasks/taskKinds.js';
export type { ContentFault, Fault, FaultKind, PostmanErrorShape, RefusalFault, RetryAfterForm, TransportFault } from './faults/fault.js';
export type { FaultBook, FaultPlacement, PlacedFault } from './faults/faultBook.js';
export type { RequestLog, RequestLogEntry, RequestLogFilter } from './log/requestLog.js';
export type { RequestBudget } from './log/requestBudget.js';
export type { ProviderName, RouteName } from './server/routes.js';
export { generateScenario, type ScenarioOptions } from './tasks/generateScenario.js';
export { signStreamToken } from './fakes/streamToken.js';
export { acceleratedTime, type AcceleratedTime } from './acceleratedTime.js';
export { maxInAnyWindow } from './log/maxInAnyWindow.js';
