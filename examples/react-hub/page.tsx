// The React page: one live row per task and a bar for the whole batch, read
// from this server's task hub with the hooks of docs/react.md. The page holds
// no provider key and runs no provider code: the hub polls, the page listens.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { hubTasks, TaskError, whenDocumentHidden } from 'rx-task-status';
import { useTaskBatch } from '../../docs/examples/react/useTaskBatch.js';
import { useTaskState } from '../../docs/examples/react/useTaskState.js';

// Once for the page: every row and the batch bar share its one connection, and
// a task watched by a row and by the bar is one watch on the hub.
const mobizon = hubTasks({ url: '/tasks', provider: 'mobizon', pauseWhen: whenDocumentHidden() });

const percent = (fraction = 0) => `${Math.floor(fraction * 100)}%`;

/** One task: waiting, then each state the hub sends, to completed, failed or an error. */
function TaskRow({ id }: { id: string }) {
  const { value: state, error } = useTaskState(mobizon, id);
  let text: string;
  if (error !== undefined) text = `error: ${error instanceof TaskError ? error.message : 'unexpected error'}`;
  else if (state === undefined) text = 'waiting';
  else if (state.status === 'failed') text = `failed: ${state.error?.message ?? state.providerStatus}`;
  else text = `${state.status} ${percent(state.progress)}`;
  return (
    <li data-task={id} data-status={error === undefined ? (state?.status ?? 'waiting') : 'error'}>
      <span className="id">{id}</span>
      <progress max={1} value={state?.progress ?? 0} />
      <span>{text}</span>
    </li>
  );
}

/** The batch as one bar: `progress` reaches 1 once every task has settled, failed ones included. */
function BatchBar({ ids }: { ids: readonly string[] }) {
  const { value: batch } = useTaskBatch(mobizon, ids);
  if (batch === undefined) return <p id="batch">{ids.length} tasks: waiting</p>;
  const { counts, total, progress, done } = batch;
  return (
    <p id="batch" data-done={done}>
      <progress max={1} value={progress} />
      <span>
        {percent(progress)}: {counts.completed} of {total} completed
        {counts.failed > 0 ? `, ${counts.failed} failed` : ''}
        {done ? '' : '…'}
      </span>
    </p>
  );
}

function App({ ids }: { ids: readonly string[] }) {
  return (
    <main>
      <h1>Mobizon tasks</h1>
      <BatchBar ids={ids} />
      <ul>
        {ids.map((id) => (
          <TaskRow key={id} id={id} />
        ))}
      </ul>
    </main>
  );
}

// The server writes the batch's task ids into the page.
const root = document.getElementById('root') as HTMLElement;
createRoot(root).render(
  <StrictMode>
    <App ids={(root.dataset.tasks ?? '').split(' ')} />
  </StrictMode>,
);

// An ES module, said outright: the repository's package.json says CommonJS, and a
// bundler reads a file with no export by it (wrapping every module it imports).
export {};
