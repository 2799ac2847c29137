import type { MlopsConfig } from '../config/schema.js';
import { canonical, componentLabels, type Component } from './labels.js';
import { workloadIdentities } from './workload-identities.js';

/** The annotation the EKS pod identity webhook reads: pods of this service account assume that IAM role. */
export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** A v1 ServiceAccount as plain JSON (structurally a KubeObject of core's cluster port). */
export interface ServiceAccountObject {
  readonly apiVersion: 'v1';
  readonly kind: 'ServiceAccount';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly automountServiceAccountToken: boolean;
  readonly [field: string]: unknown;
}

/**
 * The service account of the training Jobs or the serving pods: exactly the identity (namespace, name)
 * that the cluster stack's IRSA role of that component trusts, annotated with the role when it is known
 * (cluster.trainingRoleArn / servingRoleArn: the stack's training_role_arn / serving_role_arn outputs).
 * Neither workload calls the Kubernetes API, so no API token is mounted.
 */
export function serviceAccountObject(
  config: Pick<MlopsConfig, 'name' | 'cluster'>,
  component: Component,
): ServiceAccountObject {
  const identity = workloadIdentities(config)[component];
  const roleArn = component === 'training' ? config.cluster.trainingRoleArn : config.cluster.servingRoleArn;
  return canonical({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: identity.serviceAccount,
      namespace: identity.namespace,
      labels: componentLabels(config.name, component),
      annotations: roleArn ? { [IRSA_ROLE_ANNOTATION]: roleArn } : undefined,
    },
    automountServiceAccountToken: false,
  });
}
