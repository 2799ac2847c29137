import type { Kind } from '../kinds.js';
import { KINDS, kindOf, mustKind } from '../kinds.js';
import type { KubeObject } from '../objects.js';
import { clone } from '../objects.js';
import type { Change } from '../store.js';
import type { ControllerContext } from './context.js';
import { WorkQueue } from './context.js';

const FOREGROUND = 'foregroundDeletion';

/**
 * The garbage collector: dependents (by ownerReference) of a deleted owner are deleted (Background); an
 * owner deleted with propagationPolicy Foreground keeps its deletionTimestamp and the foregroundDeletion
 * finalizer until its dependents are gone, then goes — what `kubectl delete --cascade=foreground` waits
 * for. Deleting a namespace deletes what is in it.
 */
export class GarbageCollector {
  private readonly queue: WorkQueue;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(
      (key) => this.sync(key),
      (error) => ctx.onError(error),
    );
    ctx.cluster.store.subscribe((change) => this.observe(change));
  }

  private observe(change: Change): void {
    const { metadata } = change.object;
    const key = (kind: Kind, namespace: string | undefined, name: string): string =>
      JSON.stringify([kind.kind, namespace, name]);
    if (change.type === 'DELETED') {
      if (change.kind.kind === 'Namespace') return this.emptyNamespace(metadata.name);
      for (const dependent of this.ctx.cluster.dependents(change.object)) {
        this.queue.add(key(dependent.kind, metadata.namespace, dependent.object.metadata.name));
      }
      for (const ref of metadata.ownerReferences ?? []) {
        const ownerKind = kindOf(ref.apiVersion, ref.kind);
        if (ownerKind) this.queue.add(key(ownerKind, metadata.namespace, ref.name));
      }
    } else if (metadata.deletionTimestamp && metadata.finalizers?.includes(FOREGROUND)) {
      this.queue.add(key(change.kind, metadata.namespace, metadata.name));
    }
  }

  private sync(key: string): void {
    const [kindName = '', namespace, name = ''] = JSON.parse(key) as [string, string | undefined, string];
    const kind = mustKind(kindName);
    const object = this.ctx.cluster.find(kind, namespace, name);
    if (!object) return;
    if (object.metadata.deletionTimestamp && object.metadata.finalizers?.includes(FOREGROUND))
      return this.foreground(kind, object);
    const owners = object.metadata.ownerReferences ?? [];
    const orphaned =
      owners.length > 0 &&
      owners.every((ref) => !this.ownerExists(object, ref.apiVersion, ref.kind, ref.uid));
    if (orphaned && !object.metadata.deletionTimestamp)
      this.ctx.cluster.delete(kind, namespace, name, { propagationPolicy: 'Background' });
  }

  private foreground(kind: Kind, owner: KubeObject): void {
    const dependents = this.ctx.cluster.dependents(owner);
    for (const { kind: dependentKind, object } of dependents) {
      if (!object.metadata.deletionTimestamp)
        this.ctx.cluster.delete(dependentKind, object.metadata.namespace, object.metadata.name, {
          propagationPolicy: 'Foreground',
        });
    }
    if (dependents.length > 0) return;
    const next = clone(owner);
    next.metadata.finalizers = owner.metadata.finalizers?.filter((f) => f !== FOREGROUND);
    this.ctx.cluster.commit(kind, owner, next, { manager: 'kube-controller-manager' }, 'Update');
  }

  private ownerExists(object: KubeObject, apiVersion: string, kindName: string, uid: string): boolean {
    const kind = kindOf(apiVersion, kindName);
    return (
      !kind || this.ctx.cluster.list(kind, object.metadata.namespace).some((o) => o.metadata.uid === uid)
    );
  }

  private emptyNamespace(namespace: string): void {
    for (const kind of KINDS.filter((k) => k.namespaced)) {
      for (const object of this.ctx.cluster.list(kind, namespace))
        this.ctx.cluster.store.remove(kind, object);
    }
  }
}
