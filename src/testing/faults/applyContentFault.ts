import type { FakeProvider, FakeRequest } from '../fakes/fakeProvider.js';
import { stepBeforeTerminal } from '../tasks/fakeTask.js';
import type { ContentFault } from './fault.js';
import { isPlainObject } from '../../core/validate.js';
import { outcomeOf, VOCABULARY } from '../tasks/taskKinds.js';
import type { WireResponse } from '../server/wireResponse.js';

const DEFAULT_EXTRA_FIELDS: Readonly<Record<string, unknown>> = { unexpected_field: { added_by: 'fake server' } };

/** Whether a content fault can spoil this response: a task-state body, and for `flap` a finished task. */
export function contentFaultApplies(fault: ContentFault, response: WireResponse): boolean {
  const snapshot = response.snapshot;
  if (snapshot === undefined) return false;
  return fault.kind !== 'flap' || outcomeOf(snapshot.task.kind, snapshot.step.status) !== undefined;
}

/** The response with its task-state body changed by `fault` (see {@link contentFaultApplies}). */
export function applyContentFault({ fault, response, provider, request }: { fault: ContentFault; response: WireResponse; provider: FakeProvider; request: FakeRequest }): WireResponse {
  const { task, step } = response.snapshot as NonNullable<WireResponse['snapshot']>;
  switch (fault.kind) {
    case 'flap': {
      const before = stepBeforeTerminal(task);
      return { ...response, body: provider.render(task, before, request), snapshot: { task, step: before } };
    }
    case 'unknown-status': {
      const odd = { ...step, status: fault.status ?? VOCABULARY[task.kind].unknown };
      return { ...response, body: provider.render(task, odd, request), snapshot: { task, step: odd } };
    }
    case 'missing-fields': {
      const body = cloneJson(response.body) as Record<string, unknown>;
      for (const path of fault.fields ?? [provider.statusPath]) deletePath(body, path);
      return { ...response, body };
    }
    case 'extra-fields': {
      const body = cloneJson(response.body) as Record<string, unknown>;
      for (const [path, value] of Object.entries(fault.fields ?? DEFAULT_EXTRA_FIELDS)) setPath(body, path, value);
      return { ...response, body };
    }
  }
}

// Editing a JSON body by dot path (`data.progress`): what the content faults
// `missing-fields` and `extra-fields` do to an honest answer.

/** A deep copy of a JSON value (bigints included), to change without touching the original. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => cloneJson(item)) as T;
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, cloneJson(member)])) as T;
  return value;
}

/** Sets a field by dot path, creating objects on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

/** Removes a field by dot path; a path that leads nowhere changes nothing. */
export function deletePath(target: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  let node: unknown = target;
  for (const key of keys.slice(0, -1)) {
    node = isPlainObject(node) ? node[key] : undefined;
  }
  if (isPlainObject(node)) delete node[keys[keys.length - 1] as string];
}
