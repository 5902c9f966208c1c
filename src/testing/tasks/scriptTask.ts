import { findTerminalStep, uuidFrom, type FakeTask } from './fakeTask.js';
import { PROVIDER_NAMES } from '../server/routes.js';
import { VOCABULARY, type FakeTaskKind, type TaskOutcome } from './taskKinds.js';
import type { PostmanApiTaskSpec, PostmanGenerationTaskSpec, TaskSpec, TaskStep } from './taskSpec.js';

/** How long Postman keeps a collection merge task (WIRE.md: "Kept 24 h, then 404"), from its creation. */
export const MERGE_TASK_KEPT_MS = 24 * 60 * 60 * 1000;

const POSTMAN_KINDS: readonly FakeTaskKind[] = ['collection-update', 'collection-merge', 'collection-duplicate', 'generation', 'api'];

/**
 * Checks a task spec and turns it into a {@link FakeTask}: explicit steps are
 * validated, the `duration` shorthand is expanded into steps. Throws a
 * `TypeError` that says what was expected.
 */
export function scriptTask(spec: TaskSpec, { id, createdAt }: { id: string; createdAt: number }): FakeTask {
  const kind = kindOf(spec);
  const hasSteps = spec.steps !== undefined;
  if (hasSteps === (spec.duration !== undefined)) {
    throw new TypeError(`Expected a task spec with either \`steps\` or a \`duration\`, got ${hasSteps ? 'both' : 'neither'}.`);
  }
  const steps = hasSteps ? checkSteps(kind, spec.steps as readonly TaskStep[]) : expandRun(kind, spec);
  const terminal = findTerminalStep(kind, steps);
  const common = {
    id,
    createdAt,
    steps,
    ...(terminal === undefined ? {} : { terminalAt: createdAt + terminal.at, outcome: terminal.outcome }),
  };
  switch (kind) {
    case 'stream':
      return { ...common, provider: 'stream', kind };
    case 'mobizon':
      return { ...common, provider: 'mobizon', kind };
    case 'collection-update':
      return { ...common, provider: 'postman', kind };
    case 'collection-merge':
      return { ...common, provider: 'postman', kind, expiresAt: createdAt + MERGE_TASK_KEPT_MS };
    case 'collection-duplicate':
      return { ...common, provider: 'postman', kind };
    case 'generation': {
      const { elementType = 'collections', elementId: given } = spec as PostmanGenerationTaskSpec;
      if (elementType !== 'collections' && elementType !== 'specs') throw new TypeError(`Expected \`elementType\` to be 'collections' or 'specs', got ${JSON.stringify(elementType)}.`);
      if (given !== undefined && (typeof given !== 'string' || given === '')) {
        throw new TypeError(`Expected \`elementId\` to be a non-empty string, got ${JSON.stringify(given)}.`);
      }
      return { ...common, provider: 'postman', kind, elementType, elementId: given ?? uuidFrom(`${elementType}:${id}`) };
    }
    case 'api': {
      const { apiId: given, meta } = spec as PostmanApiTaskSpec;
      if (given !== undefined && (typeof given !== 'string' || given === '')) {
        throw new TypeError(`Expected \`apiId\` to be a non-empty string, got ${JSON.stringify(given)}.`);
      }
      const apiId = given ?? uuidFrom(`api:${id}`);
      return { ...common, provider: 'postman', kind, apiId, meta: meta ?? { url: `/apis/${apiId}/versions`, model: 'api-version', action: 'create' } };
    }
  }
}

function kindOf(spec: TaskSpec): FakeTaskKind {
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`Expected a task spec object, got ${spec === null ? 'null' : typeof spec}.`);
  if (!PROVIDER_NAMES.includes(spec.provider)) {
    throw new TypeError(`Expected \`provider\` to be one of ${PROVIDER_NAMES.join(', ')}, got ${JSON.stringify(spec.provider)}.`);
  }
  if (spec.provider !== 'postman') return spec.provider;
  const kind = spec.kind ?? 'collection-update';
  if (!POSTMAN_KINDS.includes(kind)) {
    throw new TypeError(`Expected a Postman task \`kind\` of ${POSTMAN_KINDS.join(', ')}, got ${JSON.stringify(kind)}.`);
  }
  return kind;
}

