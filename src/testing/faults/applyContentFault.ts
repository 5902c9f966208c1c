import type { FakeProvider, FakeRequest } from './fakeProvider.js';
import { stepBeforeTerminal } from './fakeTask.js';
import type { ContentFault } from './fault.js';
import { cloneJson, deletePath, setPath } from './jsonPaths.js';
import { outcomeOf, VOCABULARY } from './taskKinds.js';
import type { WireResponse } from './wireResponse.js';

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
