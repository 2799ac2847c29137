import type { Cluster } from '../cluster.js';
import type { Kind } from '../kinds.js';
import type { EventRecorder } from '../events.js';
import type { Faults } from '../faults.js';
import type { PodLogs } from '../logs.js';
import type { PodPorts } from './pod-ports.js';

export interface ControllerOptions {
  /** Where pods' processes run: the container's workingDir (e.g. /app) maps to this directory. */
  readonly projectDir: string;
  /** Extra env every pod process gets (standing in for IRSA, the S3 endpoint…). */
  readonly podEnv: Readonly<Record<string, string>>;
  /** The first back-off of a restart or a retry; it doubles up to 10×. */
  readonly backoffMs: number;
  /** Run Deployment pods' commands as processes, each on its own local port, with real readiness probes. */
  readonly runDeploymentPods: boolean;
  /** Image repository → its ENTRYPOINT, for containers that give only args (as a runtime fills argv). */
  readonly entrypoints: Readonly<Record<string, readonly string[]>>;
  /** The readiness probes' period instead of their periodSeconds (short in tests). */
  readonly probePeriodMs?: number;
}

export interface ControllerContext {
  readonly cluster: Cluster;
  readonly events: EventRecorder;
  readonly logs: PodLogs;
  readonly faults: Faults;
  /** Container port → local port of each running pod (the pod proxy's way in). */
  readonly ports: PodPorts;
  readonly options: ControllerOptions;
  /** A controller's sync threw: a bug in the test server, reported rather than swallowed. */
  readonly onError: (error: unknown) => void;
}

/**
 * Runs a controller's sync for each key at most once per turn of the event loop, after the write that
 * queued it has finished: controllers react to changes, as informers do, never by polling.
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private scheduled = false;

  constructor(
    private readonly sync: (key: string) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  add(key: string): void {
    this.pending.add(key);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const keys = [...this.pending];
      this.pending.clear();
      for (const key of keys) {
        try {
          this.sync(key);
        } catch (error) {
          this.onError(error);
        }
      }
    });
  }
}

export const objectKey = (namespace: string | undefined, name: string): string =>
  `${namespace ?? ''}/${name}`;

export const splitKey = (key: string): [string, string] => {
  const [namespace = '', name = ''] = key.split('/');
  return [namespace, name];
};

/**
 * The loop of a controller of `owner` objects: its sync runs, through a work queue, when an owner or an
 * `owned` object it controls (ownerReferences, controller: true) changes, as a real controller's two
 * informers trigger it.
 */
export function ownerQueue(
  ctx: ControllerContext,
  owner: Kind,
  owned: Kind,
  sync: (key: string) => void,
): WorkQueue {
  const queue = new WorkQueue(sync, (error) => ctx.onError(error));
  ctx.cluster.store.subscribe((change) => {
    const { namespace, name, ownerReferences } = change.object.metadata;
    if (change.kind === owner) queue.add(objectKey(namespace, name));
    const ref = ownerReferences?.find((r) => r.kind === owner.kind && r.controller);
    if (change.kind === owned && ref) queue.add(objectKey(namespace, ref.name));
  });
  return queue;
}
