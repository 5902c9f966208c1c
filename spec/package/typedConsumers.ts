// TypeScript programs that use every entry point of the installed package, checked under each
// module resolution a user may compile with (node10, node16, bundler), with the strictest options
// and without skipLibCheck: the package's own declaration files are checked under those options.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

/** What every consumer imports, per entry point: its main names, values then types. */
const IMPORTS: Readonly<Record<string, { readonly values: readonly string[]; readonly types: readonly string[] }>> = {
  'rx-task-status': {
    values: ['combineTasks', 'defineProvider', 'hubTasks', 'isTerminal', 'postmanTasks', 'TaskNotFoundError', 'untilTerminal', 'waitForTask', 'whenDocumentHidden', 'withTimeout'],
    types: ['TaskError', 'TaskErrorCode', 'TaskSource', 'TaskSourceFactory', 'TaskState'],
  },
  'rx-task-status/provider': { values: ['httpFailure', 'parseJsonBody', 'parseRetryAfter'], types: ['DecodeResult', 'HttpResponse', 'ProviderDefinition', 'RequestBudget'] },
  'rx-task-status/redis': { values: ['redisBudget', 'redisCoordination'], types: ['RedisCoordinationOptions'] },
  'rx-task-status/hub': { values: ['createTaskHub'], types: ['HubSource', 'HubTaskRequest', 'TaskHub', 'TaskHubOptions'] },
  'rx-task-status/testing': {
    values: ['acceleratedTime', 'FAKE_CREDENTIALS', 'generateScenario', 'maxInAnyWindow', 'startFakeProviderServer'],
    types: ['FakeProviderServer', 'Fault', 'RequestLogEntry', 'TaskSpec'],
  },
};
/** The main entry's Node-only adapters, which the browser build leaves out. */
const NODE_ONLY = ['toNdjson', 'toReadable'];

const valuesOf = (entry: string, forNode: boolean) => [...(IMPORTS[entry]?.values ?? []), ...(forNode && entry === 'rx-task-status' ? NODE_ONLY : [])];

/** `import { a, type T } from '…'`, as ES modules import. */
function esmImports(forNode: boolean): string {
  return Object.entries(IMPORTS)
    .map(([entry, { types }]) => `import { ${[...valuesOf(entry, forNode), ...types.map((name) => `type ${name}`)].join(', ')} } from '${entry}';`)
    .join('\n');
}

/** `import x = require('…')`, the CommonJS import that verbatimModuleSyntax requires, with the types imported apart. */
function cjsImports(forNode: boolean): string {
  return Object.entries(IMPORTS)
    .flatMap(([entry, { types }]) => {
      const name = entry.replace(/[-/](\w)/g, (_, letter: string) => letter.toUpperCase());
      return [`import ${name} = require('${entry}');`, `import type { ${types.join(', ')} } from '${entry}';`, `const { ${valuesOf(entry, forNode).join(', ')} } = ${name};`];
    })
    .join('\n');
}

// Every entry point's main names, typed; `@ts-expect-error` lines prove the types are not `any`.
const BODY = `
// rx-task-status
const state: TaskState = { provider: 'acme', id: '1', status: 'running', providerStatus: 'r', raw: null };
const done: boolean = isTerminal(state);
const error: TaskError = new TaskNotFoundError('gone');
const code: TaskErrorCode = error.code;
// rx-task-status/provider
type AcmeOptions = { readonly token: string };
const definition: ProviderDefinition<AcmeOptions, string, string> = {
  name: 'acme',
  defaults: { interval: 1000, maxRequestsPerSecond: 1 },
  setup: ({ token }) => ({ baseUrl: 'https://example.com', context: token, secrets: [token] }),
  identify: (ref) => ({ id: ref }),
  request: ({ id, context }) => ({ method: 'GET', path: \`/tasks/\${id}\`, headers: { authorization: context } }),
  decode: (response: HttpResponse, { id }): DecodeResult => {
    if (response.status !== 200) return { _tag: 'Left', left: httpFailure({ response, what: \`Acme task \${id}\` }) };
    const body = parseJsonBody(response, \`Acme task \${id}\`);
    return body._tag === 'Left' ? body : { _tag: 'Right', right: { status: 'completed', providerStatus: 'done', raw: body.right } };
  },
};
const acmeTasks: TaskSourceFactory<AcmeOptions, string> = defineProvider(definition);
const acme: TaskSource<string> = acmeTasks({ token: 't', interval: 500 });
const retryAfter: number | undefined = parseRetryAfter('2', 0);
const finished: Promise<TaskState> = waitForTask(acme.watch('1').pipe(untilTerminal(), withTimeout({ total: 60_000 })));
const page: TaskSource<string> = hubTasks({ url: 'https://app.example.com/tasks', provider: 'postman', pauseWhen: whenDocumentHidden() });
combineTasks({ acme: acme.watch('1'), page: page.watch('merge:m1') }).subscribe((batch) => {
  const first: TaskState | undefined = batch.tasks.acme;
  console.log(first?.status, batch.progress, done, code, retryAfter, finished);
});
// @ts-expect-error: a task source watches a reference, not a number
acme.watch(1);
// rx-task-status/redis
const budget: RequestBudget = redisBudget({ client: {}, key: 'postman:team-42', maxRequestsPerSecond: 5 });
const redisOptions: RedisCoordinationOptions = { client: {}, prefix: 'tasks', leaseMs: 10_000 };
const postman = postmanTasks({ apiKey: 'key', budget, coordination: redisCoordination(redisOptions) });
// @ts-expect-error: leaseMs is a number of milliseconds
redisCoordination({ client: {}, prefix: 'tasks', leaseMs: '10s' });
// rx-task-status/hub
const authorize = (request: IncomingMessage, task: HubTaskRequest): Promise<boolean> => Promise.resolve(request.headers.cookie !== undefined && task.provider === 'postman');
const source: HubSource = postman;
const hubOptions: TaskHubOptions = { sources: { postman: source }, authorize, basePath: '/tasks', keepAliveMs: 15_000, allowOrigins: ['https://app.example.com'] };
const hub: TaskHub = createTaskHub(hubOptions);
const closed: Promise<void> = hub.close();
// @ts-expect-error: a hub without authorize is not a hub
createTaskHub({ sources: { postman: source } });
// rx-task-status/testing
const spec: TaskSpec = { provider: 'mobizon', steps: [{ at: 0, status: 1, progress: 10 }] };
const fault: Fault = { kind: 'rate-limited', answeredBy: 'gateway', retryAfterAs: 'http-date' };
async function run(): Promise<RequestLogEntry[]> {
  const server: FakeProviderServer = await startFakeProviderServer({ clock: acceleratedTime(10).now, mobizon: { strict: true } });
  server.tasks.create(spec);
  server.faults.add(fault, { provider: 'mobizon' });
  // @ts-expect-error: a Mobizon status is a number
  server.tasks.create({ provider: 'mobizon', steps: [{ at: 0, status: 'running' }] });
  const first: TaskSpec | undefined = generateScenario({ seed: 3, count: 3 })[0];
  console.log(first?.provider, FAKE_CREDENTIALS.postman.apiKey, maxInAnyWindow([0, 10, 2000], 1000), closed);
  await server.close();
  return server.log.entries();
}
`;

