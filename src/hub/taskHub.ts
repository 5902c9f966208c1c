import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Observable } from 'rxjs';
import { AuthenticationError, ProviderError, TaskError, TransportError } from '../core/errors/index.js';
import { messageOf } from '../core/errors/errorLike.js';
import type { WatchOptions } from '../core/sourceOptions.js';
import { errorToJson, stateToJson } from '../core/stateWire.js';
import type { TaskState } from '../core/taskState.js';
import { expectDelay, expectFunction, expectPositiveNumber, isPlainObject, show } from '../core/validate.js';
import { HubStream, isHttp2, type AnyResponse, type StreamSettings, type WireState } from './hubStream.js';
import { fingerprint, taskKey, type ChangeBody, type OpenBody, type TaskName, type WatchRequest } from '../core/hubProtocol.js';

/** What a hub needs of a source: any `TaskSource` (built-in, `defineProvider`, `hubTasks` of another hub). */
export interface HubSource {
  /** The provider's name, as in its states. */
  readonly provider: string;
  /** Reads a ref from the text a page sends (a `TypeError` for a bad one: the page gets a 400 for that task). */
  parseRef(text: string): unknown;
  /** The task's states: one shared poll loop, however many pages watch it. */
  watch(ref: never, options?: WatchOptions): Observable<TaskState>;
}

/**
 * Each state as it travels, made once however many streams send it: a poll
 * loop hands the same (frozen) state to every subscriber, and its JSON and
 * fingerprint are most of what a delivered state costs the hub.
 */
const wireStates = new WeakMap<TaskState, WireState>();

function wireState(state: TaskState): WireState {
  let wire = wireStates.get(state);
  if (wire === undefined) {
    const text = stateToJson(state);
    wire = { text, fingerprint: fingerprint(text) };
    wireStates.set(state, wire);
  }
  return wire;
}

/**
 * The requests a hub serves: `node:http`'s, or those of `node:http2`'s
 * compatibility API. Over HTTP/2 every tab of a browser shares one
 * connection to the hub; over HTTP/1.1 each tab's stream holds one of the six
 * connections a browser allows an origin (docs/hub.md).
 */
export type HubRequest = IncomingMessage | Http2ServerRequest;

/** The response that goes with a request: `node:http2`'s for its requests, else `node:http`'s. */
export type HubResponse<Request extends HubRequest = IncomingMessage> = Request extends Http2ServerRequest ? Http2ServerResponse : ServerResponse;

/** The task `authorize` is asked about. */
export interface HubTaskRequest {
  /** The provider's name: a key of `sources`. */
  readonly provider: string;
  /** The ref as the source reads it (`source.parseRef(text)`): what `watch` is given. */
  readonly ref: unknown;
  /** The ref's text form, as the page sent it. */
  readonly text: string;
}

