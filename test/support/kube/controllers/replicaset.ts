import { mustKind } from '../kinds.js';
import type { KubeObject } from '../objects.js';
import { clone, isOwnedBy } from '../objects.js';
import type { ControllerContext } from './context.js';
import { createOwnedPod } from './owned-pod.js';
import { ownerQueue, splitKey, type WorkQueue } from './context.js';
import type { PodStatus } from './pod-status.js';

interface ReplicaSetSpec {
  replicas: number;
  template: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: unknown;
  };
}

export const isReady = (pod: KubeObject): boolean =>
  ((pod.status as PodStatus | undefined)?.conditions ?? []).some(
    (c) => c.type === 'Ready' && c.status === 'True',
  );

/** The ReplicaSet controller: keeps spec.replicas pods (owned, labelled from the template) and counts them. */
export class ReplicaSetController {
  private readonly sets = mustKind('ReplicaSet');
  private readonly pods = mustKind('Pod');
  private readonly queue: WorkQueue;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = ownerQueue(ctx, this.sets, this.pods, (key) => this.sync(key));
  }

  private sync(key: string): void {
    const { cluster, events } = this.ctx;
    const rs = cluster.find(this.sets, ...splitKey(key));
    if (!rs || rs.metadata.deletionTimestamp) return;
    const spec = rs.spec as ReplicaSetSpec;
    const namespace = rs.metadata.namespace ?? 'default';
    const pods = cluster
      .list(this.pods, namespace)
      .filter(
        (p) =>
          isOwnedBy(p, rs) &&
          !p.metadata.deletionTimestamp &&
          !['Succeeded', 'Failed'].includes(String((p.status as PodStatus | undefined)?.phase)),
      );
    for (let i = pods.length; i < spec.replicas; i++) {
      pods.push(createOwnedPod(this.ctx, rs, spec.template, 'replicaset-controller'));
    }
    const surplus = [...pods]
      .sort((a, b) => Number(isReady(a)) - Number(isReady(b)))
      .slice(0, Math.max(0, pods.length - spec.replicas));
    for (const pod of surplus) {
      cluster.delete(this.pods, namespace, pod.metadata.name, {});
      events.record(
        rs,
        'Normal',
        'SuccessfulDelete',
        `Deleted pod: ${pod.metadata.name}`,
        'replicaset-controller',
      );
    }
    const live = pods.filter((p) => !surplus.includes(p));
    const ready = live.filter(isReady).length;
    const status = {
      replicas: live.length,
      fullyLabeledReplicas: live.length,
      ...(ready ? { readyReplicas: ready, availableReplicas: ready } : {}),
      observedGeneration: rs.metadata.generation,
    };
    cluster.commit(
      this.sets,
      rs,
      { ...clone(rs), status },
      { manager: 'kube-controller-manager', subresource: 'status' },
      'Update',
    );
  }
}
