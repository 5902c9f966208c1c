/** The three providers the fake server imitates. */
export type ProviderName = 'stream' | 'mobizon' | 'postman';

/** Every endpoint the fake server answers, by name (used to place faults and in the request log). */
export type RouteName =
  | 'stream:get-task'
  | 'stream:legacy-get-task'
  | 'mobizon:get-status'
  | 'postman:collection-update-task'
  | 'postman:collection-merge-task'
  | 'postman:collection-duplicate-task'
  | 'postman:generation-task'
  | 'postman:api-task';

export const PROVIDER_NAMES: readonly ProviderName[] = ['stream', 'mobizon', 'postman'];

interface RouteDefinition {
  readonly name: RouteName;
  readonly provider: ProviderName;
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  /** Names of the pattern's capture groups, in order. */
  readonly params: readonly ('id' | 'apiId' | 'elementType' | 'elementId')[];
}

// Mobizon's PHP routing does not care about case (its docs spell the path both ways); the others do.
const ROUTES: readonly RouteDefinition[] = [
  { name: 'stream:get-task', provider: 'stream', method: 'GET', pattern: /^\/api\/v2\/tasks\/([^/]+)$/, params: ['id'] },
  { name: 'stream:legacy-get-task', provider: 'stream', method: 'GET', pattern: /^\/tasks\/([^/]+)$/, params: ['id'] },
  // Mobizon reads GET and POST alike (its docs: "GET and POST"); `checkRequestShape: true` refuses the GET itself.
  { name: 'mobizon:get-status', provider: 'mobizon', method: 'POST', pattern: /^\/service\/taskqueue\/getstatus$/i, params: [] },
  { name: 'mobizon:get-status', provider: 'mobizon', method: 'GET', pattern: /^\/service\/taskqueue\/getstatus$/i, params: [] },
  { name: 'postman:collection-update-task', provider: 'postman', method: 'GET', pattern: /^\/collection-updates-tasks\/([^/]+)$/, params: ['id'] },
  { name: 'postman:collection-merge-task', provider: 'postman', method: 'GET', pattern: /^\/collection-merges-tasks\/([^/]+)$/, params: ['id'] },
  { name: 'postman:collection-duplicate-task', provider: 'postman', method: 'GET', pattern: /^\/collection-duplicate-tasks\/([^/]+)$/, params: ['id'] },
  { name: 'postman:generation-task', provider: 'postman', method: 'GET', pattern: /^\/(collections|specs)\/([^/]+)\/tasks\/([^/]+)$/, params: ['elementType', 'elementId', 'id'] },
  { name: 'postman:api-task', provider: 'postman', method: 'GET', pattern: /^\/apis\/([^/]+)\/tasks\/([^/]+)$/, params: ['apiId', 'id'] },
];

export const ROUTE_NAMES: readonly RouteName[] = [...new Set(ROUTES.map((route) => route.name))];

/** A request's route, with its path parameters decoded. */
export interface RouteMatch {
  readonly name: RouteName;
  readonly provider: ProviderName;
  readonly params: { readonly id?: string; readonly apiId?: string; readonly elementType?: string; readonly elementId?: string };
}

/** What the route table says about a method and path: a route, or why there is none. */
export type RouteLookup =
  | { readonly found: true; readonly route: RouteMatch }
  | { readonly found: false; readonly status: 404 }
  | { readonly found: false; readonly status: 405; readonly allow: string };

export function findRoute(method: string, path: string): RouteLookup {
  const onPath = ROUTES.map((route) => ({ route, match: route.pattern.exec(path) })).filter((candidate) => candidate.match !== null);
  const hit = onPath.find(({ route }) => route.method === method);
  if (hit === undefined) {
    if (onPath.length === 0) return { found: false, status: 404 };
    return { found: false, status: 405, allow: [...new Set(onPath.map(({ route }) => route.method))].join(', ') };
  }
  const params: { id?: string; apiId?: string; elementType?: string; elementId?: string } = {};
  const groups = (hit.match as RegExpExecArray).slice(1);
  for (const [index, name] of hit.route.params.entries()) {
    const decoded = decodeSegment(groups[index] ?? '');
    if (decoded === undefined) return { found: false, status: 404 };
    params[name] = decoded;
  }
  return { found: true, route: { name: hit.route.name, provider: hit.route.provider, params } };
}

export function providerOfRoute(name: RouteName): ProviderName {
  return (ROUTES.find((route) => route.name === name) as RouteDefinition).provider;
}

function decodeSegment(segment: string): string | undefined {
  try {
    const decoded = decodeURIComponent(segment);
    return decoded === '' ? undefined : decoded;
  } catch {
    return undefined;
  }
}
