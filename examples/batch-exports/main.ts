// Combining batch exports: start 20 channel exports on Stream, follow them as
// one batch (`combineTasks`), wait for the lot under one deadline
// (`waitForBatch`), download each completed export, merge them into one JSON
// file, and report which exports failed and why. Stream is played by the fake
// provider server (fakeStreamExports.ts), started here.
//
//   npx ts-node examples/batch-exports/main.ts [outputFile]    (default: exports.json)
import { writeFile } from 'node:fs/promises';
// In your project: from 'rx-task-status'.
import { combineTasks, streamTasks, waitForBatch, type TaskState } from '../../src/index.js';
import { startFakeStreamExports } from './fakeStreamExports.js';

const CHANNELS = Array.from({ length: 20 }, (_, index) => `team-${String(index + 1).padStart(2, '0')}`);

async function main(file: string): Promise<void> {
  const fake = await startFakeStreamExports();
  try {
    const taskIds = CHANNELS.map((channel) => fake.startExport(channel)).sort();
    const { apiKey, apiSecret, baseUrl } = fake;
    // The defaults keep within Stream's rate limit (2 requests a second); the fake has none, so this goes faster.
    const stream = streamTasks({ apiKey, apiSecret, baseUrl, interval: 200, maxRequestsPerSecond: 50 });

    // One deadline for the whole batch: failed exports do not reject it, running out of time does.
    const watches = Object.fromEntries(taskIds.map((id) => [id, stream.watch(id)]));
    const { tasks, errors, counts, total } = await waitForBatch(combineTasks(watches), { timeout: 20_000 });
    console.log(`${total} exports: ${counts.completed} completed, ${counts.failed} failed.`);

    const failures = new Map<string, string>();
    for (const id of taskIds) {
      const error = errors[id];
      if (error !== undefined) failures.set(id, `could not be followed: ${error instanceof Error ? error.message : String(error)}`);
      else if (tasks[id]?.status === 'failed') failures.set(id, tasks[id]?.error?.message ?? 'failed');
    }
    const completed = taskIds.flatMap((id) => (tasks[id]?.status === 'completed' ? [tasks[id]] : []));
    const downloads = await Promise.allSettled(completed.map(download));
    const merged: Record<string, unknown> = {};
    completed.forEach(({ id }, index) => {
      const downloaded = downloads[index];
      if (downloaded?.status === 'fulfilled') merged[id] = downloaded.value;
      else failures.set(id, `download failed: ${String(downloaded?.reason)}`);
    });
    await writeFile(file, `${JSON.stringify(merged, null, 2)}\n`);

    console.log(`${file}: ${Object.keys(merged).length} exports merged.`);
    console.log(`${failures.size} failed:`);
    for (const [id, why] of [...failures].sort()) console.log(`  ${id}: ${why}`);
  } finally {
    await fake.close();
  }
}

/** The export file a completed task links to (`result.url` on Stream). */
async function download(state: TaskState): Promise<unknown> {
  const { url } = state.result as { url: string };
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
  return response.json();
}

main(process.argv[2] ?? 'exports.json').catch((error: unknown) => {
  // A TaskTimeoutError when the deadline passes: its `batch` says how far the exports got.
  console.error(error);
  process.exitCode = 1;
});
