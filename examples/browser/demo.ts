// Serves the example page against a fake provider server, for a person with a
// browser: `npx ts-node examples/browser/demo.ts`, open the printed URL, switch
// tabs to watch polling pause. Ctrl-C stops it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeProviderServer } from '../../src/testing/index.js';
import { bundleExample } from './bundle.js';
import { pageQuery } from './pageConfig.js';
import { createExampleScenario, EXAMPLE_SERVER_OPTIONS } from './scenario.js';
import { serveStatic } from './serveStatic.js';

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'rx-task-status-browser-'));
  await bundleExample(folder);
  const site = await serveStatic(folder);
  const server = await startFakeProviderServer(EXAMPLE_SERVER_OPTIONS);
  const { config } = await createExampleScenario(server, { slowdown: 5 });
  console.log(`Open ${site.url}/${pageQuery(config)}`);
  console.log('The tasks finish 20 to 33 s from now; switch to another tab meanwhile and the page sends nothing.');
  const stop = () => void Promise.all([site.close(), server.close()]).then(() => rmSync(folder, { recursive: true, force: true }));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
