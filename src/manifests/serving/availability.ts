import { canonical } from '../labels.js';
import type { ManifestObject, ServingConfig } from './input.js';
import { servingLabels, servingNames } from './names.js';

/** The autoscaler's bounds: minReplicas defaults to cluster.replicas, maxReplicas to 10 or the minimum. */
export function replicaBounds(config: ServingConfig): { readonly min: number; readonly max: number } {
  const { autoscaling } = config.deploy;
  const min = autoscaling.minReplicas ?? config.cluster.replicas;
  return { min, max: autoscaling.maxReplicas ?? Math.max(10, min) };
}

/** autoscaling/v2 HorizontalPodAutoscaler of the stable Deployment on average CPU utilisation. */
export function servingAutoscaler(config: ServingConfig): ManifestObject {
  const name = servingNames(config).stable;
  const bounds = replicaBounds(config);
  return canonical({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: config.cluster.servingNamespace, labels: servingLabels(config) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: bounds.min,
      maxReplicas: bounds.max,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: {
              type: 'Utilization',
              averageUtilization: config.deploy.autoscaling.targetCPUUtilization,
            },
          },
        },
      ],
    },
  });
}

/**
 * policy/v1 PodDisruptionBudget of every serving pod (stable and canary: a pod under two budgets cannot
 * be evicted at all). `maxUnavailable: 1` rather than a `minAvailable`: it lets a node drain evict one
 * pod at a time at any replica count, including the HPA's (minAvailable = replicas − 1 would be stale
 * once the HPA scales, and would be 0 for one replica), and with the Deployment's maxUnavailable 0 the
 * evicted pod is replaced before the next goes. Unhealthy pods may always be evicted, so a crash-looping
 * pod never blocks a drain.
 */
export function servingDisruptionBudget(config: ServingConfig): ManifestObject {
  return canonical({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: servingNames(config).stable,
      namespace: config.cluster.servingNamespace,
      labels: servingLabels(config),
    },
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: servingLabels(config) },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}
