import type { KindRef } from '../../src/core/ports/cluster.js';
import { notServed } from './errors.js';
import type { KubeTransport } from './transport.js';

/** Where a kind lives in the REST API. */
export interface ResourceInfo {
  /** API group ('' for core/v1). */
  readonly group: string;
  readonly version: string;
  /** The plural resource name: `deployments`. */
  readonly plural: string;
  readonly namespaced: boolean;
}

/** The kinds mlops applies and reads (DESIGN.md §10): known without asking the server. */
const KNOWN: Readonly<Record<string, readonly [plural: string, namespaced: boolean]>> = {
  'v1/Namespace': ['namespaces', false],
  'v1/ServiceAccount': ['serviceaccounts', true],
  'v1/Pod': ['pods', true],
  'v1/Service': ['services', true],
  'v1/ConfigMap': ['configmaps', true],
  'v1/Secret': ['secrets', true],
  'v1/Event': ['events', true],
  'apps/v1/Deployment': ['deployments', true],
  'apps/v1/ReplicaSet': ['replicasets', true],
  'batch/v1/Job': ['jobs', true],
  'autoscaling/v2/HorizontalPodAutoscaler': ['horizontalpodautoscalers', true],
  'policy/v1/PodDisruptionBudget': ['poddisruptionbudgets', true],
  'networking.k8s.io/v1/NetworkPolicy': ['networkpolicies', true],
  'monitoring.coreos.com/v1/ServiceMonitor': ['servicemonitors', true],
  'monitoring.coreos.com/v1/PrometheusRule': ['prometheusrules', true],
  'networking.istio.io/v1/VirtualService': ['virtualservices', true],
  'networking.istio.io/v1/DestinationRule': ['destinationrules', true],
};

function splitApiVersion(apiVersion: string): { readonly group: string; readonly version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The kind's REST resource from the table, else from the server's discovery document (cached). */
export class ResourceCatalog {
  private readonly discovered = new Map<string, Promise<Map<string, ResourceInfo>>>();

  constructor(private readonly transport: KubeTransport) {}

  async resolve(kind: Pick<KindRef, 'apiVersion' | 'kind'>, signal?: AbortSignal): Promise<ResourceInfo> {
    const { group, version } = splitApiVersion(kind.apiVersion);
    const known = KNOWN[`${kind.apiVersion}/${kind.kind}`];
    if (known) return { group, version, plural: known[0], namespaced: known[1] };
    let pending = this.discovered.get(kind.apiVersion);
    if (!pending) {
      pending = this.discover(group, version, signal);
      pending.catch(() => this.discovered.delete(kind.apiVersion));
      this.discovered.set(kind.apiVersion, pending);
    }
    const info = (await pending).get(kind.kind);
    if (!info) throw notServed(`${kind.kind} (${kind.apiVersion})`, this.transport.target.server);
    return info;
  }

  private async discover(
    group: string,
    version: string,
    signal?: AbortSignal,
  ): Promise<Map<string, ResourceInfo>> {
    const { status, body } = await this.transport.call<{
      readonly resources?: readonly {
        readonly name: string;
        readonly kind: string;
        readonly namespaced: boolean;
      }[];
    }>(
      {
        method: 'GET',
        path: group ? `/apis/${group}/${version}` : `/api/${version}`,
        signal,
        subject: { verb: 'get', resource: 'discovery', group },
      },
      [404],
    );
    const byKind = new Map<string, ResourceInfo>();
    if (status === 404) return byKind;
    for (const resource of body?.resources ?? []) {
      // `deployments/status` and the like are subresources, not the kind's collection
      if (!resource.name.includes('/'))
        byKind.set(resource.kind, { group, version, plural: resource.name, namespaced: resource.namespaced });
    }
    return byKind;
  }
}

/** The collection path of a kind (in a namespace when it is namespaced), or one object's path with `name`. */
export function resourcePath(info: ResourceInfo, namespace: string | undefined, name?: string): string {
  const root = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${info.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}
