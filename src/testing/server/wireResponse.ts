import type { FakeTask } from '../tasks/fakeTask.js';
import type { TaskStep } from '../tasks/taskSpec.js';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** An answer before it is written to the socket: what providers build and faults change. */
export interface WireResponse {
  readonly status: number;
  /** Headers other than Content-Type and Content-Length (the writer sets those). */
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string;
  /** A JSON value (bigints written as exact integers) … */
  readonly body?: unknown;
  /** … or a body that is text already (an HTML page). */
  readonly text?: string | undefined;
  /** Stream's error `code`, Mobizon's envelope `code`: for the log. */
  readonly providerCode?: number | undefined;
  /** Set when the body reports a task's state: content faults apply only then. */
  readonly snapshot?: { readonly task: FakeTask; readonly step: TaskStep } | undefined;
}

export function jsonResponse(status: number, body: unknown, extra: Partial<Omit<WireResponse, 'status' | 'body'>> = {}): WireResponse {
  return { status, headers: {}, contentType: JSON_CONTENT_TYPE, body, ...extra };
}

export function withHeaders(response: WireResponse, headers: Readonly<Record<string, string>>): WireResponse {
  return { ...response, headers: { ...response.headers, ...headers } };
}
