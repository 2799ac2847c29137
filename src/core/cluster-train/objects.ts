import type { KindRef, KubeObject } from '../ports/cluster.js';

/** The few fields of Jobs, Pods and Events that following and diagnosing a training run reads. */

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

export interface JobObject extends KubeObject {
  readonly spec?: {
    readonly backoffLimit?: number;
    readonly activeDeadlineSeconds?: number;
    readonly template?: {
      readonly spec?: {
        readonly serviceAccountName?: string;
        readonly containers?: readonly { readonly name: string; readonly image?: string }[];
      };
    };
  };
  readonly status?: {
    readonly conditions?: readonly Condition[];
    readonly startTime?: string;
    readonly completionTime?: string;
    readonly active?: number;
    readonly failed?: number;
    readonly succeeded?: number;
  };
}

export interface ContainerState {
  readonly waiting?: { readonly reason?: string; readonly message?: string };
  readonly running?: { readonly startedAt?: string };
  readonly terminated?: {
    readonly exitCode?: number;
    readonly reason?: string;
    readonly message?: string;
  };
}

export interface ContainerStatus {
  readonly name: string;
  readonly image?: string;
  readonly restartCount?: number;
  readonly state?: ContainerState;
  readonly lastState?: ContainerState;
}

export interface PodObject extends KubeObject {
  readonly spec?: {
    readonly serviceAccountName?: string;
    readonly imagePullSecrets?: readonly { readonly name: string }[];
    readonly containers?: readonly { readonly name: string; readonly image?: string }[];
  };
  readonly status?: {
    readonly phase?: string;
    readonly reason?: string;
    readonly message?: string;
    readonly conditions?: readonly Condition[];
    readonly containerStatuses?: readonly ContainerStatus[];
  };
}

export interface EventObject extends KubeObject {
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly involvedObject?: { readonly kind?: string; readonly name?: string };
}

export const jobKind = (namespace: string): KindRef => ({ apiVersion: 'batch/v1', kind: 'Job', namespace });
export const podKind = (namespace: string): KindRef => ({ apiVersion: 'v1', kind: 'Pod', namespace });
export const eventKind = (namespace: string): KindRef => ({ apiVersion: 'v1', kind: 'Event', namespace });

/** The label the Job controller puts on its pods. */
export const jobPodSelector = (job: string): string => `job-name=${job}`;

export type JobResult = 'Complete' | 'Failed';

/** `Complete` or `Failed` once the Job's condition says so (status True), else undefined. */
export function jobResult(job: JobObject): JobResult | undefined {
  for (const c of job.status?.conditions ?? []) {
    if (c.status === 'True' && (c.type === 'Complete' || c.type === 'Failed')) return c.type;
  }
  return undefined;
}

export const jobCondition = (job: JobObject, type: string): Condition | undefined =>
  job.status?.conditions?.find((c) => c.type === type && c.status === 'True');

export const podCondition = (pod: PodObject, type: string): Condition | undefined =>
  pod.status?.conditions?.find((c) => c.type === type);

/** The status of a pod's container (the training one, else the first). */
export const containerStatus = (pod: PodObject, name: string): ContainerStatus | undefined =>
  pod.status?.containerStatuses?.find((s) => s.name === name) ?? pod.status?.containerStatuses?.[0];

/** Whether the container has a log to read: it runs or ran (a waiting one answers 400 to `logs`). */
export function hasStarted(pod: PodObject, container: string): boolean {
  const state = containerStatus(pod, container)?.state;
  if (state) return state.running !== undefined || state.terminated !== undefined;
  const phase = pod.status?.phase;
  return phase === 'Running' || phase === 'Succeeded';
}

/** Oldest first: the order in which the Job made its pods (a retry comes after the pod it replaces). */
export const byCreation = <T extends KubeObject>(a: T, b: T): number =>
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
  a.metadata.name.localeCompare(b.metadata.name);
