import type {
  ApplyOptions,
  ClusterClient,
  DeleteOptions,
  KindRef,
  KubeObject,
  ListOptions,
  LogLine,
  LogOptions,
  ObjectList,
  ObjectRef,
  PodTarget,
  WatchEvent,
  WatchOptions,
} from '../../src/core/ports/cluster.js';
import type { RequestSubject } from './errors.js';
import { podLogs } from './logs.js';
import { ResourceCatalog, resourcePath, type ResourceInfo } from './resources.js';
import type { KubeTransport } from './transport.js';
import { watchObjects } from './watch.js';

/** The field manager of every apply: what `kubectl get --show-managed-fields` shows as mlops's. */
const FIELD_MANAGER = 'mlops';

/** The ClusterClient port over the Kubernetes REST API (server-side apply, get/list/delete, watch, logs). */
export class KubeClusterClient implements ClusterClient {
  readonly context: string;
  readonly server: string;
  private readonly resources: ResourceCatalog;

  constructor(private readonly transport: KubeTransport) {
    this.context = transport.target.context;
    this.server = transport.target.server;
    this.resources = new ResourceCatalog(transport);
  }

  async serverVersion(signal?: AbortSignal): Promise<string> {
    const { body } = await this.transport.call<{ readonly gitVersion?: string }>({
      method: 'GET',
      path: '/version',
      signal,
      subject: { verb: 'get', resource: 'version', group: '' },
    });
    return body?.gitVersion ?? 'unknown';
  }

  async proxyGet(target: PodTarget, path: string, signal?: AbortSignal): Promise<unknown> {
    const { namespace, pod, port } = target;
    const { body } = await this.transport.call<unknown>({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}:${port}/proxy${path}`,
      signal,
      subject: {
        verb: 'get',
        resource: 'pods/proxy',
        group: '',
        namespace,
        object: `Pod ${namespace}/${pod}`,
      },
    });
    return body;
  }

  async apply<T extends KubeObject>(object: T, options: ApplyOptions = {}): Promise<T> {
    const { info, namespace, subject } = await this.locate('patch', object, options.signal);
    const { body } = await this.transport.call<T>({
      method: 'PATCH',
      path: resourcePath(info, namespace, object.metadata.name),
      query: {
        fieldManager: FIELD_MANAGER,
        force: options.forceConflicts,
        dryRun: options.dryRun ? 'All' : undefined,
        fieldValidation: 'Strict',
      },
      // JSON is YAML: the apply patch type takes the object as built
      body: object,
      contentType: 'application/apply-patch+yaml',
      signal: options.signal,
      subject,
    });
    return body as T;
  }

  async get<T extends KubeObject>(ref: ObjectRef, signal?: AbortSignal): Promise<T | undefined> {
    const { info, namespace, subject } = await this.locate('get', ref, signal);
    const { status, body } = await this.transport.call<T>(
      { method: 'GET', path: resourcePath(info, namespace, ref.name), signal, subject },
      [404],
    );
    return status === 404 ? undefined : body;
  }

  async list<T extends KubeObject>(kind: KindRef, options: ListOptions = {}): Promise<ObjectList<T>> {
    const { info, namespace, subject } = await this.locate('list', kind, options.signal);
    const { body } = await this.transport.call<{
      readonly items?: readonly Omit<T, 'apiVersion' | 'kind'>[];
      readonly metadata?: { readonly resourceVersion?: string };
    }>({
      method: 'GET',
      path: resourcePath(info, namespace),
      query: { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector },
      signal: options.signal,
      subject,
    });
    // a list's items carry no apiVersion and kind: the list's kind is theirs
    const items = (body?.items ?? []).map(
      (item) => ({ ...item, apiVersion: kind.apiVersion, kind: kind.kind }) as T,
    );
    return { items, resourceVersion: body?.metadata?.resourceVersion ?? '' };
  }

  async delete(ref: ObjectRef, options: DeleteOptions = {}): Promise<boolean> {
    const { info, namespace, subject } = await this.locate('delete', ref, options.signal);
    const { status } = await this.transport.call(
      {
        method: 'DELETE',
        path: resourcePath(info, namespace, ref.name),
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: options.propagationPolicy },
        signal: options.signal,
        subject,
      },
      [404],
    );
    return status !== 404;
  }

  async *watch<T extends KubeObject>(kind: KindRef, options: WatchOptions): AsyncIterable<WatchEvent<T>> {
    const { info, namespace, subject } = await this.locate('watch', kind, options.signal);
    yield* watchObjects<T>(
      {
        transport: this.transport,
        path: resourcePath(info, namespace),
        subject,
        list: (signal) =>
          this.list<T>(kind, {
            labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector,
            signal,
          }),
      },
      options,
    );
  }

  logs(namespace: string, pod: string, options?: LogOptions): AsyncIterable<LogLine> {
    return podLogs(this.transport, namespace, pod, options);
  }

  /** The kind's REST resource, the namespace the request goes to, and what it is, for messages. */
  private async locate(
    verb: string,
    ref: KindRef & {
      readonly name?: string;
      readonly metadata?: { readonly name: string; readonly namespace?: string };
    },
    signal: AbortSignal | undefined,
  ): Promise<{
    readonly info: ResourceInfo;
    readonly namespace: string | undefined;
    readonly subject: RequestSubject;
  }> {
    const info = await this.resources.resolve(ref, signal);
    const name = ref.name ?? ref.metadata?.name;
    // a namespaced object without a namespace goes where kubectl would send it without -n
    const namespace = info.namespaced ? (ref.namespace ?? ref.metadata?.namespace ?? 'default') : undefined;
    const object = name ? `${ref.kind} ${namespace ? `${namespace}/` : ''}${name}` : undefined;
    return {
      info,
      namespace,
      subject: {
        verb,
        resource: info.plural,
        group: info.group,
        ...(namespace ? { namespace } : {}),
        ...(object ? { object } : {}),
      },
    };
  }
}
