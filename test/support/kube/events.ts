import type { Cluster } from './cluster.js';
import { groupVersion, mustKind } from './kinds.js';
import type { KubeObject } from './objects.js';
import { clone, now } from './objects.js';

export type EventType = 'Normal' | 'Warning';

/**
 * core/v1 Events as the controllers and the kubelet record them: one object per involved object, reason
 * and message, whose count and lastTimestamp grow when it repeats (`kubectl describe` lists them by
 * fieldSelector involvedObject.name=…).
 */
export class EventRecorder {
  private readonly kind = mustKind('Event');

  constructor(private readonly cluster: Cluster) {}

  record(
    involved: KubeObject,
    type: EventType,
    reason: string,
    message: string,
    component: string,
    fieldPath?: string,
  ): void {
    const namespace = involved.metadata.namespace ?? 'default';
    const existing = this.cluster
      .list(this.kind, namespace)
      .find(
        (e) =>
          (e.involvedObject as { uid?: string }).uid === involved.metadata.uid &&
          e.reason === reason &&
          e.message === message,
      );
    const time = now();
    if (existing) {
      const next = clone(existing);
      next.count = Number(existing.count ?? 1) + 1;
      next.lastTimestamp = time;
      this.cluster.commit(this.kind, existing, next, { manager: component }, 'Update');
      return;
    }
    const name = `${involved.metadata.name}.${Date.now().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
    this.cluster.create(
      this.kind,
      namespace,
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: groupVersion(mustKind(involved.kind)),
          kind: involved.kind,
          name: involved.metadata.name,
          namespace,
          uid: involved.metadata.uid,
          resourceVersion: involved.metadata.resourceVersion,
          ...(fieldPath ? { fieldPath } : {}),
        },
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: time,
        lastTimestamp: time,
        source: { component, ...(component === 'kubelet' ? { host: 'mlops-node-1' } : {}) },
        reportingComponent: component,
        reportingInstance: component === 'kubelet' ? 'mlops-node-1' : '',
      },
      { manager: component },
    );
  }
}
