import { info, type IoHost } from '../../kernel/io-host.js';
import { MANAGED_BY } from '../../manifests/labels.js';
import { MlopsError } from '../../kernel/errors.js';
import type { ClusterClient, KindRef, KubeObject } from '../ports/cluster.js';
import { keyOf, refOf } from './apply.js';

/** Every kind the serving stack renders (whatever the options): what prune looks through. */
export const SERVING_KINDS: readonly Omit<KindRef, 'namespace'>[] = [
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' },
  { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule' },
  { apiVersion: 'networking.istio.io/v1', kind: 'Gateway' },
  { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' },
];

/** The labels of every serving object mlops applied for a model: what prune may ever delete. */
export const servingSelector = (model: string): string =>
  `app.kubernetes.io/managed-by=${MANAGED_BY},app.kubernetes.io/part-of=${model},app.kubernetes.io/component=serving`;

export interface PrunedObject {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/**
 * Deletes the model's serving objects (by label, in the serving namespace, of the kinds the stack
 * renders) that the current render no longer contains. Nothing else: another model's objects, objects
 * without mlops's labels, and kinds the cluster does not serve are left alone.
 */
export async function pruneObjects(options: {
  readonly cluster: ClusterClient;
  readonly model: string;
  readonly namespace: string;
  readonly keep: readonly KubeObject[];
  readonly io: IoHost;
  readonly signal?: AbortSignal;
}): Promise<PrunedObject[]> {
  const { cluster, namespace, signal } = options;
  const keep = new Set(options.keep.map(keyOf));
  const pruned: PrunedObject[] = [];
  for (const kind of SERVING_KINDS) {
    let items: readonly KubeObject[];
    try {
      ({ items } = await cluster.list(
        { ...kind, namespace },
        { labelSelector: servingSelector(options.model), signal },
      ));
    } catch (error) {
      if (MlopsError.is(error) && error.code === 'MLOPS_CLUSTER_E7112') continue;
      throw error;
    }
    for (const item of items) {
      const object = { ...item, apiVersion: kind.apiVersion, kind: kind.kind };
      if (keep.has(keyOf(object)) || item.metadata.deletionTimestamp) continue;
      if (await cluster.delete(refOf(object), { propagationPolicy: 'Background', signal })) {
        const done = { kind: kind.kind, name: item.metadata.name, namespace };
        pruned.push(done);
        options.io.notify(info('pruned', `Pruned ${kind.kind} ${item.metadata.name}`, done));
      }
    }
  }
  return pruned;
}
