import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { Cluster, PropagationPolicy, WriteOptions } from './cluster.js';
import { PATCH_TYPES } from './cluster.js';
import { VERSION, apiGroupList, apiResourceList, apiVersions, table } from './discovery.js';
import type { Kind } from './kinds.js';
import { groupVersion, kindByResource, mustKind } from './kinds.js';
import type { PodPorts } from './controllers/pod-ports.js';
import type { PodLogs } from './logs.js';
import type { KubeObject } from './objects.js';
import { isObject } from './objects.js';
import { openapiGroupVersion, openapiRoot } from './openapi.js';
import type { ForbidRule } from './rbac.js';
import { checkAccess } from './rbac.js';
import { fieldSelector, labelSelector } from './selectors.js';
import { KubeError, badRequest, methodNotAllowed, unauthorized } from './status.js';
import type { Watches } from './watch.js';

export interface RequestRecord {
  readonly method: string;
  /** The path without the query: `/apis/batch/v1/namespaces/training/jobs`. */
  readonly path: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly watch: boolean;
}

export interface RouteContext {
  readonly cluster: Cluster;
  readonly watches: Watches;
  readonly logs: PodLogs;
  /** Where running pods' container ports listen, for the pod proxy. */
  readonly ports: PodPorts;
  readonly token: string;
  readonly address: () => string;
  readonly rules: readonly ForbidRule[];
  readonly requests: RequestRecord[];
}

interface Target {
  readonly kind: Kind;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

const json = (
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string, contentType: string): unknown {
  if (!text) return undefined;
  try {
    return contentType.startsWith(PATCH_TYPES.apply)
      ? (parseYaml(text) as unknown)
      : (JSON.parse(text) as unknown);
  } catch (error) {
    throw badRequest(`error decoding request body: ${(error as Error).message}`);
  }
}

/** `/api/v1/namespaces/ns/pods/name/log` → pods in ns, name, subresource log. */
function resolveTarget(segments: readonly string[]): Target | undefined {
  const core = segments[0] === 'api';
  const [group, version] = core ? ['', segments[1] ?? ''] : [segments[1] ?? '', segments[2] ?? ''];
  let rest = segments.slice(core ? 2 : 3);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource = '', name, subresource] = rest;
  const kind = kindByResource(group, version, resource);
  if (!kind || rest.length > 3) return undefined;
  return {
    kind,
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
    ...(subresource ? { subresource } : {}),
  };
}

const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch' };

/** Serves one request: auth, discovery, and the typed routes; every failure is a Status. */
export async function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  const query = url.searchParams;
  const watching = query.get('watch') === '1' || query.get('watch') === 'true';
  ctx.requests.push({
    method: req.method ?? 'GET',
    path: url.pathname,
    url: `${url.pathname}${url.search}`,
    watch: watching,
  });
  try {
    if (req.headers.authorization !== `Bearer ${ctx.token}`) throw unauthorized();
    const segments = url.pathname.split('/').filter(Boolean);
    const path = `/${segments.join('/')}`;
    if (req.method === 'GET') {
      if (path === '/version') return json(res, 200, VERSION);
      if (['/healthz', '/livez', '/readyz'].includes(path)) return void res.end('ok');
      if (path === '/api') return json(res, 200, apiVersions(ctx.address()));
      if (path === '/apis') return json(res, 200, apiGroupList());
      if (path === '/openapi/v3') return json(res, 200, openapiRoot());
      const openapi = path.startsWith('/openapi/v3/') ? openapiGroupVersion(path) : undefined;
      if (openapi) return json(res, 200, openapi);
      const discovery =
        segments[0] === 'api' && segments.length === 2
          ? apiResourceList('', segments[1] ?? '')
          : segments[0] === 'apis' && segments.length === 3
            ? apiResourceList(segments[1] ?? '', segments[2] ?? '')
            : undefined;
      if (discovery) return json(res, 200, discovery);
    }
    if (
      segments[0] === 'api' &&
      segments[2] === 'namespaces' &&
      segments[4] === 'pods' &&
      segments[6] === 'proxy'
    )
      return await proxyToPod(ctx, req, res, url);
    const target = segments[0] === 'api' || segments[0] === 'apis' ? resolveTarget(segments) : undefined;
    if (!target) throw new KubeError(404, 'NotFound', 'the server could not find the requested resource', {});
    await serveResource(ctx, target, req, res, query, watching);
  } catch (error) {
    if (!(error instanceof KubeError)) throw error;
    if (!res.headersSent) json(res, error.code, error.toStatus());
    else res.end();
  }
}

