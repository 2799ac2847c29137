import type { MlopsConfig } from '../../config/schema.js';
import { usageError } from '../../kernel/errors.js';
import { servingNames, VERSION_LABEL, type Canary } from '../../manifests/serving/index.js';
import type { ClusterClient, KubeObject } from '../ports/cluster.js';
import type { ModelRegistry } from '../registry.js';
import { keyOf } from './apply.js';

interface VirtualServiceObject extends KubeObject {
  readonly spec?: {
    readonly http?: readonly {
      readonly route?: readonly {
        readonly destination?: { readonly subset?: string };
        readonly weight?: number;
      }[];
    }[];
  };
}

/**
 * The canary running now, read back from the cluster: the version its Deployment is pinned to and the
 * weight the mesh VirtualService gives its subset. A plain `deploy` keeps it as it is.
 */
export async function runningCanary(
  cluster: ClusterClient,
  config: Pick<MlopsConfig, 'name' | 'cluster'>,
  signal?: AbortSignal,
): Promise<Canary | undefined> {
  const names = servingNames(config);
  const namespace = config.cluster.servingNamespace;
  const deployment = await cluster.get(
    { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: names.canary },
    signal,
  );
  const version = deployment?.metadata.labels?.[VERSION_LABEL];
  if (!version) return undefined;
  const service = await cluster.get<VirtualServiceObject>(
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name: names.mesh },
    signal,
  );
  const routes = service?.spec?.http?.flatMap((h) => h.route ?? []) ?? [];
  const weight = routes.find((r) => r.destination?.subset === 'canary')?.weight ?? 0;
  return { version, weight };
}

/** The objects only a canary brings (its Deployment, the DestinationRule, a mesh route): what ending it removes. */
export function canaryOnlyObjects(
  withCanary: readonly KubeObject[],
  without: readonly KubeObject[],
): KubeObject[] {
  const stays = new Set(without.map(keyOf));
  return withCanary.filter((o) => !stays.has(keyOf(o)));
}

/** `--weight`: a whole percent the canary gets, 1 to 99 (0 and 100 are abort and promote). */
export function canaryWeight(weight: string | undefined): number {
  const n = Number(weight);
  if (weight === undefined || !Number.isInteger(n) || n < 1 || n > 99) {
    throw usageError(
      `--weight ${weight ?? '(missing)'} is not a whole percent from 1 to 99.`,
      'MLOPS_DEPLOY_E5204',
      'Give the share of traffic for the canary, e.g. --canary v1.3 --weight 10; --canary-promote or --canary-abort end it.',
    );
  }
  return n;
}

/** The registry's exact version name, or a usage error naming the flag (`--canary`, `--version`). */
export async function requireVersion(
  registry: ModelRegistry,
  version: string,
  flag: '--canary' | '--version',
): Promise<string> {
  const versions = await registry.versions();
  const found = versions.find((v) => v === version || v === `v${version}`);
  if (found) return found;
  throw usageError(
    `${flag} ${version}: ${registry.model} has no such version in the registry (it has ${versions.slice(-5).join(', ') || 'none'}).`,
    flag === '--canary' ? 'MLOPS_DEPLOY_E5205' : 'MLOPS_DEPLOY_E5214',
    'mlops models list shows the versions; train one with mlops train.',
  );
}
