/**
 * `mlops status`: what runs where, read once (no polling) with whatever access there is. The registry and
 * the cluster are read side by side; a part that cannot be read carries its error and the rest shows.
 */
import type { MlopsConfig } from '../../config/schema.js';
import { MlopsError } from '../../kernel/errors.js';
import { componentSelector } from '../../manifests/labels.js';
import { servingNames, TRACK_LABEL } from '../../manifests/serving/names.js';
import { workloadIdentities } from '../../manifests/workload-identities.js';
import { listTrainingJobs, type TrainingJobSummary } from '../cluster-train/list.js';
import { byCreation, podKind, type PodObject } from '../cluster-train/objects.js';
import { deploymentKind, type DeploymentObject } from '../deploy/rollout.js';
import type { ClusterClient, ClusterIdentity, KindRef, KubeObject } from '../ports/cluster.js';
import type { ModelRegistry } from '../registry.js';
import { optional, readAddress } from './address.js';
import {
  canaryStatus,
  deploymentHealth,
  driftingFeatures,
  hpaStatus,
  isReady,
  podSummaries,
  type CanaryStatus,
  type DeploymentHealth,
  type HpaObject,
  type HpaStatus,
  type PodSummary,
  type ReplicaSetObject,
  type ServedVersion,
  type ServedVersions,
  type ServingAddress,
  type VirtualServiceObject,
} from './serving.js';

/** A part of the status that could not be read: the error's code, message and hint. */
export interface Unreadable {
  readonly error: { readonly code: string; readonly message: string; readonly hint: string };
}

export interface ServingStatus {
  readonly namespace: string;
  /** null: nothing is deployed (no `<name>-serving` Deployment). */
  readonly deployment: DeploymentHealth | null;
  readonly pods: readonly PodSummary[];
  readonly canary: CanaryStatus | null;
  readonly hpa: HpaStatus | null;
  readonly address: ServingAddress | null;
}

export interface StatusReport {
  readonly model: string;
  readonly aliases: Readonly<Record<string, string>> | Unreadable;
  /** null when the cluster could not be reached at all (see `cluster`). */
  readonly training: { readonly jobs: readonly TrainingJobSummary[] } | Unreadable | null;
  readonly serving: ServingStatus | Unreadable | null;
  readonly cluster: ClusterIdentity | Unreadable;
}

export interface StatusOptions {
  readonly config: Pick<MlopsConfig, 'name' | 'cluster' | 'serve'>;
  readonly registry: () => Promise<Pick<ModelRegistry, 'aliases' | 'catalog' | 'manifest'>>;
  readonly cluster: () => Promise<ClusterClient>;
  readonly signal?: AbortSignal;
  /** How long one pod gets to answer its version. @default 2000 */
  readonly podTimeoutMs?: number;
}

export function unreadable(error: unknown): Unreadable {
  if (MlopsError.is(error)) return { error: { code: error.code, message: error.message, hint: error.hint } };
  throw error;
}

export const isUnreadable = (part: unknown): part is Unreadable =>
  typeof part === 'object' && part !== null && 'error' in part;

/** Reads the registry and the cluster once and reports both; never throws for an unreadable part. */
export async function readStatus(options: StatusOptions): Promise<StatusReport> {
  const { config, signal } = options;
  const registry = options.registry().catch((error: unknown) => unreadable(error));
  const aliases = registry.then((r) =>
    isUnreadable(r) ? r : r.aliases().catch((error: unknown) => unreadable(error)),
  );
  const client = options
    .cluster()
    .then(async (cluster) => {
      await cluster.serverVersion(signal);
      return cluster;
    })
    .catch((error: unknown) => unreadable(error));
  const cluster = await client;
  if (isUnreadable(cluster))
    return { model: config.name, aliases: await aliases, training: null, serving: null, cluster };
  // the Jobs' versions come from the registry only when it reads (a damaged one loses just that column)
  const usable = await registry;
  const readable = isUnreadable(usable) || isUnreadable(await aliases) ? undefined : usable;
  const [training, serving] = await Promise.all([
    listTrainingJobs({
      cluster,
      namespace: workloadIdentities(config).training.namespace,
      model: config.name,
      limit: 5,
      signal,
      ...(readable ? { registry: readable } : {}),
    })
      .then((jobs) => ({ jobs }))
      .catch((error: unknown) => unreadable(error)),
    readServing(cluster, options).catch((error: unknown) => unreadable(error)),
  ]);
  return {
    model: config.name,
    aliases: await aliases,
    training,
    serving,
    cluster: { context: cluster.context, server: cluster.server },
  };
}

