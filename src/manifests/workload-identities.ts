import type { MlopsConfig } from '../config/schema.js';

export interface WorkloadIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/**
 * The Kubernetes identities of the training Jobs and the serving Deployment. The cluster stack scopes
 * their IAM roles (IRSA) to exactly these, and the manifests create exactly these service accounts: one
 * definition for both, so that the names can never drift apart.
 */
export function workloadIdentities(config: Pick<MlopsConfig, 'name' | 'cluster'>): {
  readonly training: WorkloadIdentity;
  readonly serving: WorkloadIdentity;
} {
  return {
    training: { namespace: config.cluster.trainingNamespace, serviceAccount: `${config.name}-training` },
    serving: { namespace: config.cluster.servingNamespace, serviceAccount: `${config.name}-serving` },
  };
}
