// Serves the example page, and its task hub, against a fake provider server,
// for a person with a browser: `npx ts-node examples/browser/demo.ts`, open the
// printed URL (in several tabs if you like: the fake server still sees one poll
// per task), switch tabs to watch a hidden one let go of its connection.
// Ctrl-C stops it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeProviderServer } from '../../src/testing/index.js';
import { bundleExample } from './bundle.js';
import { startExampleServer } from './exampleServer.js';
import { pageQuery } from './pageConfig.js';
import { createExampleScenario, EXAMPLE_SERVER_OPTIONS, hubSources } from './scenario.js';

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'rx-task-status-browser-'));
  await bundleExample(folder);
  const providers = await startFakeProviderServer(EXAMPLE_SERVER_OPTIONS);
  const site = await startExampleServer({ folder, sources: hubSources(providers) });
  const { config } = createExampleScenario(providers, { slowdown: 5 });
  console.log(`Open ${site.url}/${pageQuery(config)}`);
  console.log('The tasks finish 20 to 33 s from now; switch to another tab meanwhile and the page sends nothing.');
  const stop = () => void Promise.all([site.close(), providers.close()]).then(() => rmSync(folder, { recursive: true, force: true }));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