// The main entry's Node-only stream adapters.
const NODE_ONLY_USE = `
const lines = toReadable(acme.watch('1')).pipe(toNdjson());
// @ts-expect-error: a stream of lines is not a string
const text: string = lines;
`;

const NODE_TYPES = "import type { IncomingMessage } from 'node:http';";

export interface TypeCheck {
  /** Every error, formatted `file(line,col): error TSnnnn: …`. */
  readonly errors: string[];
  /** The package's files in the program, relative to the package folder: all of them were checked. */
  readonly packageFiles: string[];
}

/** The options every consumer compiles with, the module settings apart. */
const STRICT: ts.CompilerOptions = {
  noEmit: true,
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  skipLibCheck: false,
  target: ts.ScriptTarget.ES2022,
  types: ['node'],
};

/**
 * The module settings of each resolution mode, and the consumer files written for it. Programs for
 * Node get no DOM library: the package's types must not need one there.
 */
const MODES = {
  // TypeScript's older resolution: no exports map; the subpaths come from typesVersions. CommonJS, so `import = require`.
  node10: {
    options: { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, lib: ['lib.es2022.d.ts'] },
    forNode: true,
    files: { 'node10.ts': cjsImports },
  },
  // Node's own: the .mts file resolves the import conditions, the .cts file the require ones.
  node16: {
    options: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, lib: ['lib.es2022.d.ts'] },
    forNode: true,
    files: { 'node16.mts': esmImports, 'node16.cts': cjsImports },
  },
  // A bundler building for browsers: the main entry is the portable build, without the Node-only
  // adapters; the subpaths have no browser build and resolve to their ES modules.
  bundler: {
    options: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, customConditions: ['browser'], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] },
    forNode: false,
    files: { 'bundler.ts': () => `${esmImports(false)}\n// @ts-expect-error: the Node-only adapter is not in the browser build\nimport { toReadable } from 'rx-task-status';` },
  },
} satisfies Record<string, { options: ts.CompilerOptions; forNode: boolean; files: Record<string, (forNode: boolean) => string> }>;

export type ResolutionMode = keyof typeof MODES;
export const RESOLUTION_MODES = Object.keys(MODES) as ResolutionMode[];

/**
 * Writes the consumers of `mode` into `folder` (where the package is installed) and checks them in
 * one program. Only the consumers and the package's own declaration files are asked for their
 * errors: the declarations of the package's dependencies and of Node are not ours to check.
 */
export function typeCheck(folder: string, mode: ResolutionMode, typeRoots: string): TypeCheck {
  const { options, forNode, files } = MODES[mode];
  const roots = Object.entries(files).map(([name, imports]) => {
    const path = resolve(folder, name);
    writeFileSync(path, [NODE_TYPES, imports(forNode), BODY, forNode ? NODE_ONLY_USE : ''].join('\n'));
    return path;
  });
  const program = ts.createProgram(roots, { ...STRICT, ...options, typeRoots: [typeRoots] });
  const packageFolder = join(resolve(folder), 'node_modules', 'rx-task-status') + '/';
  const packageFiles = program.getSourceFiles().filter(({ fileName }) => fileName.startsWith(packageFolder));
  const checked = [...program.getSourceFiles().filter(({ fileName }) => roots.includes(fileName)), ...packageFiles];
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...checked.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
  ];
  const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => folder, getNewLine: () => '\n' };
  return {
    errors: diagnostics.map((diagnostic) => ts.formatDiagnostic(diagnostic, host).trim()),
    packageFiles: packageFiles.map(({ fileName }) => fileName.slice(packageFolder.length)).sort(),
  };
}