/** Options of {@link createTaskHub}. */
export interface TaskHubOptions<Request extends HubRequest = IncomingMessage> {
  /** The sources tasks are watched on, by the name pages use (`{ postman: postmanTasks({ apiKey }) }`). */
  readonly sources: Readonly<Record<string, HubSource>>;
  /**
   * Whether this request may watch this task: your own session check
   * (cookies, an `Authorization` header). Asked for every task a page asks
   * to watch, and again when a page takes a stream up again. Required: a hub
   * is never open to anyone by accident. `false` ends the task's stream on
   * the page with an `AuthenticationError`; a throw or no answer within
   * `authorizeTimeout` with a `TransportError` (and `onError` hears why).
   */
  readonly authorize: (request: Request, task: HubTaskRequest) => boolean | PromiseLike<boolean>;
  /** Where the hub is mounted, when the request's URL includes it (`http.createServer`): `'/tasks'`. Default `''` (Express's `app.use('/tasks', hub)` strips it). */
  readonly basePath?: string | undefined;
  /** A comment goes down every idle stream this often, ms, so that proxies do not close it. Default 15000. */
  readonly keepAliveMs?: number | undefined;
  /** A stream whose connection dropped keeps its tasks watched this long, ms, for the page to come back. Default 30000. */
  readonly resumeWindowMs?: number | undefined;
  /** A connection whose reader falls this many bytes behind is ended (`dropped`, `slow-reader`). Default 256 KiB. */
  readonly maxBufferedBytes?: number | undefined;
  /** The events kept per stream for a page that takes it up again, bytes. Default 64 KiB. */
  readonly replayBytes?: number | undefined;
  /** Tasks one stream may watch at once. Default 1000. */
  readonly maxTasksPerStream?: number | undefined;
  /** How long `authorize` may take, ms. Default 10000. */
  readonly authorizeTimeout?: number | undefined;
  /** Origins (`https://app.example.com`) whose pages may use the hub across origins, with credentials. Default: none (same origin only). */
  readonly allowOrigins?: readonly string[] | undefined;
  /** Hears what went wrong on the hub's side (`authorize` threw, a response could not be written): log it. Never the page's business. */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/**
 * A Node request listener (mount it in `http.createServer`, Express or
 * Fastify; for HTTP/2, in `http2.createSecureServer`: see {@link HubRequest}),
 * and how to close it.
 */
export interface TaskHub<Request extends HubRequest = IncomingMessage> {
  (request: Request, response: HubResponse<Request>): void;
  /** Ends every stream (with a `dropped` event: pages reconnect elsewhere) and lets go of every task; answers 503 from now on. */
  close(): Promise<void>;
}

const DEFAULTS = {
  keepAliveMs: 15_000,
  resumeWindowMs: 30_000,
  maxBufferedBytes: 256 * 1024,
  replayBytes: 64 * 1024,
  maxTasksPerStream: 1000,
  authorizeTimeout: 10_000,
};
/** The most a request body may hold: a thousand tasks with long refs fit. */
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REF_LENGTH = 1000;

/**
 * A task hub: polls each task once, whoever watches it, and pushes its
 * states to every page that does over Server-Sent Events. Pages use
 * `hubTasks({ url, provider })`, a `TaskSource` like any other; they hold no
 * provider key and no provider code. One connection per page carries every
 * task it watches; a page whose connection drops takes its stream up again
 * without missing a state or getting one twice.
 *
 * ```ts
 * import { createServer } from 'node:http';
 * import { postmanTasks } from 'rx-task-status';
 * import { createTaskHub } from 'rx-task-status/hub';
 *
 * const hub = createTaskHub({
 *   sources: { postman: postmanTasks({ apiKey: process.env.POSTMAN_API_KEY ?? '' }) },
 *   authorize: (request) => request.headers.cookie?.includes('session=') === true, // your own session check
 *   basePath: '/tasks',
 * });
 * createServer(hub).listen(8080);
 * ```
 */
export function createTaskHub<Request extends HubRequest = IncomingMessage>(options: TaskHubOptions<Request>): TaskHub<Request> {
  if (!isPlainObject(options)) throw new TypeError(`Expected the options of createTaskHub ({ sources, authorize, … }), got ${show(options)}.`);
  expectFunction('authorize', options.authorize);
  if (!isPlainObject(options.sources) || Object.keys(options.sources).length === 0) {
    throw new TypeError(`Expected \`sources\` to name at least one source ({ postman: postmanTasks(…) }), got ${show(options.sources)}.`);
  }
  for (const [name, source] of Object.entries(options.sources)) {
    if (typeof source?.watch !== 'function' || typeof source.parseRef !== 'function') throw new TypeError(`Expected \`sources.${name}\` to be a task source, got ${show(source)}.`);
  }
  const basePath = options.basePath ?? '';
  if (typeof basePath !== 'string' || (basePath !== '' && (!basePath.startsWith('/') || basePath.endsWith('/')))) {
    throw new TypeError(`Expected \`basePath\` to be '' or a path such as '/tasks', got ${show(basePath)}.`);
  }
  if (options.onError !== undefined) expectFunction('onError', options.onError);
  if (options.allowOrigins !== undefined && (!Array.isArray(options.allowOrigins) || !options.allowOrigins.every((origin) => typeof origin === 'string' && URL.canParse(origin)))) {
    throw new TypeError(`Expected \`allowOrigins\` to be a list of origins such as 'https://app.example.com', got ${show(options.allowOrigins)}.`);
  }
  const settings: StreamSettings = {
    keepAliveMs: expectDelay('keepAliveMs', options.keepAliveMs ?? DEFAULTS.keepAliveMs),
    resumeWindowMs: expectDelay('resumeWindowMs', options.resumeWindowMs ?? DEFAULTS.resumeWindowMs, { allowZero: true }),
    maxBufferedBytes: expectPositiveNumber('maxBufferedBytes', options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes),
    replayBytes: expectPositiveNumber('replayBytes', options.replayBytes ?? DEFAULTS.replayBytes, { allowZero: true }),
  };
  const authorize = (request: HubRequest, task: HubTaskRequest) => options.authorize(request as Request, task);
  const hub = new Hub(options, authorize, basePath, settings, {
    maxTasksPerStream: expectPositiveNumber('maxTasksPerStream', options.maxTasksPerStream ?? DEFAULTS.maxTasksPerStream),
    authorizeTimeout: expectDelay('authorizeTimeout', options.authorizeTimeout ?? DEFAULTS.authorizeTimeout),
  });
  return Object.assign((request: Request, response: HubResponse<Request>) => hub.handle(request, response), { close: () => hub.close() });
}

/** A request the hub refuses as a whole: its status and why (no secret: it names only what the page sent). */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

class Hub {
  private readonly streams = new Map<string, HubStream>();
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private readonly origins: ReadonlySet<string>;
  /** Ends the wait for each `authorize` still pending: on close, their timeouts would hold the process. */
  private readonly pendingAuthorizations = new Set<() => void>();

