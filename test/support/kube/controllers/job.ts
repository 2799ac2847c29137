import { mustKind } from '../kinds.js';
import type { JsonObject, KubeObject } from '../objects.js';
import { clone, isOwnedBy, now } from '../objects.js';
import type { Change } from '../store.js';
import type { ControllerContext } from './context.js';
import { createOwnedPod } from './owned-pod.js';
import { objectKey, ownerQueue, splitKey, type WorkQueue } from './context.js';
import type { Condition, PodSpec, PodStatus } from './pod-status.js';
import { setCondition } from './pod-status.js';

interface JobSpec {
  completions: number;
  parallelism: number;
  backoffLimit: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  template: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: PodSpec;
  };
}

interface JobStatus {
  active?: number;
  succeeded?: number;
  failed?: number;
  ready?: number;
  terminating?: number;
  startTime?: string;
  completionTime?: string;
  conditions?: Condition[];
  uncountedTerminatedPods?: JsonObject;
}

const MANAGER = { manager: 'kube-controller-manager', subresource: 'status' as const };
const phase = (pod: KubeObject): string | undefined => (pod.status as PodStatus | undefined)?.phase;
const has = (status: JobStatus, type: string): boolean =>
  (status.conditions ?? []).some((c) => c.type === type && c.status === 'True');

/**
 * The Job controller of Kubernetes 1.31+: a pod per attempt (ownerReference, the job-name and
 * controller-uid labels), backoffLimit with back-off between attempts, activeDeadlineSeconds, and
 * conditions SuccessCriteriaMet → Complete or FailureTarget → Failed once the pods are gone. A pod whose
 * service account does not exist is not created: the Job gets the FailedCreate event a real cluster gives.
 */
