/**
 * Pure summaries of the serving objects for `mlops status`: the Deployment's health, its pods, the
 * canary's share of the traffic, the HPA, and the address clients reach the model at.
 */
import { TRACK_LABEL, VERSION_LABEL } from '../../manifests/serving/names.js';
import type { Condition, PodObject } from '../cluster-train/objects.js';
import { rolloutCounts, rolloutState, type DeploymentObject } from '../deploy/rollout.js';
import { PSI_DRIFT } from '../../ml/psi.js';
import type { KubeObject } from '../ports/cluster.js';

const REVISION = 'deployment.kubernetes.io/revision';

export interface DeploymentHealth {
  readonly name: string;
  readonly namespace: string;
  readonly desired: number;
  readonly updated: number;
  readonly ready: number;
  readonly available: number;
  /** Container restarts summed over the Deployment's pods. */
  readonly restarts: number;
  /** `kubectl rollout status`'s verdict. */
  readonly rollout: 'complete' | 'progressing' | 'deadline-exceeded';
  /** The ReplicaSet revision of the current template (`kubectl rollout history`). */
  readonly revision: string | null;
  /** When the current ReplicaSet was created: the last rollout. */
  readonly lastRollout: string | null;
  readonly image: string | null;
  /** The `mlops.dev/version` label: a version, or `alias-<alias>` for a Deployment that follows an alias. */
  readonly follows: string | null;
  readonly conditions: readonly {
    type: string;
    status: string;
    reason: string | null;
    message: string | null;
  }[];
}

export interface PodSummary {
  readonly name: string;
  readonly track: string | null;
  readonly phase: string | null;
  readonly ready: boolean;
  readonly restarts: number;
  /** The version the pod's server says it serves (`/v2/models/{name}`), null when it could not be read. */
  readonly version: string | null;
  /** Why `version` is null (not ready, the proxy refused…). */
  readonly versionError?: string;
  /** Features whose PSI passes 0.2 in the pod's drift window (its `/v2/models/{name}` metadata), worst first. */
  readonly drift?: readonly FeatureDrift[];
}

export interface FeatureDrift {
  readonly feature: string;
  readonly psi: number;
}

export interface CanaryStatus {
  readonly deployment: string;
  /** The version it is pinned to (its version label). */
  readonly version: string | null;
  /** Percent of the traffic the VirtualService sends it; null without a split. */
  readonly weight: number | null;
  readonly desired: number;
  readonly ready: number;
}

export interface HpaStatus {
  readonly name: string;
  readonly current: number;
  readonly desired: number;
  readonly min: number;
  readonly max: number;
  /** Average CPU utilisation, percent of requests: now and the target. */
  readonly cpu: { readonly current: number | null; readonly target: number | null };
}

export interface ServingAddress {
  /** `http://HOST[:PORT]` clients use; null for a ClusterIP Service (in-cluster only). */
  readonly url: string | null;
  readonly source: 'loadbalancer' | 'istio' | 'cluster-ip';
  /** The in-cluster name (`svc.ns.svc.cluster.local:port`) or the hosts of the Gateway. */
  readonly service: string;
  /** How to reach it from here when there is no external address. */
  readonly hint?: string;
}

/** Where a served version is read from: the ready pods' `/v2/models/{name}` answers. */
export type ServedVersions = ReadonlyMap<string, ServedVersion>;

/** One pod's answer: the version it serves and its drifting features, or why it could not be read. */
export type ServedVersion = { version: string; drift?: readonly FeatureDrift[] } | { error: string };

/**
 * The drifting features of a pod from its metadata's `parameters.drift.features` (feature → PSI of the
 * pod's window): those past PSI 0.2, worst first; none when the server reports no drift.
 */
export function driftingFeatures(parameters: unknown): FeatureDrift[] {
  const drift = (parameters as { drift?: { features?: unknown } } | undefined)?.drift;
  const features = drift?.features;
  if (typeof features !== 'object' || features === null) return [];
  return Object.entries(features)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > PSI_DRIFT)
    .map(([feature, psi]) => ({ feature, psi }))
    .sort((a, b) => b.psi - a.psi);
}

export interface ReplicaSetObject extends KubeObject {
  readonly status?: { readonly replicas?: number };
}

