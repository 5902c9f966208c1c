import type { AnswerInput, ArrivalNote, FakeProvider, FakeRequest } from './fakeProvider.js';
import { stepAt, type FakeTask } from '../tasks/fakeTask.js';
import type { RefusalFault } from '../faults/fault.js';
import type { BudgetDecision } from '../log/requestBudget.js';
import type { TaskBoard } from '../tasks/taskBoard.js';
import type { TaskStep } from '../tasks/taskSpec.js';
import { jsonResponse, type WireResponse } from '../server/wireResponse.js';

export interface FakeMobizonSettings {
  readonly apiKey: string;
  /** Answer code 30 to a task polled less than 1 s after the previous request about it. */
  readonly strict: boolean;
  /**
   * Refuse a request not shaped as Mobizon's docs show it: a POST, `output=json&api=v1`
   * and the key in the query, the id in a form body. Off, the fake reads
   * requests as the real server is known to (see `FakeMobizonOptions.checkRequestShape`).
   */
  readonly checkRequestShape: boolean;
  /** The account's API host (`host[:port]`); requests arriving under another Host get code 13. */
  readonly homeHost?: string | undefined;
  /** Send `progress` and `status` as strings (`"45"`). */
  readonly numbersAsStrings: boolean;
}

/** The documented minimum gap between two requests for one task. */
const MIN_TASK_GAP_MS = 1000;
const FORM = 'application/x-www-form-urlencoded';
const MULTIPART = 'multipart/form-data';

/** A request's parameters as Mobizon reads them, and why a body it was sent was not read. */
interface MobizonParams {
  readonly fields: URLSearchParams;
  /** Said when the id is missing: ` (the body is read as … only, and came as …)`. */
  readonly unread?: string | undefined;
}

/** Mobizon's `/service/taskqueue/getstatus` (POST, or GET unless checked): always HTTP 200, the outcome in `code`. */
export class FakeMobizon implements FakeProvider {
  readonly name = 'mobizon';
  readonly statusPath = 'data.status';
  /**
   * Strict mode's record: when the last request about each task arrived. Keyed
   * by the task itself, so an entry lives exactly as long as its task is on
   * the board (`tasks.remove` and `tasks.clear` drop it with the task, and a
   * task created again under the same id starts afresh); `close()` drops them all.
   */
  private lastRequestAt = new WeakMap<FakeTask, number>();
  /** Each request's parameters, read once: `address` and `answer` both need them, and a multipart body is worth parsing once. */
  private readonly params = new WeakMap<FakeRequest, MobizonParams>();

  constructor(
    private readonly tasks: TaskBoard,
    private readonly settings: FakeMobizonSettings,
  ) {}

  address(request: FakeRequest): { apiKey: string; taskId?: string } {
    const { fields } = this.read(request);
    const id = fields.get('id')?.trim();
    return { apiKey: fields.get('apiKey') ?? '', ...(id ? { taskId: id } : {}) };
  }

  arrive(request: FakeRequest, taskId: string | undefined): ArrivalNote {
    if (!this.settings.strict || taskId === undefined) return {};
    const task = this.tasks.get(taskId);
    if (task === undefined || task.kind !== 'mobizon') return {};
    const previousRequestAt = this.lastRequestAt.get(task);
    this.lastRequestAt.set(task, request.at);
    return previousRequestAt === undefined ? {} : { previousRequestAt };
  }

