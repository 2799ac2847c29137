import type { MlopsConfig } from '../config/schema.js';
import type { Component } from '../manifests/labels.js';
import { namespaceObject } from '../manifests/namespace.js';
import { serviceAccountObject } from '../manifests/service-account.js';
import type { ClusterClient } from './ports/cluster.js';

export interface EnsuredIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The namespace did not exist and mlops created it. */
  readonly createdNamespace: boolean;
}

/**
 * Makes sure the components' namespaces and service accounts exist before their workloads are applied
 * (`train` before its Job: 'training'; `deploy`: 'serving'). A namespace is created only when missing (an
 * existing one is left as its owner made it); a service account is applied every time (server-side
 * apply: its IRSA annotation follows the configuration).
 */
export async function ensureWorkloadIdentities(
  cluster: ClusterClient,
  config: Pick<MlopsConfig, 'name' | 'cluster'>,
  which: Component | readonly Component[],
  signal?: AbortSignal,
): Promise<EnsuredIdentity[]> {
  const ensured: EnsuredIdentity[] = [];
  for (const component of typeof which === 'string' ? [which] : which) {
    const serviceAccount = serviceAccountObject(config, component);
    const { namespace, name } = serviceAccount.metadata;
    // training and serving may share a namespace: it is looked at once
    const known = ensured.find((e) => e.namespace === namespace);
    const exists = known
      ? true
      : await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace }, signal);
    if (!exists) await cluster.apply(namespaceObject(namespace, config.name), { signal });
    await cluster.apply(serviceAccount, { signal });
    ensured.push({ namespace, serviceAccount: name, createdNamespace: !exists });
  }
  return ensured;
}
