import type { MlopsConfig } from '../../config/schema.js';
import { usageError } from '../../kernel/errors.js';
import { info, outcome, type IoHost } from '../../kernel/io-host.js';
import {
  pullSecret,
  renderServingStack,
  servingNames,
  type Canary,
  type OptionalApis,
  type ServedModel,
} from '../../manifests/serving/index.js';
import { ensureWorkloadIdentities } from '../cluster-namespaces.js';
import type { ClusterClient, KubeObject } from '../ports/cluster.js';
import { applyObjects, currentVersions, refOf, type AppliedObject } from './apply.js';
import { canaryOnlyObjects, runningCanary } from './canary.js';
import type { Recovery } from './diagnose.js';
import { discoverApis, readDashboard } from './plan.js';
import { pruneObjects, type PrunedObject } from './prune.js';
import { dockerConfigJson, pullSecretName, type RegistryCredentials } from '../pull-secret.js';
import {
  deploymentKind,
  rolloutState,
  waitForRollout,
  type DeploymentObject,
  type ReplicaSetObject,
  type RolloutCounts,
} from './rollout.js';

/** What happens to a canary: start or re-weight one, keep the one running, or end it. */
export type CanaryChange =
  | { readonly action: 'set'; readonly canary: Canary }
  | { readonly action: 'keep' }
  | { readonly action: 'aborted' }
  /** `promote` makes the canary's version the stable one (the alias), once the canary is known to run. */
  | { readonly action: 'promoted'; readonly promote: (version: string) => Promise<unknown> };

export interface DeployOptions {
  readonly cluster: ClusterClient;
  readonly config: MlopsConfig;
  readonly io: IoHost;
  readonly image: string;
  /** What the stable Deployment serves; default: follow serve.alias. */
  readonly model?: ServedModel;
  readonly canary: CanaryChange;
  /** Pull credentials for the image's registry (none: a public registry, or ECR). */
  readonly credentials?: RegistryCredentials;
  readonly forceConflicts?: boolean;
  readonly prune?: boolean;
  /** Seconds to wait for the rollout; default the progress deadline plus a minute. */
  readonly timeoutSeconds?: number;
  /** The `--env` the pods load their config with. */
  readonly env?: string;
  /** ` --context NAME` for the recovery commands. */
  readonly contextFlag?: string;
  readonly signal?: AbortSignal;
}

export interface DeployResult {
  /** False when every object was already as rendered: nothing rolled out. */
  readonly changed: boolean;
  readonly deployment: string;
  readonly namespace: string;
  readonly image: string;
  /** `alias:production` or `version:v1.2`. */
  readonly follows: string;
  readonly replicas: RolloutCounts;
  readonly canary: Canary | null;
  readonly applied: readonly AppliedObject[];
  readonly pruned: readonly PrunedObject[];
  /** Objects of an ended canary, deleted. */
  readonly removed: readonly string[];
}

/**
 * `mlops deploy`: renders the serving stack for what the cluster serves, applies it (namespace and
 * service account, the pull secret, then the stack; server-side apply), prunes what it no longer
 * renders when asked, ends a canary when asked, and waits for the rollout by `kubectl rollout status`'s
 * rule. A deploy that changes nothing says so and only confirms the rollout is complete.
 */