async function readServing(cluster: ClusterClient, options: StatusOptions): Promise<ServingStatus> {
  const { config, signal } = options;
  const namespace = workloadIdentities(config).serving.namespace;
  const names = servingNames(config);
  const selector = componentSelector(config.name, 'serving');
  const ref = (apiVersion: string, kind: string): KindRef => ({ apiVersion, kind, namespace });
  const get = <T extends KubeObject>(apiVersion: string, kind: string, name: string) =>
    cluster.get<T>({ ...ref(apiVersion, kind), name }, signal);
  const [stable, canary, pods] = await Promise.all([
    cluster.get<DeploymentObject>({ ...deploymentKind(namespace), name: names.stable }, signal),
    cluster.get<DeploymentObject>({ ...deploymentKind(namespace), name: names.canary }, signal),
    cluster.list<PodObject>(podKind(namespace), { labelSelector: selector, signal }),
  ]);
  if (!stable && !canary)
    return { namespace, deployment: null, pods: [], canary: null, hpa: null, address: null };
  const [replicaSets, address, hpa, virtualServices] = await Promise.all([
    optional(
      cluster.list<ReplicaSetObject>(ref('apps/v1', 'ReplicaSet'), { labelSelector: selector, signal }),
    ),
    readAddress(cluster, config, signal),
    optional(get<HpaObject>('autoscaling/v2', 'HorizontalPodAutoscaler', names.stable)),
    optional(
      cluster.list<VirtualServiceObject>(ref('networking.istio.io/v1', 'VirtualService'), {
        labelSelector: selector,
        signal,
      }),
    ),
  ]);
  const ordered = [...pods.items].sort(byCreation);
  const track = (t: string) => ordered.filter((p) => (p.metadata.labels?.[TRACK_LABEL] ?? 'stable') === t);
  return {
    namespace,
    deployment: stable ? deploymentHealth(stable, track('stable'), replicaSets?.items ?? []) : null,
    pods: podSummaries(ordered, await servedVersions(cluster, ordered, options)),
    canary: canary ? canaryStatus(canary, virtualServices?.items ?? []) : null,
    hpa: hpa ? hpaStatus(hpa) : null,
    address,
  };
}

/**
 * Each ready pod's `/v2/models/{name}` through the pod proxy, side by side, each bounded in time: the
 * version it serves, and the PSI of its drift window (the same answer, so drift costs no extra call).
 */
async function servedVersions(
  cluster: ClusterClient,
  pods: readonly PodObject[],
  options: StatusOptions,
): Promise<ServedVersions> {
  const { config } = options;
  const answers = await Promise.all(
    pods.map(async (pod): Promise<[string, ServedVersion]> => {
      const name = pod.metadata.name;
      if (!isReady(pod)) return [name, { error: 'not ready' }];
      const timeout = AbortSignal.timeout(options.podTimeoutMs ?? 2000);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      try {
        const port = containerPort(pod) ?? config.serve.port;
        const metadata = await cluster.proxyGet(
          { namespace: pod.metadata.namespace ?? '', pod: name, port },
          `/v2/models/${encodeURIComponent(config.name)}`,
          signal,
        );
        const answer = metadata as { versions?: unknown; parameters?: unknown } | undefined;
        const version = answer?.versions;
        return Array.isArray(version) && typeof version[0] === 'string'
          ? [name, { version: version[0], drift: driftingFeatures(answer?.parameters) }]
          : [name, { error: 'its /v2/models answer has no versions' }];
      } catch (error) {
        return [name, { error: MlopsError.is(error) ? error.message : String((error as Error).message) }];
      }
    }),
  );
  return new Map(answers);
}

const containerPort = (pod: PodObject): number | undefined =>
  (pod.spec as { containers?: readonly { ports?: readonly { containerPort: number }[] }[] } | undefined)
    ?.containers?.[0]?.ports?.[0]?.containerPort;
