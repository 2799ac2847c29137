import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MlopsConfig } from '../../config/schema.js';
import { MlopsError, usageError } from '../../kernel/errors.js';
import { packageRoot } from '../../kernel/package-root.js';
import { SERVING_DASHBOARD_TEMPLATE, type OptionalApis } from '../../manifests/serving/index.js';
import type { ClusterClient, KindRef } from '../ports/cluster.js';

/**
 * The serving image to run: `--image`, else `images.serving.repository` with `images.serving.tag`, else
 * the project's commit (the tag `mlops build serving --push` pushes), as train finds its image.
 */
export function servingImageRef(
  config: Pick<MlopsConfig, 'images'>,
  options: { readonly image?: string; readonly gitCommit?: string | null },
): string {
  if (options.image) return options.image;
  const serving = config.images.serving;
  if (!serving?.repository) {
    throw usageError(
      'No serving image: images.serving.repository is not set in mlops.config.json and --image is not given.',
      'MLOPS_DEPLOY_E5201',
      'Set images.serving.repository (e.g. ghcr.io/acme/iris-serving), run `mlops build serving --push`, then mlops deploy.',
    );
  }
  const tag = serving.tag ?? options.gitCommit;
  if (!tag) {
    throw usageError(
      `No tag for the serving image ${serving.repository}: this is not a git work tree with a commit and images.serving.tag is not set.`,
      'MLOPS_DEPLOY_E5202',
      'Commit the project and run `mlops build serving --push` (it tags with the commit), set images.serving.tag, or pass --image REF.',
    );
  }
  return `${serving.repository}:${tag}`;
}

/** Whether the cluster serves a kind: a list answers, or the client says it is not served (a missing CRD). */
async function serves(cluster: ClusterClient, kind: KindRef, signal?: AbortSignal): Promise<boolean> {
  try {
    await cluster.list(kind, { signal });
    return true;
  } catch (error) {
    if (MlopsError.is(error) && error.code === 'MLOPS_CLUSTER_E7112') return false;
    throw error;
  }
}

/** Which optional API families (Prometheus operator, Istio) the cluster serves, from their kinds. */
export async function discoverApis(
  cluster: ClusterClient,
  namespace: string,
  signal?: AbortSignal,
): Promise<OptionalApis> {
  const [monitoring, istio] = await Promise.all([
    serves(cluster, { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', namespace }, signal),
    serves(cluster, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace }, signal),
  ]);
  return { monitoring, istio };
}

/** The Grafana dashboard shipped with mlops (absent from an older install: the ConfigMap is then left out). */
export async function readDashboard(): Promise<string | undefined> {
  try {
    return await readFile(path.join(packageRoot(), 'templates', SERVING_DASHBOARD_TEMPLATE), 'utf8');
  } catch {
    return undefined;
  }
}
