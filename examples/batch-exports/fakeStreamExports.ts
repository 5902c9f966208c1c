// Stream's side of the example, played on this machine: the fake provider
// server answers GetTask, and a small node:http server holds the export files
// that finished tasks link to (on Stream, a signed URL to its storage).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
// In your own tests: from 'rx-task-status/testing'.
import { startFakeProviderServer } from '../../src/testing/index.js';

/** The channels whose export fails, and why, as Stream's task error says it. */
const FAILURES: Readonly<Record<string, string>> = {
  'team-04': 'channel not found',
  'team-11': 'export is over the 2 GB limit',
  'team-17': 'channel is being deleted',
};

export interface FakeStreamExports {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Starts a channel's export, as Stream's export endpoint does: answers the id of its task. */
  startExport(channel: string): string;
  close(): Promise<void>;
}

export async function startFakeStreamExports(): Promise<FakeStreamExports> {
  const files = createServer((request, response) => {
    const channel = /^\/exports\/([\w-]+)\.json$/.exec(request.url ?? '')?.[1];
    if (channel === undefined) response.writeHead(404).end();
    else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(exportFile(channel)));
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  const filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  const server = await startFakeProviderServer();
  let started = 0;
  return {
    baseUrl: server.url,
    ...server.credentials.stream,
    startExport(channel) {
      // Between 0.3 and 1.5 s each, in an order of their own.
      const duration = 300 + ((++started * 370) % 1200);
      const failure = FAILURES[channel];
      const outcome = failure === undefined ? { result: { url: `${filesUrl}/exports/${channel}.json` } } : { outcome: 'failed' as const, error: { type: 'export_error', message: failure } };
      return server.tasks.create({ provider: 'stream', id: `export-${channel}`, duration, ...outcome }).id;
    },
    close: async () => {
      await Promise.all([server.close(), new Promise((resolve) => files.close(resolve))]);
    },
  };
}

/** A channel's export: a few messages. */
function exportFile(channel: string): { channel: string; messages: { id: string; text: string }[] } {
  const count = 1 + (Number(channel.replace(/\D/g, '')) % 3);
  return { channel, messages: Array.from({ length: count }, (_, index) => ({ id: `${channel}-${index + 1}`, text: `message ${index + 1} of #${channel}` })) };
}
