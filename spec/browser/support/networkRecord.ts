// Everything a page sends and receives, as Chromium's network layer sees it
// (the DevTools protocol, not the page's own scripts): request lines, headers
// and bodies, response headers and bodies, also of a response still streaming
// (a hub's event stream is read as it arrives). What the Chromium spec asserts
// "no key crossed the wire" and "how many connections" on.
import type { BrowserContext, CDPSession, Page } from 'playwright-core';

export interface RecordedRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  /** When it was sent, on this process's clock (ms). */
  readonly at: number;
  /** The headers as sent on the wire (cookies included), once Chromium has told them; else the page's. */
  headers: Record<string, string>;
  readonly body: string;
  /** Its response's headers, and its body so far. */
  responseHeaders?: Record<string, string>;
  responseBody: string;
  /** `true` once it has finished or failed (a stream the page aborted, say). */
  done: boolean;
}

export interface NetworkRecord {
  readonly requests: readonly RecordedRequest[];
  /** All of it as one text: every request's line, headers and body, and every response's headers and body. */
  text(): string;
  /** Resolves once `check` holds, checked after each network event; rejects after `ms` saying `what`. */
  until(check: () => boolean, ms: number, what: string): Promise<void>;
  /** Stops listening. */
  detach(): Promise<void>;
}

/** Starts recording `page`'s traffic; call before it navigates. */
export async function recordNetwork(context: BrowserContext, page: Page): Promise<NetworkRecord> {
  const cdp: CDPSession = await context.newCDPSession(page);
  const requests: RecordedRequest[] = [];
  const byId = new Map<string, RecordedRequest>();
  const wireHeaders = new Map<string, Record<string, string>>();
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const decode = (data: string) => Buffer.from(data, 'base64').toString('utf8');

  cdp.on('Network.requestWillBeSent', ({ requestId, request }) => {
    // A redirect reuses the id: the earlier hop stays recorded as it was.
    const recorded: RecordedRequest = {
      id: requestId,
      method: request.method,
      url: request.url,
      at: Date.now(),
      headers: wireHeaders.get(requestId) ?? request.headers,
      body: request.postData ?? '',
      responseBody: '',
      done: false,
    };
    requests.push(recorded);
    byId.set(requestId, recorded);
    changed();
  });
  cdp.on('Network.requestWillBeSentExtraInfo', ({ requestId, headers }) => {
    wireHeaders.set(requestId, headers);
    const recorded = byId.get(requestId);
    if (recorded !== undefined) recorded.headers = headers;
  });
  cdp.on('Network.responseReceived', ({ requestId, response }) => {
    const recorded = byId.get(requestId);
    if (recorded === undefined) return;
    recorded.responseHeaders = response.headers;
    if (!/^text\/event-stream/.test(response.mimeType)) return;
    // A stream: what has come so far, then each chunk as a `dataReceived` with its bytes.
    cdp.send('Network.streamResourceContent', { requestId }).then(
      ({ bufferedData }) => {
        recorded.responseBody = decode(bufferedData) + recorded.responseBody;
        changed();
      },
      () => undefined,
    );
  });
  cdp.on('Network.dataReceived', ({ requestId, data }) => {
    const recorded = byId.get(requestId);
    if (recorded === undefined || data === undefined) return;
    recorded.responseBody += decode(data);
    changed();
  });
  cdp.on('Network.loadingFinished', ({ requestId }) => {
    const recorded = byId.get(requestId);
    if (recorded === undefined) return;
    recorded.done = true;
    if (recorded.responseBody === '') {
      cdp.send('Network.getResponseBody', { requestId }).then(
        ({ body, base64Encoded }) => {
          recorded.responseBody = base64Encoded ? decode(body) : body;
          changed();
        },
        () => undefined,
      );
    }
    changed();
  });
  cdp.on('Network.loadingFailed', ({ requestId }) => {
    const recorded = byId.get(requestId);
    if (recorded === undefined) return;
    recorded.done = true;
    changed();
  });
  await cdp.send('Network.enable');

  return {
    requests,
    text: () =>
      requests
        .map(({ method, url, headers, body, responseHeaders, responseBody }) =>
          [`${method} ${url}`, JSON.stringify(headers), body, JSON.stringify(responseHeaders ?? {}), responseBody].join('\n'),
        )
        .join('\n'),
    until: (check, ms, what) =>
      new Promise<void>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        const waiter = () => {
          if (!check()) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${what}: not within ${ms} ms`));
        }, ms);
        waiters.add(waiter);
        waiter();
      }),
    detach: () => cdp.detach().catch(() => undefined),
  };
}