export async function deployServing(options: DeployOptions): Promise<DeployResult> {
  const { cluster, config, io, signal } = options;
  const namespace = config.cluster.servingNamespace;
  const names = servingNames(config);
  const apis = await discoverApis(cluster, namespace, signal);
  if (!apis.monitoring) {
    io.notify(
      info(
        'monitoring-skipped',
        'The cluster does not serve monitoring.coreos.com (the Prometheus operator): ServiceMonitor, PrometheusRule and the dashboard are skipped.',
        { namespace },
      ),
    );
  }
  const running = apis.istio ? await runningCanary(cluster, config, signal) : undefined;
  const canary = chooseCanary(options.canary, running, apis);
  if (options.canary.action === 'promoted' && running) await options.canary.promote(running.version);
  const live = await cluster.get<DeploymentObject>(
    { ...deploymentKind(namespace), name: names.stable },
    signal,
  );
  const secretName = options.credentials ? pullSecretName(config.name) : undefined;
  const dashboardJson = apis.monitoring ? await readDashboard() : undefined;
  const render = (c: Canary | undefined) =>
    renderServingStack({
      config,
      image: options.image,
      model: options.model,
      canary: c,
      pullSecretName: secretName,
      apis,
      replicas: live?.spec?.replicas,
      env: options.env,
      dashboardJson,
    });
  const stack: KubeObject[] = render(canary);
  const secret = options.credentials
    ? [
        pullSecret({
          name: secretName!,
          namespace,
          model: config.name,
          dockerConfigJson: dockerConfigJson(options.credentials),
        }),
      ]
    : [];
  const before = await currentVersions(cluster, [...secret, ...stack], signal);
  await ensureWorkloadIdentities(cluster, config, 'serving', signal);
  const apply = { before, io, forceConflicts: options.forceConflicts, signal };
  const appliedSecret = await applyObjects(cluster, secret, apply);
  if (options.credentials) {
    io.notify(
      info(
        'pull-secret',
        `Pull secret ${namespace}/${secretName} for ${options.credentials.host} (${appliedSecret[0]?.action}).`,
        {
          name: secretName,
          namespace,
          registry: options.credentials.host,
          source: options.credentials.source,
        },
      ),
    );
  }
  const applied = [...appliedSecret, ...(await applyObjects(cluster, stack, apply))];
  const pruned = options.prune
    ? await pruneObjects({ cluster, model: config.name, namespace, keep: stack, io, signal })
    : [];
  const recovery: Recovery = {
    previousImage: live ? await servingImage(cluster, live, signal) : undefined,
    contextFlag: options.contextFlag,
  };
  const timeoutSeconds = options.timeoutSeconds ?? config.deploy.progressDeadlineSeconds + 60;
  const wait = (name: string) =>
    waitForRollout({ cluster, namespace, name, io, recovery, timeoutSeconds, signal });
  const replicas = await wait(names.stable);
  if (canary) await wait(names.canary);
  const removed: string[] = [];
  if (running && !canary) {
    // the stable Deployment serves everything again: now the canary's objects can go
    for (const object of canaryOnlyObjects(render(running), stack)) {
      if (await cluster.delete(refOf(object), { propagationPolicy: 'Background', signal })) {
        removed.push(`${object.kind}/${object.metadata.name}`);
      }
    }
  }
  if (canary || removed.length > 0) {
    const change = options.canary.action;
    const action =
      change === 'keep' ? 'kept' : change === 'set' ? (running ? 'weighted' : 'started') : change;
    io.notify(
      info('canary', canaryMessage(action, canary ?? running!), {
        action,
        version: (canary ?? running)?.version,
        weight: canary?.weight ?? 0,
        removed,
      }),
    );
  }
  const changed = applied.some((a) => a.action !== 'unchanged') || pruned.length > 0 || removed.length > 0;
  const follows =
    options.model && 'version' in options.model
      ? `version:${options.model.version}`
      : `alias:${options.model?.alias ?? config.serve.alias}`;
  const result: DeployResult = {
    changed,
    deployment: names.stable,
    namespace,
    image: options.image,
    follows,
    replicas,
    canary: canary ?? null,
    applied,
    pruned,
    removed,
  };
  io.notify(
    outcome(
      'deployed',
      changed
        ? `Deployed ${names.stable} (${options.image}).`
        : `Nothing changed: ${names.stable} is as rendered.`,
      {
        changed,
        deployment: names.stable,
        namespace,
        image: options.image,
        follows,
        replicas,
        canary: result.canary,
      },
    ),
  );
  return result;
}

/**
 * The image that serves now, to go back to: the Deployment's when its rollout completed, else (an
 * earlier deploy failed) that of the newest ReplicaSet with available pods.
 */
async function servingImage(
  cluster: ClusterClient,
  live: DeploymentObject,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const imageOf = (o: DeploymentObject | ReplicaSetObject) => o.spec?.template?.spec?.containers?.[0]?.image;
  if (rolloutState(live) === 'complete') return imageOf(live);
  const { items } = await cluster.list<ReplicaSetObject>(
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: live.metadata.namespace },
    { signal },
  );
  const revision = (rs: ReplicaSetObject) =>
    Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
  const serving = items
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === live.metadata.uid))
    .filter((rs) => (rs.status?.availableReplicas ?? 0) > 0)
    .sort((a, b) => revision(b) - revision(a));
  return serving[0] ? imageOf(serving[0]) : undefined;
}

function chooseCanary(
  change: CanaryChange,
  running: Canary | undefined,
  apis: OptionalApis,
): Canary | undefined {
  switch (change.action) {
    case 'set':
      if (!apis.istio) {
        throw usageError(
          "A canary needs Istio, and the cluster does not serve Istio's networking.istio.io CRDs (VirtualService, DestinationRule).",
          'MLOPS_DEPLOY_E5206',
          'Install Istio (mlops infra up --stack addons), or deploy the version for everyone with mlops promote VERSION.',
        );
      }
      return change.canary;
    case 'keep':
      return running;
    default:
      if (!running) {
        throw usageError(
          `--canary-${change.action === 'promoted' ? 'promote' : 'abort'}: no canary is running.`,
          'MLOPS_DEPLOY_E5213',
          'Start one with mlops deploy --canary VERSION --weight N; mlops status shows what runs.',
        );
      }
      return undefined;
  }
}

const canaryMessage = (action: string, canary: Canary): string =>
  action === 'promoted'
    ? `Canary ${canary.version} promoted: the stable Deployment serves it; the canary is removed.`
    : action === 'aborted'
      ? `Canary ${canary.version} aborted: 100 % of the traffic goes to the stable Deployment.`
      : `Canary ${canary.version} gets ${canary.weight} % of the traffic.`;
