/**
 * The port between the cluster use-cases (train on the cluster, deploy, status, doctor) and a Kubernetes
 * API server. Core decides what to apply and how to read what happens; the client (providers/kubernetes,
 * @kubernetes/client-node) only speaks the protocol: server-side apply, get/list/delete, watch and logs.
 * Objects are plain JSON, as src/manifests builds them.
 */

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly creationTimestamp?: string;
  readonly deletionTimestamp?: string;
  readonly ownerReferences?: readonly {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    readonly uid: string;
  }[];
}

/** Any Kubernetes object: `apiVersion`, `kind`, `metadata`, and whatever its kind carries. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [field: string]: unknown;
}

/** Which objects: a kind in a namespace (cluster-scoped kinds leave `namespace` out). */
export interface KindRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
}

export interface ObjectRef extends KindRef {
  readonly name: string;
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly signal?: AbortSignal;
}

export interface ObjectList<T extends KubeObject> {
  readonly items: readonly T[];
  /** The list's resourceVersion: a watch from it sees every change after the list. */
  readonly resourceVersion: string;
}

export interface WatchOptions extends ListOptions {
  /** Start after this resourceVersion (from a list or an earlier event); absent: from now. */
  readonly resourceVersion?: string;
}

/**
 * A watch event. The client resumes a dropped watch from the last resourceVersion it saw; when the server
 * answers 410 Gone (too old), it lists again and yields each current object as MODIFIED (and DELETED for
 * those that went away), so a consumer that treats every event as "the object's state is now this" never
 * misses an end state.
 */
export interface WatchEvent<T extends KubeObject> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: T;
}

export interface LogOptions {
  readonly container?: string;
  /** Keep the stream open and yield lines as the container writes them. */
  readonly follow?: boolean;
  /** Only the last N lines (failure messages). */
  readonly tailLines?: number;
  /** The previous container instance (after a restart): its last lines. */
  readonly previous?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * One line of a container log. `time` is the kubelet's timestamp (RFC 3339, nanoseconds): a follow that
 * drops is resumed with `sinceTime` and lines already yielded are skipped, so none is lost or repeated.
 */
export interface LogLine {
  readonly time: string;
  readonly line: string;
}

export interface ApplyOptions {
  /** Take over fields another manager owns (`--force-conflicts`); otherwise a conflict is an error. */
  readonly forceConflicts?: boolean;
  /** Server-side dry run: validated and defaulted by the server, nothing stored. */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
}

export interface DeleteOptions {
  /** Foreground: the call's object goes only after its dependents (a Job's pods). */
  readonly propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  readonly signal?: AbortSignal;
}

export interface ClusterIdentity {
  /** The kubeconfig context in use. */
  readonly context: string;
  /** The API server's address. */
  readonly server: string;
}

export interface ClusterClient extends ClusterIdentity {
  /** The server's version (`/version` gitVersion, e.g. v1.32.4): proves it is reachable and we may talk. */
  serverVersion(signal?: AbortSignal): Promise<string>;
  /** Server-side apply (field manager `mlops`); returns the object as stored. */
  apply<T extends KubeObject>(object: T, options?: ApplyOptions): Promise<T>;
  /** The object, or undefined when it does not exist. */
  get<T extends KubeObject>(ref: ObjectRef, signal?: AbortSignal): Promise<T | undefined>;
  list<T extends KubeObject>(kind: KindRef, options?: ListOptions): Promise<ObjectList<T>>;
  /** Deletes the object; false when it did not exist. */
  delete(ref: ObjectRef, options?: DeleteOptions): Promise<boolean>;
  /** Changes to objects of a kind until `signal` aborts (never a polling loop). */
  watch<T extends KubeObject>(kind: KindRef, options: WatchOptions): AsyncIterable<WatchEvent<T>>;
  /** A pod's log, line by line; with `follow`, until the container ends or `signal` aborts. */
  logs(namespace: string, pod: string, options?: LogOptions): AsyncIterable<LogLine>;
  /**
   * A GET through the API server's pod proxy (`pods/NAME:PORT/proxy/PATH`), its JSON answer: how status
   * asks each serving pod which version it serves, with no port-forward.
   */
  proxyGet(target: PodTarget, path: string, signal?: AbortSignal): Promise<unknown>;
}

export interface PodTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly port: number;
}