export interface ServiceObject extends KubeObject {
  readonly spec?: {
    readonly type?: string;
    readonly ports?: readonly { readonly port: number; readonly name?: string }[];
  };
  readonly status?: {
    readonly loadBalancer?: {
      readonly ingress?: readonly { readonly ip?: string; readonly hostname?: string }[];
    };
  };
}

export interface HpaObject extends KubeObject {
  readonly spec?: {
    readonly minReplicas?: number;
    readonly maxReplicas?: number;
    readonly metrics?: readonly {
      readonly type: string;
      readonly resource?: {
        readonly name: string;
        readonly target?: { readonly averageUtilization?: number };
      };
    }[];
  };
  readonly status?: {
    readonly currentReplicas?: number;
    readonly desiredReplicas?: number;
    readonly currentMetrics?: readonly {
      readonly type: string;
      readonly resource?: {
        readonly name: string;
        readonly current?: { readonly averageUtilization?: number };
      };
    }[];
  };
}

interface Route {
  readonly destination?: { readonly subset?: string };
  readonly weight?: number;
}

export interface VirtualServiceObject extends KubeObject {
  readonly spec?: {
    readonly hosts?: readonly string[];
    readonly http?: readonly { readonly route?: readonly Route[] }[];
  };
}

export interface GatewayObject extends KubeObject {
  readonly spec?: {
    readonly selector?: Readonly<Record<string, string>>;
    readonly servers?: readonly {
      readonly port?: { readonly number?: number; readonly protocol?: string };
      readonly hosts?: readonly string[];
    }[];
  };
}

const revisionOf = (rs: ReplicaSetObject): number => Number(rs.metadata.annotations?.[REVISION] ?? 0);

const restartsOf = (pod: PodObject): number =>
  (pod.status?.containerStatuses ?? []).reduce((sum, c) => sum + (c.restartCount ?? 0), 0);

/** The pod's Ready condition: the kubelet's readiness probe passes. */
export const isReady = (pod: PodObject): boolean =>
  (pod.status?.conditions ?? []).some((c: Condition) => c.type === 'Ready' && c.status === 'True');

/** The Deployment's health from it, its pods and its ReplicaSets. */
export function deploymentHealth(
  deployment: DeploymentObject,
  pods: readonly PodObject[],
  replicaSets: readonly ReplicaSetObject[],
): DeploymentHealth {
  const counts = rolloutCounts(deployment);
  // the newest revision among its own ReplicaSets is the current template (a rollback gets a new one)
  const owned = replicaSets.filter((rs) =>
    rs.metadata.ownerReferences?.some((o) => o.uid === deployment.metadata.uid),
  );
  const current = owned.reduce<ReplicaSetObject | undefined>(
    (newest, rs) => (revisionOf(rs) > (newest ? revisionOf(newest) : 0) ? rs : newest),
    undefined,
  );
  return {
    name: deployment.metadata.name,
    namespace: deployment.metadata.namespace ?? '',
    desired: counts.desired,
    updated: counts.updated,
    ready: counts.ready,
    available: counts.available,
    restarts: pods.reduce((sum, pod) => sum + restartsOf(pod), 0),
    rollout: rolloutState(deployment),
    revision: current ? String(revisionOf(current)) : null,
    lastRollout: current?.metadata.creationTimestamp ?? null,
    image: deployment.spec?.template?.spec?.containers?.[0]?.image ?? null,
    follows: deployment.metadata.labels?.[VERSION_LABEL] ?? null,
    conditions: (deployment.status?.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason ?? null,
      message: c.message ?? null,
    })),
  };
}

/** Each pod (oldest first) with the version its server answered. */
export function podSummaries(pods: readonly PodObject[], served: ServedVersions): PodSummary[] {
  return pods.map((pod) => {
    const answer = served.get(pod.metadata.name);
    return {
      name: pod.metadata.name,
      track: pod.metadata.labels?.[TRACK_LABEL] ?? null,
      phase: pod.status?.phase ?? null,
      ready: isReady(pod),
      restarts: restartsOf(pod),
      version: answer && 'version' in answer ? answer.version : null,
      ...(answer && 'error' in answer ? { versionError: answer.error } : {}),
      ...(answer && 'drift' in answer && answer.drift?.length ? { drift: answer.drift } : {}),
    };
  });
}

