import type { Kind } from './kinds.js';
import type { KubeObject } from './objects.js';
import { clone } from './objects.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One write, as etcd would keep it: the new object and, for watches with selectors, the one it replaced. */
export interface Change {
  readonly rv: number;
  readonly type: ChangeType;
  readonly kind: Kind;
  readonly object: KubeObject;
  readonly previous?: KubeObject;
}

const keyOf = (kind: Kind): string => `${kind.group}/${kind.resource}`;
const nameKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

/**
 * Objects in memory by resource and namespace/name, with one cluster-wide, monotonically increasing
 * resourceVersion (as etcd's revision) and a bounded history of changes for watches to resume from.
 */
export class ObjectStore {
  private revision = 1;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: Change[] = [];
  /** The newest revision no longer in the history: a watch from before it is answered 410. */
  private compacted = 0;
  private readonly listeners = new Set<(change: Change) => void>();

  constructor(private readonly historySize: number) {}

  get resourceVersion(): string {
    return String(this.revision);
  }

  get oldestResumable(): number {
    return this.compacted;
  }

  get(kind: Kind, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.objects.get(keyOf(kind))?.get(nameKey(kind.namespaced ? namespace : undefined, name));
    return found && clone(found);
  }

  list(kind: Kind, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(keyOf(kind))?.values() ?? [])];
    return all
      .filter((o) => !namespace || !kind.namespaced || o.metadata.namespace === namespace)
      .sort((a, b) =>
        nameKey(a.metadata.namespace, a.metadata.name).localeCompare(
          nameKey(b.metadata.namespace, b.metadata.name),
        ),
      )
      .map(clone);
  }

  /** Stores a new or changed object under the next resourceVersion and tells watchers and controllers. */
  put(kind: Kind, object: KubeObject): KubeObject {
    const bucket = this.objects.get(keyOf(kind)) ?? new Map<string, KubeObject>();
    this.objects.set(keyOf(kind), bucket);
    const key = nameKey(object.metadata.namespace, object.metadata.name);
    const previous = bucket.get(key);
    const stored = clone(object);
    stored.metadata.resourceVersion = String(++this.revision);
    bucket.set(key, stored);
    this.record({
      rv: this.revision,
      type: previous ? 'MODIFIED' : 'ADDED',
      kind,
      object: stored,
      ...(previous ? { previous } : {}),
    });
    return clone(stored);
  }

  remove(kind: Kind, object: KubeObject): KubeObject | undefined {
    const bucket = this.objects.get(keyOf(kind));
    const key = nameKey(object.metadata.namespace, object.metadata.name);
    const previous = bucket?.get(key);
    if (!bucket || !previous) return undefined;
    bucket.delete(key);
    const gone = clone(previous);
    gone.metadata.resourceVersion = String(++this.revision);
    this.record({ rv: this.revision, type: 'DELETED', kind, object: gone, previous });
    return clone(gone);
  }

  /** Changes after `rv`, or undefined when some of them were already dropped from the history. */
  since(rv: number): Change[] | undefined {
    if (rv < this.compacted) return undefined;
    return this.history.filter((c) => c.rv > rv);
  }

  /** Forgets the history, as etcd's compaction does: every resume from before now gets 410. */
  compact(): void {
    this.compacted = this.revision;
    this.history.length = 0;
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(change: Change): void {
    this.history.push(change);
    while (this.history.length > this.historySize)
      this.compacted = this.history.shift()?.rv ?? this.compacted;
    for (const listener of [...this.listeners]) listener(change);
  }
}
