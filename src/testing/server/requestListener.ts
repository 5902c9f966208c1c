import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyContentFault, contentFaultApplies } from '../faults/applyContentFault.js';
import type { ConnectionTracker } from './connectionTracker.js';
import { corsHeaders, preflightHeaders } from './cors.js';
import type { ArrivalNote, FakeProvider, FakeRequest } from '../fakes/fakeProvider.js';
import { isContentFault, isRefusal, isTransportFault, type Fault, type RefusalFault, type TransportFault } from '../faults/fault.js';
import type { FaultQueue } from '../faults/faultBook.js';
import { gatewayRateLimit, htmlErrorPage } from '../fakes/gateway.js';
import type { SlidingWindowBudget } from '../log/requestBudget.js';
import type { RequestRecorder } from '../log/requestLog.js';
import { findRoute, type ProviderName, type RouteLookup, type RouteMatch } from './routes.js';
import { JSON_CONTENT_TYPE, jsonResponse, withHeaders, type WireResponse } from './wireResponse.js';
import { writeResponse, type Delivery } from './writeResponse.js';

/** Everything a request goes through. */
export interface ServerParts {
  readonly clock: () => number;
  readonly providers: Readonly<Record<ProviderName, FakeProvider>>;
  readonly budgets: Readonly<Partial<Record<ProviderName, SlidingWindowBudget>>>;
  readonly faults: FaultQueue;
  readonly log: RequestRecorder;
  readonly connections: ConnectionTracker;
}

/** Request bodies are small forms (Mobizon's `id=…`): anything bigger is refused with 413 without being kept. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

/**
 * The `request` listener of the fake server. The pipeline is the same for
 * every provider: log the arrival; read the body; let the provider note it;
 * a refusal fault answers at once; otherwise the key's budget, then the
 * provider's honest answer; then at most one transport or content fault
 * spoils it on the way out.
 */
export function requestListener(parts: ServerParts): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    serve(parts, req, res).catch((error: unknown) => {
      // A bug of the fake server, or a client gone mid-request: either way no provider would answer this.
      if (res.headersSent || res.destroyed) res.destroy();
      else res.writeHead(500, { ...corsHeaders(), 'Content-Type': 'text/plain; charset=utf-8' }).end(`fake provider server error: ${String(error)}`);
    });
  };
}

async function serve(parts: ServerParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const at = parts.clock();
  const receivedAt = process.hrtime.bigint();
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  if (method === 'OPTIONS') {
    req.resume();
    res.writeHead(204, { ...preflightHeaders(req), Date: httpDate(at) }).end();
    return;
  }
  const lookup = findRoute(method, url.pathname);
  const entry = parts.log.open({ at, method, path: url.pathname, ...(lookup.found ? { provider: lookup.route.provider, route: lookup.route.name } : {}) });
  let delivery: Delivery | undefined;
  res.once('close', () =>
    parts.log.settle(entry, {
      aborted: !res.writableFinished && delivery?.brokenByServer !== true && !parts.connections.closing,
      bytesSent: delivery?.bytesSent() ?? 0,
    }),
  );
  const body = await readBody(req);
  if (body === undefined || !lookup.found) {
    parts.log.receive(entry);
    const response = lookup.found ? jsonResponse(413, { error: `request body over ${MAX_REQUEST_BODY_BYTES} bytes` }) : unmatched(lookup, method, url.pathname);
    delivery = writeResponse({ res, response, fault: undefined, headers: everyResponse(at), connections: parts.connections });
    if (delivery.status !== undefined) entry.status = delivery.status;
    return;
  }
  const request: FakeRequest = { route: lookup.route, method, path: url.pathname, query: url.searchParams, headers: req.headers, body, at, receivedAt };
  const provider = parts.providers[lookup.route.provider];
  const { apiKey, taskId } = provider.address(request);
  if (taskId !== undefined) entry.taskId = taskId;
  parts.log.receive(entry);
  const arrival = provider.arrive?.(request, taskId) ?? {};
  const { response, fault } = await respond({ parts, provider, request, route: lookup.route, apiKey, taskId, arrival });
  if (response.providerCode !== undefined) entry.providerCode = response.providerCode;
  entry.rateLimited = response.status === 429 || (provider.name === 'mobizon' && response.providerCode === 30);
  if (fault !== undefined) entry.fault = fault.kind;
  const transportFault = fault !== undefined && isTransportFault(fault) ? fault : undefined;
  delivery = writeResponse({ res, response, fault: transportFault, headers: everyResponse(at), connections: parts.connections });
  if (delivery.status !== undefined) entry.status = delivery.status;
}

async function respond(input: {
  parts: ServerParts;
  provider: FakeProvider;
  request: FakeRequest;
  route: RouteMatch;
  apiKey: string;
  taskId: string | undefined;
  arrival: ArrivalNote;
}): Promise<{ response: WireResponse; fault?: Fault }> {
  const { parts, provider, request, route, apiKey, taskId, arrival } = input;
  const target = { provider: provider.name, route: route.name, ...(taskId === undefined ? {} : { taskId }) };
  const refusal = parts.faults.take(target, isRefusal) as RefusalFault | undefined;
  if (refusal !== undefined) return { response: refuse(provider, refusal, request), fault: refusal };
  const decision = parts.budgets[provider.name]?.admit(apiKey, request.at);
  let response: WireResponse;
  if (decision !== undefined && !decision.admitted) {
    response = provider.overBudget(decision, request);
  } else {
    const answer = await provider.answer({ request, ...(taskId === undefined ? {} : { taskId }), arrival });
    response = decision === undefined ? answer : withHeaders(answer, provider.budgetHeaders(decision, request));
  }
  const spoiler = parts.faults.take(target, (fault) => isTransportFault(fault) || (isContentFault(fault) && contentFaultApplies(fault, response)));
  if (spoiler !== undefined && isContentFault(spoiler)) return { response: applyContentFault({ fault: spoiler, response, provider, request }), fault: spoiler };
  return { response, ...(spoiler === undefined ? {} : { fault: spoiler as TransportFault }) };
}

/** A refusal in the provider's place: the provider's own words, or what sits in front of it (a proxy's page, a gateway's 429). */
function refuse(provider: FakeProvider, fault: RefusalFault, request: FakeRequest): WireResponse {
  if (fault.kind === 'html-error-page') return htmlErrorPage(fault.status);
  if (fault.kind === 'custom-response') {
    return { status: fault.status, headers: { ...fault.headers }, contentType: fault.contentType ?? JSON_CONTENT_TYPE, text: fault.body ?? '' };
  }
  if (fault.kind === 'rate-limited' && fault.answeredBy === 'gateway') return gatewayRateLimit(fault, request.at);
  return provider.refuse(fault, request);
}

/** CORS, and a `Date` on the server clock: with a fake clock, Retry-After dates and Date agree. */
function everyResponse(at: number): Record<string, string> {
  return { ...corsHeaders(), Date: httpDate(at) };
}

function httpDate(at: number): string {
  return new Date(at).toUTCString();
}

function unmatched(lookup: Extract<RouteLookup, { found: false }>, method: string, path: string): WireResponse {
  if (lookup.status === 405) return jsonResponse(405, { error: `${method} is not allowed here` }, { headers: { Allow: lookup.allow } });
  return jsonResponse(404, { error: `the fake provider server has no route for ${method} ${path}` });
}

/** The body as text; `undefined` when it is over the limit (the rest is read and dropped, so the answer can be sent). */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.once('end', () => resolve(size > MAX_REQUEST_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client went away before sending its whole request'));
    });
  });
}
