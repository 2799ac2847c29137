import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MlopsError } from '../../kernel/errors.js';
import { packageRoot } from '../../kernel/package-root.js';
import { SERVING_DASHBOARD_TEMPLATE, type OptionalApis } from '../../manifests/serving/index.js';
import type { ClusterClient, KindRef } from '../ports/cluster.js';

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
