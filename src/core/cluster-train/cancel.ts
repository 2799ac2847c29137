import { outcome, type IoHost } from '../../kernel/io-host.js';
import type { ClusterClient } from '../ports/cluster.js';
import { jobNotFound } from './list.js';
import { jobKind, jobPodSelector, podKind, type JobObject, type PodObject } from './objects.js';

export interface CancelOptions {
  readonly cluster: ClusterClient;
  readonly namespace: string;
  readonly job: string;
  readonly model: string;
  readonly io: IoHost;
  readonly signal?: AbortSignal;
}

export interface Cancelled {
  readonly job: string;
  readonly namespace: string;
  /** Pods the deletion took with it. */
  readonly pods: readonly string[];
}

/**
 * Deletes a training Job with foreground propagation (the Job goes only after its pods) and waits, on a
 * watch from before the delete, until it is gone: when this returns, no pod of it is left.
 */
export async function cancelTrainingJob(options: CancelOptions): Promise<Cancelled> {
  const { cluster, namespace, job, signal } = options;
  const byName = { fieldSelector: `metadata.name=${job}` };
  const [jobs, pods] = await Promise.all([
    cluster.list<JobObject>(jobKind(namespace), { ...byName, signal }),
    cluster.list<PodObject>(podKind(namespace), { labelSelector: jobPodSelector(job), signal }),
  ]);
  if (jobs.items.length === 0) throw await jobNotFound({ ...options });
  const watching = new AbortController();
  const stop = signal ? AbortSignal.any([watching.signal, signal]) : watching.signal;
  try {
    const gone = (async () => {
      for await (const event of cluster.watch<JobObject>(jobKind(namespace), {
        ...byName,
        resourceVersion: jobs.resourceVersion,
        signal: stop,
      })) {
        if (event.type === 'DELETED') return;
      }
      signal?.throwIfAborted();
    })();
    await cluster.delete({ ...jobKind(namespace), name: job }, { propagationPolicy: 'Foreground', signal });
    await gone;
  } finally {
    watching.abort();
  }
  const cancelled = { job, namespace, pods: pods.items.map((p) => p.metadata.name).sort() };
  options.io.notify(
    outcome(
      'cancelled',
      `Deleted Job ${namespace}/${job} and its ${cancelled.pods.length} pod${cancelled.pods.length === 1 ? '' : 's'}.`,
      cancelled,
    ),
  );
  return cancelled;
}
