import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { Writable } from 'node:stream';
import type { Subscription } from 'rxjs';
import { HUB_EVENTS, taskKey, type DroppedData, type HelloData, type TaskName } from '../core/hubProtocol.js';
import { sseComment, sseEvent } from '../core/sse.js';

/** How a hub's streams behave (see `TaskHubOptions` for each). */
export interface StreamSettings {
  readonly keepAliveMs: number;
  readonly resumeWindowMs: number;
  readonly maxBufferedBytes: number;
  readonly replayBytes: number;
}

/** A state as it travels: its JSON text (`stateToJson`) and that text's fingerprint. */
export interface WireState {
  readonly text: string;
  readonly fingerprint: string;
}

/** One event sent, kept for a page that takes its stream up again. */
interface Sent {
  readonly seq: number;
  readonly key: string;
  readonly frame: string;
}

/** What a stream knows of one of its tasks. */
interface Watched {
  /** Unset while the hub asks `authorize`. */
  subscription: Subscription | undefined;
  /** The latest state sent, as its JSON text, and its fingerprint. */
  latest?: { readonly text: string; readonly fingerprint: string } | undefined;
}

/**
 * The response a stream writes its events to: `node:http`'s, or `node:http2`'s
 * compatibility response, whose `socket` stands for its own HTTP/2 stream
 * (ending or destroying it ends that stream, not the connection the
 * browser's other tabs share).
 */
export type AnyResponse = ServerResponse | Http2ServerResponse;

/** Whether a response goes over HTTP/2: `node:http2`'s compatibility response is the one with a `stream`. */
export function isHttp2(response: AnyResponse): response is Http2ServerResponse {
  return 'stream' in response;
}

/** How long a connection that was ended (too slow a reader) may take to go before it is cut. */
const END_GRACE_MS = 2000;

/**
 * One page's stream: the tasks it watches (each a subscription to its
 * source's shared watch: one poll loop per task, however many pages), the
 * connection it is sent over, and the events sent lately, so that a page
 * whose connection dropped takes the stream up again from its last event
 * (`Last-Event-ID`) and misses nothing. It outlives its connection by
 * `resumeWindowMs`, then lets go of its tasks.
 *
 * Memory is bounded per stream: the events kept are at most `replayBytes`,
 * and a connection whose reader falls `maxBufferedBytes` behind is ended
 * (with a `dropped` event saying why) rather than buffered for.
 */