  answer({ request, taskId, arrival }: AnswerInput): WireResponse {
    const { fields, unread = '' } = this.read(request);
    const misshapen = this.checkShape(request, fields);
    if (misshapen !== undefined) return misshapen;
    if (fields.get('apiKey') !== this.settings.apiKey) return mobizonEnvelope(8);
    const { homeHost } = this.settings;
    if (homeHost !== undefined && request.headers.host?.toLowerCase() !== homeHost.toLowerCase()) return mobizonEnvelope(13, homeHost);
    if (taskId === undefined) return mobizonEnvelope(11, { id: 'Required parameter missing' }, `Required parameter missing: id${unread}`);
    const { previousRequestAt } = arrival;
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
        // Mobizon's own refusal says nothing of when to come back (a gateway's 429 does: see `answeredBy`).
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

  close(): void {
    this.lastRequestAt = new WeakMap();
  }

  /**
   * Where Mobizon reads each parameter. Checked, only where its docs put it:
   * the key, `output` and `api` in the query, the id in a form body. Otherwise
   * as the real server is known to read them (see
   * `FakeMobizonOptions.checkRequestShape` for the evidence): the query, then
   * a POST's form body (urlencoded, or multipart as PHP parses it too), the
   * body's value winning where both have one. A body of any other type is not
   * read, so its id is missing.
   */
  private read(request: FakeRequest): MobizonParams {
    let params = this.params.get(request);
    if (params === undefined) this.params.set(request, (params = this.paramsOf(request)));
    return params;
  }

  private paramsOf(request: FakeRequest): MobizonParams {
    const type = contentType(request);
    const came = `came as ${type === '' ? 'no Content-Type' : `"${type}"`}`;
    if (this.settings.checkRequestShape) {
      const fields = new URLSearchParams();
      for (const name of ['apiKey', 'output', 'api']) {
        const value = request.query.get(name);
        if (value !== null) fields.set(name, value);
      }
      if (type !== FORM) return { fields, unread: ` (the body is read as ${FORM} only, and ${came})` };
      const id = new URLSearchParams(request.body).get('id');
      if (id !== null) fields.set('id', id);
      return { fields };
    }
    const fields = new URLSearchParams(request.query);
    if (request.body === '') return { fields };
    if (request.method !== 'POST') return { fields, unread: ` (the body of a ${request.method} is not read)` };
    const body = type === FORM ? new URLSearchParams(request.body) : type === MULTIPART ? multipartFields(request) : undefined;
    if (body === undefined) return { fields, unread: ` (a body is read as ${FORM} or ${MULTIPART} only, and ${came})` };
    for (const name of new Set(body.keys())) fields.set(name, body.get(name) as string);
    return { fields };
  }

  /**
   * Checked: a POST (405 otherwise, as the route allowed nothing else),
   * `output=json` (code 6, unsupported format, otherwise) and `api=v1` (code 1,
   * validation error), read before anything else. Otherwise a missing `output`
   * is JSON and a missing `api` is v1, and only other values are refused.
   */
  private checkShape(request: FakeRequest, fields: URLSearchParams): WireResponse | undefined {
    const checked = this.settings.checkRequestShape;
    if (checked && request.method !== 'POST') return jsonResponse(405, { error: `${request.method} is not allowed here` }, { headers: { Allow: 'POST' } });
    // Checked, the documented spelling; otherwise a missing value means the default the real server applies.
    const expected = checked ? 'the query must have' : 'expected no';
    const output = fields.get('output');
    if (output !== 'json' && (checked || output !== null)) {
      const xml = output === 'xml' && !checked ? ' (Mobizon also answers xml; this fake does not)' : '';
      const want = checked ? `${expected} output=json` : `${expected} output or output=json${xml}`;
      return mobizonEnvelope(6, { output: 'Unsupported format' }, `Unsupported format: ${want}, got ${output === null ? 'no output' : `output=${output}`}`);
    }
    const api = fields.get('api');
    if (api !== 'v1' && (checked || api !== null)) {
      const want = checked ? `${expected} api=v1` : `${expected} api or api=v1`;
      return mobizonEnvelope(1, { api: 'Unsupported API version' }, `Validation error: ${want}, got ${api === null ? 'no api' : `api=${api}`}`);
    }
    return undefined;
  }
}

/**
 * The text fields of a `multipart/form-data` body (what `curl -F`, a
 * `FormData` and PHP's curl with an array send); file parts are skipped.
 * `undefined` without a boundary: such a body cannot be read.
 */
function multipartFields(request: FakeRequest): URLSearchParams | undefined {
  const header = request.headers['content-type'];
  const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec((Array.isArray(header) ? header[0] : header) ?? '');
  const delimiter = boundary?.[1] ?? boundary?.[2];
  if (delimiter === undefined) return undefined;
  const fields = new URLSearchParams();
  for (const part of request.body.split(`--${delimiter}`).slice(1)) {
    if (part.startsWith('--')) break;
    const headEnd = part.indexOf('\r\n\r\n');
    const head = part.slice(0, Math.max(0, headEnd));
    const name = /^content-disposition:[^\r\n]*?;\s*name="([^"]*)"/im.exec(head)?.[1];
    if (headEnd < 0 || name === undefined || /;\s*filename\*?=/i.test(head)) continue;
    fields.append(name, part.slice(headEnd + 4).replace(/\r\n$/, ''));
  }
  return fields;
}

/** The media type of the request body, lower case, without parameters (`; charset=UTF-8`). */
function contentType(request: FakeRequest): string {
  const value = request.headers['content-type'];
  return (Array.isArray(value) ? value[0] : value)?.split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Mobizon's result codes, with the messages the fake server sends for them. */
export const MOBIZON_MESSAGES: Readonly<Record<number, string>> = {
  0: '',
  1: 'Validation error',
  2: 'Task not found',
  3: 'Unknown application error',
  4: 'Unknown module',
  5: 'Unknown method',
  6: 'Unsupported format',
  8: 'Invalid API key',
  9: 'No access to the method',
  10: 'Error saving data',
  11: 'Required parameter missing',
  12: 'Parameter violates a restriction',
  13: 'Use another API domain',
  14: 'Account blocked or deleted',
  15: 'Operation error',
  30: 'Too many requests',
  98: 'Partially successful',
  99: 'Nothing processed',
  100: 'Accepted for background processing',
  999: 'General error',
};

/**
 * Mobizon's envelope `{code, data, message}`. Errors come with HTTP 200 too:
 * clients must branch on `code`.
 */
export function mobizonEnvelope(code: number, data: unknown = '', message: string = MOBIZON_MESSAGES[code] ?? 'Error', status = 200): WireResponse {
  return jsonResponse(status, { code, data, message }, { providerCode: code });
}
