/** Pure builders of a pod's status, as the kubelet reports it: container states, phase, conditions. */
import { now } from '../objects.js';
import type { EnvFrom, EnvVar } from './pod-env.js';

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: EnvFrom[];
  workingDir?: string;
  ports?: { containerPort: number; name?: string }[];
  readinessProbe?: {
    httpGet?: { path?: string; port: number | string };
    periodSeconds?: number;
    timeoutSeconds?: number;
    failureThreshold?: number;
  };
}

export interface PodSpec {
  containers: Container[];
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  nodeName?: string;
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
}

export interface Terminated {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt?: string;
  finishedAt: string;
  containerID?: string;
}

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: Terminated };

export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: Partial<{ terminated: Terminated }>;
}

export interface Condition {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime: string;
}

export interface PodStatus {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  conditions?: Condition[];
  containerStatuses?: ContainerStatus[];
  hostIP?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  qosClass?: string;
  message?: string;
  reason?: string;
}

export const initialContainerStatus = (c: Container): ContainerStatus => ({
  name: c.name,
  image: c.image,
  imageID: '',
  ready: false,
  started: false,
  restartCount: 0,
  state: { waiting: { reason: 'ContainerCreating' } },
  lastState: {},
});

/** Sets a condition, keeping its lastTransitionTime when its status does not change. */
export function setCondition(
  conditions: Condition[],
  type: string,
  status: 'True' | 'False',
  reason?: string,
  message?: string,
): Condition[] {
  const previous = conditions.find((c) => c.type === type);
  const next: Condition = {
    type,
    status,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
    lastProbeTime: null,
    lastTransitionTime: previous && previous.status === status ? previous.lastTransitionTime : now(),
  };
  return previous ? conditions.map((c) => (c.type === type ? next : c)) : [...conditions, next];
}

/** Phase by the kubelet's rule: terminal once every container ended and none will restart. */
export function phaseOf(
  statuses: readonly ContainerStatus[],
  restartPolicy: PodSpec['restartPolicy'],
  restarting: boolean,
): PodStatus['phase'] {
  const ended = statuses.map((s) => ('terminated' in s.state ? s.state.terminated : undefined));
  if (statuses.length && ended.every(Boolean) && !restarting) {
    return ended.every((t) => t?.exitCode === 0)
      ? 'Succeeded'
      : restartPolicy === 'Always'
        ? 'Running'
        : 'Failed';
  }
  return statuses.some((s) => s.started || s.restartCount > 0) ? 'Running' : 'Pending';
}

/** Ready and ContainersReady from the containers' readiness (PodCompleted once the pod is done). */
export function readiness(status: PodStatus): Condition[] {
  const statuses = status.containerStatuses ?? [];
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const done = status.phase === 'Succeeded' || status.phase === 'Failed';
  let conditions = status.conditions ?? [];
  for (const type of ['ContainersReady', 'Ready']) {
    conditions = unready.length
      ? setCondition(
          conditions,
          type,
          'False',
          done ? 'PodCompleted' : 'ContainersNotReady',
          done ? undefined : `containers with unready status: [${unready.join(' ')}]`,
        )
      : setCondition(conditions, type, 'True');
  }
  return conditions;
}