  constructor(
    private readonly options: Omit<TaskHubOptions, 'authorize'>,
    /** `options.authorize`, asked only about the requests the listener is given: those of the kind it was typed for. */
    private readonly authorize: (request: HubRequest, task: HubTaskRequest) => boolean | PromiseLike<boolean>,
    private readonly basePath: string,
    private readonly settings: StreamSettings,
    private readonly limits: { readonly maxTasksPerStream: number; readonly authorizeTimeout: number },
  ) {
    this.origins = new Set((options.allowOrigins ?? []).map((origin) => new URL(origin).origin));
  }

  handle(request: HubRequest, response: AnyResponse): void {
    this.route(request, response).catch((error: unknown) => this.fail(response, error));
  }

  private async route(request: HubRequest, response: AnyResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://hub').pathname;
    if (!path.startsWith(`${this.basePath}/`)) throw new Refusal(404, 'Not a task hub path.');
    const rest = path.slice(this.basePath.length);
    this.allowOrigin(request, response);
    if (request.method === 'OPTIONS') {
      response.writeHead(204, { 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type, authorization, last-event-id', 'access-control-max-age': '600' }).end();
      return;
    }
    if (this.closed) throw new Refusal(503, 'The task hub is closing.');
    const change = /^\/streams\/([A-Za-z0-9-]{1,64})$/.exec(rest);
    if (rest !== '/streams' && change === null) throw new Refusal(404, 'Not a task hub path.');
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      throw new Refusal(405, 'The task hub takes POST requests.');
    }
    const body = await readJson(request);
    // The hub may have closed while the body came: a stream opened now would outlive it.
    if (this.closed) throw new Refusal(503, 'The task hub is closing.');
    if (change === null) this.open(request, response, readOpenBody(body, this.limits.maxTasksPerStream));
    else this.change(request, response, change[1] as string, readChangeBody(body));
  }

  /** Opens a stream, or takes one up again (`Last-Event-ID`), and watches the tasks the page names. */
  private open(request: HubRequest, response: AnyResponse, body: OpenBody): void {
    const resumed = readLastEventId(request.headers['last-event-id']);
    const found = resumed === undefined ? undefined : this.streams.get(resumed.stream);
    const stream = found !== undefined && !found.isDisposed ? found : this.newStream();
    const afterSeq = stream === found ? resumed?.seq : undefined;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      // HTTP/2 has no connection headers: Node drops one, with a warning on the process.
      ...(isHttp2(response) ? {} : { connection: 'keep-alive' }),
      // nginx: pass each event on at once.
      'x-accel-buffering': 'no',
    });
    response.socket?.setNoDelay(true);
    const covered = stream.attach(response, afterSeq);
    this.startKeepAlive();
    const wanted = new Map(body.watch.map((task) => [taskKey(task), task]));
    // Tasks the page no longer names are let go of.
    for (const key of [...stream.keys()]) {
      if (wanted.has(key)) continue;
      const space = key.indexOf(' ');
      stream.forget({ provider: key.slice(0, space), ref: key.slice(space + 1) });
    }
    for (const task of wanted.values()) {
      if (!stream.has(task)) {
        // It ended here while the page was away: its last event has just been replayed.
        if (covered && stream.endedAfter(task, afterSeq ?? 0)) continue;
        this.watch(request, stream, task);
        continue;
      }
      // Still watched here: asked about again (a session may have ended), and its state sent unless the page has it.
      this.reauthorize(request, stream, task);
      if (!covered && stream.latestFingerprint(task) !== undefined && stream.latestFingerprint(task) !== task.have) stream.resend(task);
    }
  }