function checkSteps(kind: FakeTaskKind, steps: readonly TaskStep[]): TaskStep[] {
  if (!Array.isArray(steps) || steps.length === 0) throw new TypeError('Expected `steps` to be a non-empty array.');
  let previous = 0;
  return steps.map((step, index) => {
    const where = `steps[${index}]`;
    if (typeof step !== 'object' || step === null) throw new TypeError(`Expected \`${where}\` to be a step object { at, status }, got ${step === null ? 'null' : typeof step}.`);
    if (typeof step.at !== 'number' || !Number.isFinite(step.at) || step.at < previous) {
      throw new TypeError(`Expected \`${where}.at\` to be a finite number of ms, not before the previous step's (${previous}), got ${String(step.at)}.`);
    }
    if (index === 0 && step.at !== 0) throw new TypeError(`Expected the first step at 0, got ${step.at}: a task has a state from its creation.`);
    const statusType = kind === 'mobizon' ? 'number' : 'string';
    if (typeof step.status !== statusType) throw new TypeError(`Expected \`${where}.status\` to be a ${statusType}, got ${typeof step.status}.`);
    if (step.progress !== undefined && !(typeof step.progress === 'number' && step.progress >= 0 && step.progress <= 100)) {
      throw new TypeError(`Expected \`${where}.progress\` to be a number from 0 to 100, got ${String(step.progress)}.`);
    }
    previous = step.at;
    return { ...step };
  });
}

function expandRun(kind: FakeTaskKind, spec: TaskSpec): TaskStep[] {
  const { duration, outcome = 'completed' } = spec as { duration: number; outcome?: TaskOutcome };
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) {
    throw new TypeError(`Expected \`duration\` to be a non-negative finite number of ms, got ${String(duration)}.`);
  }
  if (outcome !== 'completed' && outcome !== 'failed') throw new TypeError(`Expected \`outcome\` to be completed or failed, got ${JSON.stringify(outcome)}.`);
  const vocabulary = VOCABULARY[kind];
  const ending: TaskStep = {
    at: duration,
    status: vocabulary[outcome],
    ...(outcome === 'completed' && spec.result !== undefined ? { result: spec.result } : {}),
    ...(outcome === 'failed' && spec.error !== undefined ? { error: spec.error } : {}),
  };
  const queuedFor = Math.round(duration / 10);
  const steps: TaskStep[] = [{ at: 0, status: vocabulary.queued }, { at: queuedFor, status: vocabulary.running }];
  if (kind === 'mobizon') {
    // Progress climbs by tens over the running phase: to 100 for a success, to 60 for a task that gets rejected.
    const target = outcome === 'completed' ? 100 : 60;
    const running = duration - queuedFor;
    for (let percent = 10; percent < target; percent += 10) {
      steps.push({ at: queuedFor + Math.round((running * percent) / target), status: vocabulary.running, progress: percent });
    }
    steps.push({ ...ending, progress: target });
  } else {
    steps.push(ending);
  }
  return withoutRepeats(steps.map((step) => (kind === 'mobizon' && step.progress === undefined ? { ...step, progress: 0 } : step)));
}

/** Drops a step that says the same as the one before, and a step replaced at the same instant by the next. */
function withoutRepeats(steps: readonly TaskStep[]): TaskStep[] {
  const kept: TaskStep[] = [];
  for (const [index, step] of steps.entries()) {
    const next = steps[index + 1];
    if (next !== undefined && next.at === step.at) continue;
    const last = kept[kept.length - 1];
    if (last !== undefined && last.status === step.status && last.progress === step.progress) continue;
    kept.push(step);
  }
  return kept;
}