async function serveResource(
  ctx: RouteContext,
  target: Target,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  watching: boolean,
): Promise<void> {
  const { cluster } = ctx;
  const { kind, namespace, name, subresource } = target;
  const method = req.method ?? 'GET';
  if (subresource && !(kind.subresources as readonly string[]).includes(subresource))
    throw new KubeError(404, 'NotFound', 'the server could not find the requested resource', {});
  const verb =
    method === 'GET'
      ? name
        ? 'get'
        : watching
          ? 'watch'
          : 'list'
      : method === 'DELETE'
        ? name
          ? 'delete'
          : 'deletecollection'
        : VERBS[method];
  if (
    !verb ||
    (!name && method !== 'GET' && method !== 'POST' && method !== 'DELETE') ||
    (name && method === 'POST')
  )
    throw methodNotAllowed();
  checkAccess(ctx.rules, {
    verb,
    kind,
    ...(subresource ? { subresource } : {}),
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
  });

  if (subresource === 'log') return serveLog(ctx, target, res, query);
  const labels = labelSelector(query.get('labelSelector'));
  const fields = fieldSelector(query.get('fieldSelector'));
  const matches = (o: KubeObject): boolean => labels(o) && fields(o);
  if (verb === 'watch') {
    return ctx.watches.serve(res, {
      kind,
      ...(namespace ? { namespace } : {}),
      matches,
      ...(query.get('resourceVersion') ? { resourceVersion: query.get('resourceVersion') ?? '' } : {}),
      sendInitialEvents: query.get('sendInitialEvents') === 'true',
      allowBookmarks: query.get('allowWatchBookmarks') === 'true',
      ...(query.get('timeoutSeconds') ? { timeoutSeconds: Number(query.get('timeoutSeconds')) } : {}),
    });
  }
  if (verb === 'list') {
    const items = cluster.list(kind, namespace).filter(matches);
    if (String(req.headers.accept ?? '').includes('as=Table'))
      return json(res, 200, table(kind.kind, items, cluster.store.resourceVersion));
    return json(res, 200, {
      apiVersion: groupVersion(kind),
      kind: `${kind.kind}List`,
      metadata: { resourceVersion: cluster.store.resourceVersion },
      items,
    });
  }
  if (verb === 'get') {
    const object = cluster.get(kind, namespace, name ?? '');
    if (String(req.headers.accept ?? '').includes('as=Table'))
      return json(res, 200, table(kind.kind, [object], object.metadata.resourceVersion));
    return json(res, 200, object);
  }

  const contentType = String(req.headers['content-type'] ?? 'application/json').split(';')[0] ?? '';
  const body = parseBody(await readBody(req), contentType);
  const dryRun =
    query.getAll('dryRun').includes('All') ||
    (isObject(body) && Array.isArray(body.dryRun) && body.dryRun.includes('All'));
  const warnings: string[] = [];
  const options: WriteOptions = {
    manager:
      query.get('fieldManager') ??
      (method === 'PATCH' && contentType === PATCH_TYPES.apply
        ? ''
        : (String(req.headers['user-agent'] ?? 'unknown').split('/')[0] ?? 'unknown')),
    ...(subresource === 'status' ? { subresource: 'status' as const } : {}),
    dryRun,
    fieldValidation: query.get('fieldValidation') ?? 'Strict',
    warnings,
  };
  const headers = (): Record<string, string> =>
    warnings.length ? { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') } : {};

  if (verb === 'create') return json(res, 201, cluster.create(kind, namespace, body, options), headers());
  if (verb === 'update')
    return json(res, 200, cluster.update(kind, namespace, name ?? '', body, options), headers());
  if (verb === 'patch') {
    const existed = cluster.find(kind, namespace, name ?? '') !== undefined;
    const force = query.get('force') === 'true';
    const patched = cluster.patch(kind, namespace, name ?? '', contentType, body, { ...options, force });
    return json(res, existed ? 200 : 201, patched, headers());
  }
  const deleteOptions = isObject(body) ? body : {};
  const policy = (query.get('propagationPolicy') ?? deleteOptions.propagationPolicy) as
    PropagationPolicy | undefined;
  const grace = query.get('gracePeriodSeconds') ?? deleteOptions.gracePeriodSeconds;
  const removeOptions = {
    ...(policy ? { propagationPolicy: policy } : {}),
    ...(grace !== undefined && grace !== null ? { gracePeriodSeconds: Number(grace) } : {}),
    dryRun,
  };
  if (verb === 'deletecollection') {
    const items = cluster.list(kind, namespace).filter(matches);
    for (const item of items)
      cluster.delete(kind, item.metadata.namespace, item.metadata.name, removeOptions);
    return json(res, 200, {
      apiVersion: groupVersion(kind),
      kind: `${kind.kind}List`,
      metadata: { resourceVersion: cluster.store.resourceVersion },
      items,
    });
  }
  const deleted = cluster.delete(kind, namespace, name ?? '', removeOptions);
  return json(res, 200, deleted);
}

/** `pods/log`: kubelet's answers, including 400 for a container that has not started yet. */
function serveLog(ctx: RouteContext, target: Target, res: ServerResponse, query: URLSearchParams): void {
  const pod = ctx.cluster.get(target.kind, target.namespace, target.name ?? '');
  const spec = pod.spec as { containers: { name: string }[] };
  const names = spec.containers.map((c) => c.name);
  const container = query.get('container') ?? (names.length === 1 ? names[0] : undefined);
  if (!container)
    throw badRequest(
      `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`,
    );
  if (!names.includes(container))
    throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
  const previous = query.get('previous') === 'true';
  const log = ctx.logs.run(target.namespace ?? '', pod.metadata.name, container, previous);
  if (!log) {
    if (previous)
      throw badRequest(
        `previous terminated container "${container}" in pod "${pod.metadata.name}" not found`,
      );
    const statuses =
      (
        pod.status as
          { containerStatuses?: { name: string; state: { waiting?: { reason?: string } } }[] } | undefined
      )?.containerStatuses ?? [];
    const reason = statuses.find((s) => s.name === container)?.state.waiting?.reason ?? 'ContainerCreating';
    throw badRequest(`container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${reason}`);
  }
  const number = (key: string): number | undefined =>
    query.get(key) === null ? undefined : Number(query.get(key));
  const sinceSeconds = number('sinceSeconds');
  const tailLines = number('tailLines');
  ctx.logs.serve(res, log, {
    follow: query.get('follow') === 'true',
    timestamps: query.get('timestamps') === 'true',
    ...(query.get('sinceTime') ? { sinceTime: query.get('sinceTime') ?? '' } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(tailLines !== undefined ? { tailLines } : {}),
  });
}

const PROXY_VERBS: Record<string, string> = {
  GET: 'get',
  HEAD: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/**
 * `pods/NAME[:PORT]/proxy/PATH`: the API server forwards the request to the pod's port (80 when none is
 * named) and streams its answer back; a port where nothing listens is a 503 Status, as on a real cluster.
 */
async function proxyToPod(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const [, , , namespace = '', , target = ''] = url.pathname.split('/').filter(Boolean);
  const [name = '', portText] = decodeURIComponent(target).split(':');
  const pods = mustKind('Pod');
  const verb = PROXY_VERBS[req.method ?? 'GET'];
  if (!verb) throw methodNotAllowed();
  checkAccess(ctx.rules, { verb, kind: pods, subresource: 'proxy', namespace, name });
  const pod = ctx.cluster.get(pods, namespace, name);
  const containers = (pod.spec as { containers: { ports?: { name?: string; containerPort: number }[] }[] })
    .containers;
  const named = containers.flatMap((c) => c.ports ?? []).find((p) => p.name === portText);
  const port = portText === undefined ? 80 : (named?.containerPort ?? Number(portText));
  const local = ctx.ports.get(namespace, name, port);
  const podIP = String((pod.status as { podIP?: string } | undefined)?.podIP ?? '');
  const unreachable = (): KubeError =>
    new KubeError(
      503,
      'ServiceUnavailable',
      `error trying to reach service: dial tcp ${podIP}:${port}: connect: connection refused`,
      {},
    );
  if (local === undefined) throw unreachable();
  const prefix = `/api/${url.pathname.split('/')[2]}/namespaces/${namespace}/pods/${target}/proxy`;
  const path = `${url.pathname.slice(prefix.length) || '/'}${url.search}`;
  const { authorization: _auth, host: _host, ...headers } = req.headers;
  await new Promise<void>((resolve, reject) => {
    const forward = http.request(
      { host: '127.0.0.1', port: local, method: req.method, path, headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res).on('finish', resolve).on('error', reject);
      },
    );
    forward.on('error', () => reject(unreachable()));
    req.pipe(forward);
  });
}
