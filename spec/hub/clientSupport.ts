// What the hubTasks spec watches besides the hub: the requests the hub's server received, the events a client
// read off the wire, each task's states as a client saw them, and a bounded wait. Everything over real HTTP.
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Observable, Subscription } from 'rxjs';
import { SseParser, type SseEvent } from '../../src/core/sse.js';
import type { HubFetch, TaskState } from '../../src/index.js';

/** One request the hub's server received. */
export interface HubRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The JSON body, once read whole (`undefined` until then, or when it is not JSON). */
  body?: unknown;
  /** Its response has not closed yet: for a stream, the page is connected. */
  open: boolean;
}

/**
 * Every request the server receives from now on, with its body. Read beside
 * the hub's own listener: both hear each chunk of the body.
 */
export function recordRequests(server: Server): HubRequest[] {
  const requests: HubRequest[] = [];
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const entry: HubRequest = { method: request.method ?? '', path: new URL(request.url ?? '/', 'http://hub').pathname, headers: request.headers, open: true };
    requests.push(entry);
    response.once('close', () => (entry.open = false));
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      try {
        entry.body = JSON.parse(text);
      } catch {
        // Not JSON: the hub answers it with a 400, which is not what these tests look at.
      }
    });
  });
  return requests;
}

/**
 * Exchanges under way: a connected stream, or a change being answered. What
 * "the page holds a connection" means, rather than open sockets: Node 20's
 * fetch (undici 6) opens a spare socket on its own after a response it was
 * reading is aborted, and closes it, unused, after its 4 s keep-alive.
 */
export const openExchanges = (requests: readonly HubRequest[]): number => requests.filter((request) => request.open).length;

/** The requests that opened (or took up again) a stream. */
export const opens = (requests: readonly HubRequest[]): HubRequest[] => requests.filter((request) => request.method === 'POST' && request.path === '/tasks/streams');

/** The requests that changed an open stream (`POST /tasks/streams/{id}`). */
export const changes = (requests: readonly HubRequest[]): HubRequest[] => requests.filter((request) => request.method === 'POST' && /^\/tasks\/streams\/[^/]+$/.test(request.path));

/** An event a client read, and which of its connections carried it (0 for the first). */
export interface TappedEvent extends SseEvent {
  readonly connection: number;
}

/**
 * The global `fetch`, with a tap on the event streams it opens: each event the
 * client has read is kept. A chunk counts as read once the client asks for the
 * next one (it has handled the chunk by then), so an event the client never got
 * to (its connection cut, or closed by itself) is not counted: what is kept is
 * what the client took in, duplicates included, which its own dedup of an
 * unchanged state would hide from its subscribers.
 */
export function tappedFetch(): { readonly fetch: HubFetch; readonly events: TappedEvent[] } {
  const events: TappedEvent[] = [];
  let connections = 0;
  const fetch: HubFetch = async (url, init) => {
    const response = await globalThis.fetch(url, init);
    const body = response.body;
    if (body === null || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) return response;
    const connection = connections++;
    const parser = new SseParser((event) => events.push({ ...event, connection }));
    const decoder = new TextDecoder();
    const source = body.getReader();
    let handed: Uint8Array | undefined;
    const tapped = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (handed !== undefined) parser.feed(decoder.decode(handed, { stream: true }));
          handed = undefined;
          const { done, value } = await source.read();
          if (done) {
            controller.close();
            return;
          }
          handed = value;
          controller.enqueue(value);
        },
        cancel: (reason) => source.cancel(reason),
      },
      // Pulled only when the client reads: the chunk before has been handled.
      { highWaterMark: 0 },
    );
    return { status: response.status, headers: response.headers, body: tapped };
  };
  return { fetch, events };
}

/** The `state` events of one task a tap kept, as the state texts. */
export function stateTexts(events: readonly TappedEvent[], ref: string): string[] {
  return events.flatMap((event) => {
    if (event.event !== 'state') return [];
    const data = JSON.parse(event.data) as { ref: string; state: string };
    return data.ref === ref ? [data.state] : [];
  });
}

/** What one watch showed: its states in order, and how it ended. */
export interface Watched {
  readonly states: TaskState[];
  readonly completed: boolean;
  readonly error?: unknown;
  readonly subscription: Subscription;
}

/** Subscribes to a watch and keeps what it shows. */
export function follow(task$: Observable<TaskState>): Watched {
  const states: TaskState[] = [];
  const ending: { completed: boolean; error?: unknown } = { completed: false };
  const subscription = task$.subscribe({
    next: (state) => states.push(state),
    error: (error: unknown) => (ending.error = error),
    complete: () => (ending.completed = true),
  });
  return Object.assign(ending, { states, subscription });
}

/** A state as a script says it: what tests compare (ids and dates differ between twin tasks). */
export const shape = (state: TaskState): [string, string, number | undefined] => [state.status, state.providerStatus, state.progress];

/** Over once the watch has completed or errored. */
export const settled = (watched: Watched): boolean => watched.completed || watched.error !== undefined;

/**
 * Resolves once `condition` holds, looking every `everyMs`; fails naming
 * `what` after `withinMs`. A wait on a condition, never a fixed sleep.
 */
export async function waitFor(condition: () => boolean, what: string, { withinMs = 15_000, everyMs = 5 } = {}): Promise<void> {
  const giveUpAt = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what} after ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The fake provider's clock: the wall clock, plus what the test moved it on
 * by hand. With a script whose steps are a day apart, a task stays in a step
 * until the test moves it on, however slow the machine (or busy its cores),
 * while the request log's times still tell how far apart two polls were.
 * Stream's tokens carry no time for the fake to hold against it.
 */
export function handClock(): { readonly now: () => number; advance(ms: number): void } {
  let ahead = 0;
  return {
    now: () => Date.now() + ahead,
    advance: (ms) => {
      ahead += ms;
    },
  };
}

/** Real time passing, for checks that something does not happen. */
export const elapse = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