  private change(request: HubRequest, response: AnyResponse, id: string, body: ChangeBody): void {
    const stream = this.streams.get(id);
    if (stream === undefined || stream.isDisposed) throw new Refusal(404, 'The hub has no such stream (any more): open a new one.');
    for (const task of body.unwatch ?? []) stream.forget(task);
    const adding = (body.watch ?? []).filter((task) => !stream.has(task));
    if (stream.size + adding.length > this.limits.maxTasksPerStream) throw new Refusal(413, `A stream watches at most ${this.limits.maxTasksPerStream} tasks.`);
    for (const task of adding) this.watch(request, stream, task);
    response.writeHead(204).end();
  }

  private newStream(): HubStream {
    const stream = new HubStream(randomUUID(), this.settings, (gone) => {
      this.streams.delete(gone.id);
      if (this.streams.size === 0) this.stopKeepAlive();
    });
    this.streams.set(stream.id, stream);
    return stream;
  }

  /**
   * Watches one task on a stream: its source and ref checked, `authorize`
   * asked, then the source's (shared) watch subscribed. What the page already
   * has (`have`) is not sent again. Any failure is that task's `end` event.
   */
  private watch(request: HubRequest, stream: HubStream, task: WatchRequest): void {
    stream.reserve(task);
    const read = this.read(task);
    if (read instanceof ProviderError) {
      stream.end(task, errorToJson(read));
      return;
    }
    const { source, ref } = read;
    void this.authorized(request, task, ref).then((refusal) => {
      if (!stream.has(task) || stream.isDisposed) return;
      if (refusal !== undefined) {
        stream.end(task, errorToJson(refusal));
        return;
      }
      let first = true;
      let ended = false;
      const subscription = source.watch(ref as never).subscribe({
        next: (state) => {
          const wire = wireState(state);
          // The page has this state already (a page come back after the hub restarted): not sent again.
          stream.state(task, wire, first && task.have !== undefined && wire.fingerprint === task.have);
          first = false;
        },
        error: (error: unknown) => {
          ended = true;
          stream.end(task, errorToJson(error instanceof TaskError ? error : new ProviderError(`The task hub could not watch ${task.provider} task ${task.ref.slice(0, 200)}: ${messageOf(error)}`, { provider: task.provider })));
        },
        // A terminal state is the task's last event: the page ends its watch on it.
        complete: () => {
          ended = true;
          stream.finish(task);
        },
      });
      if (!ended) stream.subscribed(task, subscription);
    });
  }

  /** Asks `authorize` again about a task a stream carries over; a refusal now ends it. */
  private reauthorize(request: HubRequest, stream: HubStream, task: WatchRequest): void {
    const read = this.read(task);
    if (read instanceof ProviderError) return;
    void this.authorized(request, task, read.ref).then((refusal) => {
      if (refusal !== undefined && stream.has(task) && !stream.isDisposed) stream.end(task, errorToJson(refusal));
    });
  }

  /** The task's source and its ref as that source reads it; a `ProviderError` (400) when there is no such source or the ref reads as none. */
  private read(task: TaskName): { source: HubSource; ref: unknown } | ProviderError {
    const source = Object.hasOwn(this.options.sources, task.provider) ? this.options.sources[task.provider] : undefined;
    if (source === undefined) return new ProviderError(`The task hub has no source named ${JSON.stringify(task.provider.slice(0, 80))}.`, { details: { status: 400 } });
    try {
      return { source, ref: source.parseRef(task.ref) };
    } catch (error) {
      return new ProviderError(`The task hub cannot read ${task.provider} task ${JSON.stringify(task.ref.slice(0, 200))}: ${messageOf(error)}`, { provider: task.provider, details: { status: 400 } });
    }
  }

