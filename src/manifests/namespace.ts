import { canonical, MANAGED_BY } from './labels.js';

/** A v1 Namespace as plain JSON (structurally a KubeObject of core's cluster port). */
export interface NamespaceObject {
  readonly apiVersion: 'v1';
  readonly kind: 'Namespace';
  readonly metadata: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  readonly [field: string]: unknown;
}

/**
 * The namespace a model's workloads run in, as mlops creates it when it is missing. A namespace may be
 * shared (training and serving in one, several models in one): it carries the model that created it,
 * and mlops never changes a namespace that exists.
 */
export function namespaceObject(name: string, model: string): NamespaceObject {
  return canonical({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        'app.kubernetes.io/managed-by': MANAGED_BY,
        'app.kubernetes.io/part-of': model,
        'mlops.dev/model': model,
      },
    },
  });
}