export class HubStream {
  private seq = 0;
  private readonly sent: Sent[] = [];
  private sentBytes = 0;
  /** The highest `seq` no longer kept: a page that read only up to it cannot be replayed to. */
  private forgottenUpTo = 0;
  private readonly watched = new Map<string, Watched>();
  /**
   * Tasks that ended here (a terminal state, or `end`), by the seq of their
   * last event, while that event is kept: a page that comes back gets it in
   * the replay, and the hub does not watch the task again.
   */
  private readonly ended = new Map<string, number>();
  private response: AnyResponse | undefined;
  /** Over HTTP/2, a look at the connection's buffer once it has had its turn (see `write`). */
  private bufferCheck: ReturnType<typeof setImmediate> | undefined;
  private expiry: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    readonly id: string,
    private readonly settings: StreamSettings,
    /** The stream has let go of everything (its resume window passed, or the hub closed): the hub forgets it. */
    private readonly onDisposed: (stream: HubStream) => void,
  ) {}

  get connected(): boolean {
    return this.response !== undefined;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Sends over `response` from now on (a connection that was still open is
   * ended: the page has made a new one). Writes `hello`, then every kept
   * event after `afterSeq` of a task still watched; returns whether the kept
   * events reached back that far (if not, the page's `have` says the rest).
   */
  attach(response: AnyResponse, afterSeq: number | undefined): boolean {
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.expiry = undefined;
    const previous = this.response;
    this.response = response;
    previous?.end();
    response.on('close', () => this.detach(response));
    const hello: HelloData = { stream: this.id, keepAliveMs: this.settings.keepAliveMs };
    this.write(sseEvent(HUB_EVENTS.hello, JSON.stringify(hello)));
    if (afterSeq === undefined) return false;
    for (const event of this.sent) if (event.seq > afterSeq && (this.watched.has(event.key) || this.ended.has(event.key))) this.write(event.frame);
    return afterSeq >= this.forgottenUpTo && afterSeq <= this.seq;
  }

  /** The connection went (closed by the page, the network, or the hub): the stream waits `resumeWindowMs` for the page to come back. */
  private detach(response: AnyResponse): void {
    if (this.response !== response) return;
    this.response = undefined;
    if (this.bufferCheck !== undefined) clearImmediate(this.bufferCheck);
    this.bufferCheck = undefined;
    if (this.disposed) return;
    this.expiry = setTimeout(() => this.dispose(), this.settings.resumeWindowMs);
  }

  has(task: TaskName): boolean {
    return this.watched.has(taskKey(task));
  }

  get size(): number {
    return this.watched.size;
  }

  keys(): IterableIterator<string> {
    return this.watched.keys();
  }

  /** The task is now watched on this stream (its subscription comes once `authorize` has said yes). */
  reserve(task: TaskName): void {
    this.ended.delete(taskKey(task));
    this.watched.set(taskKey(task), { subscription: undefined });
  }

  /** Whether the task ended here with an event after `seq` (which a replay from `seq` has just sent). */
  endedAfter(task: TaskName, seq: number): boolean {
    return (this.ended.get(taskKey(task)) ?? -1) > seq;
  }

  /** The task's subscription; returns false (and unsubscribes it) when the task is no longer watched here. */
  subscribed(task: TaskName, subscription: Subscription): boolean {
    const watched = this.watched.get(taskKey(task));
    if (watched === undefined || this.disposed) {
      subscription.unsubscribe();
      return false;
    }
    watched.subscription = subscription;
    return true;
  }

  /** The latest state sent of a task, by its fingerprint: a page that has it is not sent it again. */
  latestFingerprint(task: TaskName): string | undefined {
    return this.watched.get(taskKey(task))?.latest?.fingerprint;
  }

  /** Sends the task's latest state again (a page whose `have` differs from it). */
  resend(task: TaskName): void {
    const latest = this.watched.get(taskKey(task))?.latest;
    if (latest !== undefined) this.send(task, HUB_EVENTS.state, JSON.stringify({ ...task, state: latest.text }));
  }

  /** A new state of a task, as it travels (its JSON text and fingerprint); `quiet` records it without sending (the page has it already). */
  state(task: TaskName, wire: WireState, quiet = false): void {
    const watched = this.watched.get(taskKey(task));
    if (watched === undefined) return;
    watched.latest = wire;
    if (!quiet) this.send(task, HUB_EVENTS.state, JSON.stringify({ ...task, state: wire.text }));
  }

  /** The task's last event: an error, as JSON. It is no longer watched here. */
  end(task: TaskName, errorText: string): void {
    this.send(task, HUB_EVENTS.end, JSON.stringify({ ...task, error: errorText }));
    this.finish(task);
  }

  /** The task's last event has been sent (its terminal state, or `end`): it is no longer watched, and its events kept are replayed still. */
  finish(task: TaskName): void {
    const key = taskKey(task);
    this.forget(task);
    for (let index = this.sent.length - 1; index >= 0; index--) {
      const event = this.sent[index] as Sent;
      if (event.key !== key) continue;
      this.ended.set(key, event.seq);
      return;
    }
  }

  /** The task is no longer watched here (the page let go of it, or it ended): its subscription goes. */
  forget(task: TaskName): void {
    const key = taskKey(task);
    const watched = this.watched.get(key);
    this.watched.delete(key);
    this.ended.delete(key);
    watched?.subscription?.unsubscribe();
  }

  /** A comment, when the connection has carried nothing for a while: keeps proxies from closing it. */
  keepAlive(): void {
    this.write(sseComment('keep-alive'));
  }

  /**
   * Ends the connection with a `dropped` event; the stream waits for the page
   * to come back. Resolves once the connection is gone.
   */
  drop(reason: DroppedData['reason']): Promise<void> {
    const response = this.response;
    if (response === undefined) return Promise.resolve();
    // The connection's end, not the response's: a response is over once its last bytes are handed to the
    // socket, where they stay (and the socket with them) while the page reads nothing.
    const socket = response.socket;
    const gone = new Promise<void>((resolve) => {
      if (socket === null || socket.destroyed) resolve();
      else socket.once('close', () => resolve());
    });
    const data: DroppedData = { reason };
    response.end(sseEvent(HUB_EVENTS.dropped, JSON.stringify(data)));
    // The connection ends with the stream's response (once what is buffered is sent): the page opens a new one.
    socket?.end();
    // A reader that does not read would hold the socket (and what is buffered for it) for good.
    const cut = setTimeout(() => socket?.destroy(), END_GRACE_MS);
    void gone.then(() => clearTimeout(cut));
    this.detach(response);
    return gone;
  }

  /** Lets go of every task and of the connection (with `dropped`, when there is one); resolves once the connection is gone. */
  dispose(reason: DroppedData['reason'] = 'closing'): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.disposed = true;
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.expiry = undefined;
    const gone = this.drop(reason);
    for (const watched of this.watched.values()) watched.subscription?.unsubscribe();
    this.watched.clear();
    this.ended.clear();
    this.sent.length = 0;
    this.sentBytes = 0;
    this.onDisposed(this);
    return gone;
  }

  private send(task: TaskName, event: string, data: string): void {
    const seq = ++this.seq;
    const frame = sseEvent(event, data, `${this.id}.${seq}`);
    const key = taskKey(task);
    this.sent.push({ seq, key, frame });
    this.sentBytes += frame.length;
    while (this.sentBytes > this.settings.replayBytes && this.sent.length > 0) {
      const oldest = this.sent.shift() as Sent;
      this.sentBytes -= oldest.frame.length;
      this.forgottenUpTo = oldest.seq;
      if (this.ended.get(oldest.key) === oldest.seq) this.ended.delete(oldest.key);
    }
    this.write(frame);
  }

  private write(frame: string): void {
    const response = this.response;
    if (response === undefined || response.writableEnded) return;
    (response as Writable).write(frame);
    if (response.writableLength <= this.settings.maxBufferedBytes) return;
    // Over HTTP/1.1 a write hands the system what it takes at once: what the socket still holds is what the page
    // has not read. Over HTTP/2 every write waits for the connection's next turn, however fast the page reads, so a
    // burst (the states of a hundred tasks for a page that takes them up) is weighed once the connection has had it.
    if (!isHttp2(response)) {
      void this.drop('slow-reader');
      return;
    }
    this.bufferCheck ??= setImmediate(() => {
      this.bufferCheck = undefined;
      if (this.response === response && response.writableLength > this.settings.maxBufferedBytes) void this.drop('slow-reader');
    });
  }
}