  /** `authorize`'s answer: nothing when the request may watch the task, else the error its page gets. Never rejects. */
  private async authorized(request: HubRequest, task: TaskName, ref: unknown): Promise<TaskError | undefined> {
    const what = `${task.provider} task ${task.ref.slice(0, 200)}`;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let giveUp: () => void = () => undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.limits.authorizeTimeout);
      giveUp = () => resolve('timeout');
    });
    this.pendingAuthorizations.add(giveUp);
    try {
      const answer = await Promise.race([Promise.resolve(this.authorize(request, { provider: task.provider, ref, text: task.ref })), timeout]);
      if (answer === 'timeout') {
        return new TransportError(`The task hub could not tell whether this page may watch ${what}: authorize did not answer within ${this.limits.authorizeTimeout} ms.`, {
          reason: 'timeout',
          status: 503,
          provider: task.provider,
        });
      }
      return answer === true ? undefined : new AuthenticationError(`The task hub does not let this page watch ${what}.`, { provider: task.provider, details: { status: 403 } });
    } catch (error) {
      this.report(error);
      return new TransportError(`The task hub could not tell whether this page may watch ${what}.`, { reason: 'status', status: 500, provider: task.provider });
    } finally {
      clearTimeout(timer);
      this.pendingAuthorizations.delete(giveUp);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopKeepAlive();
    // Their streams are disposed below, before any of these answers is read: nothing reaches a page.
    for (const giveUp of this.pendingAuthorizations) giveUp();
    await Promise.all([...this.streams.values()].map((stream) => stream.dispose('closing')));
  }

  private startKeepAlive(): void {
    this.keepAlive ??= setInterval(() => {
      for (const stream of this.streams.values()) if (stream.connected) stream.keepAlive();
    }, this.settings.keepAliveMs);
  }

  private stopKeepAlive(): void {
    if (this.keepAlive !== undefined) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  /** CORS, for the origins the hub was told to allow (with credentials: cookies go along). */
  private allowOrigin(request: HubRequest, response: AnyResponse): void {
    const origin = request.headers.origin;
    if (origin === undefined || !this.origins.has(origin)) return;
    response.setHeader('access-control-allow-origin', origin);
    response.setHeader('access-control-allow-credentials', 'true');
    response.setHeader('vary', 'origin');
  }

  private fail(response: AnyResponse, error: unknown): void {
    if (!(error instanceof Refusal)) this.report(error);
    if (response.headersSent) {
      response.end();
      return;
    }
    const status = error instanceof Refusal ? error.status : 500;
    const message = error instanceof Refusal ? error.message : 'The task hub failed to answer.';
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify({ error: message }));
  }

  private report(error: unknown): void {
    try {
      this.options.onError?.(error);
    } catch {
      // A failing logger must not take the hub down.
    }
  }
}

/** The request's body as JSON, at most {@link MAX_BODY_BYTES}. */
function readJson(request: HubRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      // Past the limit the rest is read and dropped rather than the socket destroyed: the page gets its 413.
      if (size > MAX_BODY_BYTES) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        reject(new Refusal(413, `A task hub request body is at most ${MAX_BODY_BYTES} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) return;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new Refusal(400, 'A task hub request body is JSON: { "watch": [{ "provider": …, "ref": … }] }.'));
      }
    });
  });
}

function readOpenBody(body: unknown, maxTasks: number): OpenBody {
  if (!isPlainObject(body) || !Array.isArray(body['watch'])) throw new Refusal(400, 'Expected a body { "watch": [{ "provider": …, "ref": … }] }.');
  if (body['watch'].length > maxTasks) throw new Refusal(413, `A stream watches at most ${maxTasks} tasks.`);
  return { watch: body['watch'].map(readWatchRequest) };
}

function readChangeBody(body: unknown): ChangeBody {
  if (!isPlainObject(body)) throw new Refusal(400, 'Expected a body { "watch"?: [...], "unwatch"?: [...] }.');
  const list = (name: string): unknown[] => {
    const value = body[name];
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new Refusal(400, `Expected \`${name}\` to be a list of tasks.`);
    return value;
  };
  return { watch: list('watch').map(readWatchRequest), unwatch: list('unwatch').map(readWatchRequest).map(({ provider, ref }) => ({ provider, ref })) };
}

function readWatchRequest(value: unknown): WatchRequest {
  if (!isPlainObject(value)) throw new Refusal(400, 'Expected each task as { "provider": …, "ref": … }.');
  const { provider, ref, have } = value;
  if (typeof provider !== 'string' || provider === '' || provider.length > 100 || provider.includes(' ')) throw new Refusal(400, 'Expected each task\'s "provider" to be a source\'s name.');
  if (typeof ref !== 'string' || ref === '' || ref.length > MAX_REF_LENGTH) throw new Refusal(400, `Expected each task's "ref" to be its text form, at most ${MAX_REF_LENGTH} characters.`);
  if (have !== undefined && (typeof have !== 'string' || have.length > 64)) throw new Refusal(400, 'Expected a task\'s "have" to be a state\'s fingerprint.');
  return have === undefined ? { provider, ref } : { provider, ref, have };
}

/** `Last-Event-ID: STREAM.SEQ`, as this hub writes event ids; anything else is no resume. */
function readLastEventId(header: string | string[] | undefined): { stream: string; seq: number } | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value === undefined ? null : /^([A-Za-z0-9-]{1,64})\.(\d{1,15})$/.exec(value);
  return match === null ? undefined : { stream: match[1] as string, seq: Number(match[2]) };
}