export class JobController {
  private readonly jobs = mustKind('Job');
  private readonly pods = mustKind('Pod');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly queue: WorkQueue;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = ownerQueue(ctx, this.jobs, this.pods, (key) => this.sync(key));
    ctx.cluster.store.subscribe((change) => this.observe(change));
  }

  /** A service account that appears lets Jobs waiting for it create their pods. */
  private observe(change: Change): void {
    const { namespace } = change.object.metadata;
    if (change.kind === mustKind('ServiceAccount') && change.type === 'ADDED') {
      for (const job of this.ctx.cluster.list(this.jobs, namespace))
        this.queue.add(objectKey(namespace, job.metadata.name));
    }
  }

  private sync(key: string): void {
    const { cluster } = this.ctx;
    const job = cluster.find(this.jobs, ...splitKey(key));
    if (!job || job.metadata.deletionTimestamp) return this.clearTimer(key);
    const spec = job.spec as JobSpec;
    const status = clone((job.status ?? {}) as JobStatus);
    if (has(status, 'Complete') || has(status, 'Failed')) return;
    const pods = cluster.list(this.pods, job.metadata.namespace).filter((p) => isOwnedBy(p, job));
    const active = pods.filter(
      (p) => phase(p) !== 'Succeeded' && phase(p) !== 'Failed' && !p.metadata.deletionTimestamp,
    );
    const succeeded = pods.filter((p) => phase(p) === 'Succeeded').length;
    const restarts = pods.reduce(
      (n, p) =>
        n +
        ((p.status as PodStatus | undefined)?.containerStatuses ?? []).reduce(
          (m, s) => m + s.restartCount,
          0,
        ),
      0,
    );
    const failed =
      pods.filter((p) => phase(p) === 'Failed').length +
      (spec.template.spec.restartPolicy === 'OnFailure' ? restarts : 0);
    status.startTime ??= now();

    const deadline = spec.activeDeadlineSeconds;
    const remaining =
      deadline === undefined ? Infinity : Date.parse(status.startTime) + deadline * 1000 - Date.now();
    if (!has(status, 'FailureTarget') && !has(status, 'SuccessCriteriaMet')) {
      if (succeeded >= spec.completions) {
        status.conditions = setCondition(
          status.conditions ?? [],
          'SuccessCriteriaMet',
          'True',
          'CompletionsReached',
          'Reached expected number of succeeded pods',
        );
      } else if (failed > spec.backoffLimit) {
        status.conditions = setCondition(
          status.conditions ?? [],
          'FailureTarget',
          'True',
          'BackoffLimitExceeded',
          'Job has reached the specified backoff limit',
        );
      } else if (remaining <= 0) {
        status.conditions = setCondition(
          status.conditions ?? [],
          'FailureTarget',
          'True',
          'DeadlineExceeded',
          'Job was active longer than specified deadline',
        );
      }
    }
    const ending = has(status, 'FailureTarget') || has(status, 'SuccessCriteriaMet');
    if (ending)
      for (const pod of active)
        cluster.delete(this.pods, pod.metadata.namespace, pod.metadata.name, {
          propagationPolicy: 'Background',
        });
    let activeCount = ending ? 0 : active.length;
    if (
      ending &&
      pods.every((p) => !p.metadata.deletionTimestamp || phase(p) === 'Succeeded' || phase(p) === 'Failed')
    ) {
      const target = (status.conditions ?? []).find((c) => c.type === 'FailureTarget');
      if (target)
        status.conditions = setCondition(
          status.conditions ?? [],
          'Failed',
          'True',
          target.reason,
          target.message,
        );
      else {
        status.conditions = setCondition(
          status.conditions ?? [],
          'Complete',
          'True',
          'CompletionsReached',
          'Reached expected number of succeeded pods',
        );
        status.completionTime = now();
      }
      if (target)
        this.ctx.events.record(
          job,
          'Warning',
          target.reason ?? 'Failed',
          target.message ?? '',
          'job-controller',
        );
      else this.ctx.events.record(job, 'Normal', 'Completed', 'Job completed', 'job-controller');
      this.clearTimer(key);
      this.expireLater(job, spec);
    } else if (!ending) {
      if (Number.isFinite(remaining)) this.later(key, remaining);
      if (activeCount < spec.parallelism && succeeded < spec.completions) {
        const wait =
          failed > 0 ? this.ctx.options.backoffMs * 2 ** (failed - 1) - this.sinceLastFailure(pods) : 0;
        if (wait > 0) this.later(key, Math.min(wait, remaining));
        else if (this.createPod(job, spec)) activeCount++;
      }
    }
    const ready = active.filter((p) =>
      ((p.status as PodStatus | undefined)?.conditions ?? []).some(
        (c) => c.type === 'Ready' && c.status === 'True',
      ),
    ).length;
    const next: JobStatus = {
      ...status,
      ...(activeCount ? { active: activeCount } : {}),
      ...(succeeded ? { succeeded } : {}),
      ...(failed ? { failed } : {}),
      ready,
      terminating: pods.filter((p) => p.metadata.deletionTimestamp).length,
      uncountedTerminatedPods: {},
    };
    if (!activeCount) delete next.active;
    cluster.commit(this.jobs, job, { ...clone(job), status: next }, MANAGER, 'Update');
  }

  private sinceLastFailure(pods: readonly KubeObject[]): number {
    const finished = pods
      .filter((p) => phase(p) === 'Failed')
      .flatMap((p) =>
        ((p.status as PodStatus | undefined)?.containerStatuses ?? []).map((s) =>
          'terminated' in s.state ? Date.parse(s.state.terminated.finishedAt) : 0,
        ),
      );
    return finished.length ? Date.now() - Math.max(...finished) : Infinity;
  }

  /** Creates the next pod, or records FailedCreate when its service account is missing. */
  private createPod(job: KubeObject, spec: JobSpec): boolean {
    const { cluster, events } = this.ctx;
    const namespace = job.metadata.namespace ?? 'default';
    const account = spec.template.spec.serviceAccountName ?? 'default';
    if (!cluster.find(mustKind('ServiceAccount'), namespace, account)) {
      const message = `Error creating: pods "${job.metadata.name}-" is forbidden: error looking up service account ${namespace}/${account}: serviceaccount "${account}" not found`;
      events.record(job, 'Warning', 'FailedCreate', message, 'job-controller');
      return false;
    }
    createOwnedPod(this.ctx, job, spec.template, 'job-controller');
    return true;
  }

  private expireLater(job: KubeObject, spec: JobSpec): void {
    const ttl = spec.ttlSecondsAfterFinished;
    if (ttl === undefined) return;
    const key = objectKey(job.metadata.namespace, job.metadata.name);
    this.clearTimer(key);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        const live = this.ctx.cluster.find(this.jobs, job.metadata.namespace, job.metadata.name);
        if (live?.metadata.uid === job.metadata.uid)
          this.ctx.cluster.delete(this.jobs, job.metadata.namespace, job.metadata.name, {
            propagationPolicy: 'Background',
          });
      }, ttl * 1000),
    );
  }

  /** Syncs again after a back-off or at the deadline: the only timers here. */
  private later(key: string, ms: number): void {
    this.clearTimer(key);
    this.timers.set(
      key,
      setTimeout(
        () => {
          this.timers.delete(key);
          this.queue.add(key);
        },
        Math.max(0, ms) + 5,
      ),
    );
  }

  private clearTimer(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
