// What the example page follows, read from its query string:
//
//   ?task=stream:ID &task=mobizon:ID &task=postman:ID &task=postman:merge:ID &task=postman:API_ID/ID
//   [&hub=URL]   (default /tasks: the task hub of the server that served the page)
//
// A task is named as the hub names it: the hub's source (`stream`, `mobizon`,
// `postman`) and the ref as that source writes it (`source.formatRef`). The
// page holds no key and no provider code: the hub, on the server, has both.

/** The sources the example's hub offers, by the names pages use. */
export type ExampleProvider = 'stream' | 'mobizon' | 'postman';

/** One task the page follows: its source on the hub, and its ref as text (`merge:ID`, `API_ID/ID`). */
export interface ExampleTask {
  readonly provider: ExampleProvider;
  readonly ref: string;
}

/** How the page names each provider to its user. */
export const PROVIDER_NAMES: Readonly<Record<ExampleProvider, string>> = { stream: 'Stream', mobizon: 'Mobizon', postman: 'Postman' };

export interface PageConfig {
  /** The task hub's URL: a path of the page's own origin, or another origin's hub. */
  readonly hub: string;
  readonly tasks: readonly ExampleTask[];
}

/** Where the example server mounts its hub. */
export const DEFAULT_HUB = '/tasks';

/** The name a task goes by on the page and in `combineTasks`' record: `provider:ref`. */
export function taskKey(task: ExampleTask): string {
  return `${task.provider}:${task.ref}`;
}

/** Reads `location.search`; an `Error` says what is missing or malformed. */
export function readPageConfig(search: string): PageConfig {
  const query = new URLSearchParams(search);
  const tasks = query.getAll('task').map(parseTask);
  if (tasks.length === 0) throw new Error('Expected at least one `task=provider:ref` in the query string.');
  return { hub: query.get('hub') ?? DEFAULT_HUB, tasks };
}

/** The query string that makes the page follow `config`: the inverse of {@link readPageConfig}. */
export function pageQuery(config: PageConfig): string {
  const query = new URLSearchParams();
  if (config.hub !== DEFAULT_HUB) query.set('hub', config.hub);
  for (const task of config.tasks) query.append('task', taskKey(task));
  return `?${query.toString()}`;
}

function parseTask(text: string): ExampleTask {
  const colon = text.indexOf(':');
  const provider = text.slice(0, colon);
  const ref = text.slice(colon + 1);
  if (colon <= 0 || !Object.hasOwn(PROVIDER_NAMES, provider) || ref === '') {
    throw new Error(`Expected \`task\` as provider:ref with provider one of ${Object.keys(PROVIDER_NAMES).join(', ')}, got ${JSON.stringify(text)}.`);
  }
  return { provider: provider as ExampleProvider, ref };
}
