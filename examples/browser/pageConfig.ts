// What the example page follows, read from its query string, so one page works
// against any fake provider server (the test's, or the one `demo.ts` starts).
//
//   ?server=http://127.0.0.1:PORT
//   &streamKey=…&streamToken=…&mobizonKey=…&postmanKey=…
//   &task=stream:ID &task=mobizon:ID &task=postman:ID &task=postman-merge:ID &task=postman-api:API_ID/ID
//
// Keys in a URL are fine for a fake server on loopback and nowhere else: a real
// page holds no provider credentials (docs/browser.md: point `baseUrl` at your
// own back end, which adds them).

/** One task the page follows. `postman` is a collection update task. */
export type ExampleTask =
  | { readonly kind: 'stream' | 'mobizon' | 'postman' | 'postman-merge'; readonly id: string }
  | { readonly kind: 'postman-api'; readonly id: string; readonly apiId: string };

/** The provider a task belongs to: one source, one budget and one server each. */
export type ExampleProvider = 'stream' | 'mobizon' | 'postman';

/** How the page names each provider to its user. */
export const PROVIDER_NAMES: Readonly<Record<ExampleProvider, string>> = { stream: 'Stream', mobizon: 'Mobizon', postman: 'Postman' };

export interface PageCredentials {
  readonly streamKey?: string;
  /** A Stream server token, signed where the API secret lives (never in the page). */
  readonly streamToken?: string;
  readonly mobizonKey?: string;
  readonly postmanKey?: string;
}

export interface PageConfig {
  /** The base URL of all three providers on the fake server. */
  readonly server: string;
  readonly credentials: PageCredentials;
  readonly tasks: readonly ExampleTask[];
}

const KINDS: ReadonlySet<string> = new Set(['stream', 'mobizon', 'postman', 'postman-merge', 'postman-api']);
const CREDENTIALS = ['streamKey', 'streamToken', 'mobizonKey', 'postmanKey'] as const;

/** The name a task goes by on the page and in `combineTasks`' record: `kind:id`. */
export function taskKey(task: ExampleTask): string {
  return `${task.kind}:${task.id}`;
}

export function providerOf(task: ExampleTask): ExampleProvider {
  return task.kind === 'postman-merge' || task.kind === 'postman-api' ? 'postman' : task.kind;
}

/** Reads `location.search`; an `Error` says what is missing or malformed. */
export function readPageConfig(search: string): PageConfig {
  const query = new URLSearchParams(search);
  const server = query.get('server');
  if (server === null || !/^https?:\/\//.test(server)) throw new Error('Expected `server` in the query string: the fake server URL, such as http://127.0.0.1:PORT.');
  const credentials: { -readonly [K in keyof PageCredentials]: PageCredentials[K] } = {};
  for (const name of CREDENTIALS) {
    const value = query.get(name);
    if (value !== null && value !== '') credentials[name] = value;
  }
  const tasks = query.getAll('task').map(parseTask);
  if (tasks.length === 0) throw new Error('Expected at least one `task=kind:id` in the query string.');
  return { server, credentials, tasks };
}

/** The query string that makes the page follow `config`: the inverse of {@link readPageConfig}. */
export function pageQuery(config: PageConfig): string {
  const query = new URLSearchParams({ server: config.server });
  for (const name of CREDENTIALS) {
    const value = config.credentials[name];
    if (value !== undefined) query.set(name, value);
  }
  for (const task of config.tasks) query.append('task', `${task.kind}:${task.kind === 'postman-api' ? `${task.apiId}/${task.id}` : task.id}`);
  return `?${query.toString()}`;
}

function parseTask(text: string): ExampleTask {
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon);
  const ref = text.slice(colon + 1);
  if (colon <= 0 || !KINDS.has(kind) || ref === '') {
    throw new Error(`Expected \`task\` as kind:id with kind one of ${[...KINDS].join(', ')}, got ${JSON.stringify(text)}.`);
  }
  if (kind !== 'postman-api') return { kind: kind as Exclude<ExampleTask['kind'], 'postman-api'>, id: ref };
  const [apiId = '', id = ''] = ref.split('/');
  if (apiId === '' || id === '') throw new Error(`Expected a Postman API task as postman-api:API_ID/TASK_ID, got ${JSON.stringify(text)}.`);
  return { kind, id, apiId };
}