/** The canary's share: the weight of the routes to the `canary` subset of the first VirtualService that splits. */
export function canaryWeight(virtualServices: readonly VirtualServiceObject[]): number | null {
  for (const vs of virtualServices) {
    const routes = (vs.spec?.http ?? []).flatMap((h) => h.route ?? []);
    const canary = routes.filter((r) => r.destination?.subset === 'canary');
    if (canary.length) return canary.reduce((sum, r) => sum + (r.weight ?? 0), 0);
  }
  return null;
}

export function canaryStatus(
  deployment: DeploymentObject,
  virtualServices: readonly VirtualServiceObject[],
): CanaryStatus {
  const counts = rolloutCounts(deployment);
  return {
    deployment: deployment.metadata.name,
    version: deployment.metadata.labels?.[VERSION_LABEL] ?? null,
    weight: canaryWeight(virtualServices),
    desired: counts.desired,
    ready: counts.ready,
  };
}

export function hpaStatus(hpa: HpaObject): HpaStatus {
  const cpu = (m: { type: string; resource?: { name: string } }) =>
    m.type === 'Resource' && m.resource?.name === 'cpu';
  return {
    name: hpa.metadata.name,
    current: hpa.status?.currentReplicas ?? 0,
    desired: hpa.status?.desiredReplicas ?? 0,
    min: hpa.spec?.minReplicas ?? 1,
    max: hpa.spec?.maxReplicas ?? 0,
    cpu: {
      current: hpa.status?.currentMetrics?.find(cpu)?.resource?.current?.averageUtilization ?? null,
      target: hpa.spec?.metrics?.find(cpu)?.resource?.target?.averageUtilization ?? null,
    },
  };
}

const withPort = (host: string, port: number, scheme: 'http' | 'https'): string => {
  const bracketed = host.includes(':') ? `[${host}]` : host;
  const standard = (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
  return `${scheme}://${bracketed}${standard ? '' : `:${port}`}`;
};

/** The external address of a Service of type LoadBalancer, once the cloud has given it one. */
export function loadBalancerUrl(service: ServiceObject): string | null {
  if (service.spec?.type !== 'LoadBalancer') return null;
  const ingress = service.status?.loadBalancer?.ingress?.[0];
  const host = ingress?.hostname ?? ingress?.ip;
  return host ? withPort(host, service.spec.ports?.[0]?.port ?? 80, 'http') : null;
}

/**
 * The address of the model: the Service's load balancer, else the Istio Gateway's first host on the
 * ingress gateway's address (when it has one), else the in-cluster Service with a port-forward hint.
 */
export function servingAddress(
  service: ServiceObject,
  gateway: GatewayObject | undefined,
  ingressGateway: ServiceObject | undefined,
): ServingAddress {
  const name = service.metadata.name;
  const namespace = service.metadata.namespace ?? 'default';
  const port = service.spec?.ports?.[0]?.port ?? 80;
  const inCluster = `${name}.${namespace}.svc.cluster.local:${port}`;
  const external = loadBalancerUrl(service);
  if (external) return { url: external, source: 'loadbalancer', service: inCluster };
  const server = gateway?.spec?.servers?.find((s) => s.hosts?.length);
  const gatewayUrl = ingressGateway ? loadBalancerUrl(ingressGateway) : null;
  if (server && gatewayUrl) {
    const host = server.hosts?.find((h) => h !== '*');
    const https = server.port?.protocol === 'HTTPS';
    return {
      url: host
        ? withPort(host, server.port?.number ?? (https ? 443 : 80), https ? 'https' : 'http')
        : gatewayUrl,
      source: 'istio',
      service: (server.hosts ?? []).join(', '),
      ...(host ? { hint: `${host} must resolve to the ingress gateway at ${gatewayUrl}` } : {}),
    };
  }
  return {
    url: null,
    source: 'cluster-ip',
    service: inCluster,
    hint: `kubectl port-forward -n ${namespace} service/${name} 8080:${port}, then mlops predict --url http://127.0.0.1:8080`,
  };
}
