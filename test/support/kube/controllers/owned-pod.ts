import { mustKind } from '../kinds.js';
import type { JsonObject, KubeObject } from '../objects.js';
import { clone, ownerRef } from '../objects.js';
import type { ControllerContext } from './context.js';

/**
 * A pod from an owner's template (a Job's, a ReplicaSet's), named `<owner>-<random>` and controlled by
 * the owner, with the SuccessfulCreate event its controller records.
 */
export function createOwnedPod(
  ctx: ControllerContext,
  owner: KubeObject,
  template: { readonly metadata?: JsonObject; readonly spec: unknown },
  controller: 'job-controller' | 'replicaset-controller',
): KubeObject {
  const namespace = owner.metadata.namespace ?? 'default';
  const copy = clone(template);
  const pod = ctx.cluster.create(
    mustKind('Pod'),
    namespace,
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...copy.metadata,
        generateName: `${owner.metadata.name}-`,
        namespace,
        ownerReferences: [ownerRef(owner)],
      },
      spec: copy.spec,
    },
    { manager: 'kube-controller-manager' },
  );
  ctx.events.record(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, controller);
  return pod;
}
