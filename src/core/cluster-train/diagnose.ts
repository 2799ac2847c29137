import { MlopsError } from '../../kernel/errors.js';
import {
  containerStatus,
  jobCondition,
  podCondition,
  type EventObject,
  type JobObject,
  type PodObject,
} from './objects.js';
import { imageRegistryHost, isPullDenied, PULL_FAILURES, quoteLines as quote } from '../pod-problems.js';

/** What is known of a training Job when something went wrong: pure input of the diagnosis. */
export interface JobSnapshot {
  readonly job: JobObject;
  /** The Job's pods, oldest first. */
  readonly pods: readonly PodObject[];
  /** Events about the Job and its pods (FailedCreate, FailedScheduling). */
  readonly events: readonly EventObject[];
  /** The training container's name in the pods. */
  readonly container: string;
  /** The last log lines of the last pod that ran (of its previous container after a restart). */
  readonly lastLines: readonly string[];
}

const nameOf = (snapshot: JobSnapshot) =>
  `${snapshot.job.metadata.namespace ?? 'default'}/${snapshot.job.metadata.name}`;

/** What `--cancel` would say for a Job a problem leaves waiting (it keeps retrying until its deadline). */
const cancelHint = (snapshot: JobSnapshot) => `mlops train --cancel ${snapshot.job.metadata.name}`;

/**
 * Problems that will not go away while the Job waits: the image cannot be pulled, the container crashes
 * over and over, or the Job cannot create its pod. `follow` stops on them (the Job itself would only
 * fail at its deadline). An unschedulable pod is not one of them: an autoscaler may be adding a node.
 */
export function blockingProblem(snapshot: JobSnapshot): MlopsError | undefined {
  const created = failedCreate(snapshot);
  if (created) return created;
  for (const pod of [...snapshot.pods].reverse()) {
    const status = containerStatus(pod, snapshot.container);
    const waiting = status?.state?.waiting;
    if (waiting?.reason && PULL_FAILURES.has(waiting.reason)) return pullFailure(snapshot, pod, waiting);
    if (waiting?.reason === 'CrashLoopBackOff') {
      const last = status?.lastState?.terminated;
      return new MlopsError(
        `The training container of pod ${pod.metadata.name} keeps crashing (${status?.restartCount ?? 0} restarts, last exit code ${
          last?.exitCode ?? 'unknown'
        }); its last lines${quote(snapshot.lastLines)}`,
        {
          code: 'MLOPS_TRAIN_E5108',
          hint: `Fix the error in these lines (\`mlops train --local\` runs the same code here), then train again; ${cancelHint(snapshot)} stops the Job.`,
        },
      );
    }
  }
  return undefined;
}

/** Why a Job whose condition is Failed failed, in words a user can act on. */
export function failureDiagnosis(snapshot: JobSnapshot): MlopsError {
  const blocking = blockingProblem(snapshot);
  if (blocking) return blocking;
  const { job } = snapshot;
  const failed = jobCondition(job, 'Failed');
  const unschedulable = unschedulableMessage(snapshot);
  if (unschedulable !== undefined) {
    return new MlopsError(
      `The training pod of Job ${nameOf(snapshot)} could never be scheduled: ${unschedulable}`,
      {
        code: 'MLOPS_TRAIN_E5111',
        hint: 'Lower cluster.training.resources.requests in mlops.config.json, or give the cluster more or larger nodes (infra.nodeMax, infra.nodeInstanceTypes).',
      },
    );
  }
  if (failed?.reason === 'DeadlineExceeded') {
    const deadline = job.spec?.activeDeadlineSeconds;
    return new MlopsError(
      `The training Job ${nameOf(snapshot)} ran past its deadline of ${deadline ?? '?'} s and was stopped; its last lines${quote(snapshot.lastLines)}`,
      {
        code: 'MLOPS_TRAIN_E5109',
        hint: 'Raise cluster.training.activeDeadlineSeconds in mlops.config.json, or train for less (--param epochs=N).',
      },
    );
  }
  const lastPod = snapshot.pods.at(-1)?.metadata.name;
  if (failed?.reason === 'BackoffLimitExceeded') {
    const attempts = (job.spec?.backoffLimit ?? 0) + 1;
    return new MlopsError(
      `The training Job ${nameOf(snapshot)} failed ${attempts} time${attempts === 1 ? '' : 's'} (backoffLimit ${
        job.spec?.backoffLimit ?? 0
      }); last lines of pod ${lastPod ?? '?'}${quote(snapshot.lastLines)}`,
      {
        code: 'MLOPS_TRAIN_E5110',
        hint: 'Fix the error in these lines (`mlops train --local` runs the same code here), then run mlops train again.',
      },
    );
  }
  return new MlopsError(
    `The training Job ${nameOf(snapshot)} failed (${failed?.reason ?? 'no reason given'}${
      failed?.message ? `: ${failed.message}` : ''
    }); last lines${quote(snapshot.lastLines)}`,
    {
      code: 'MLOPS_TRAIN_E5114',
      hint: `See kubectl describe job ${job.metadata.name} -n ${job.metadata.namespace ?? 'default'} for the Job's events.`,
    },
  );
}

function pullFailure(
  snapshot: JobSnapshot,
  pod: PodObject,
  waiting: { readonly reason?: string; readonly message?: string },
): MlopsError {
  const image =
    pod.spec?.containers?.find((c) => c.name === snapshot.container)?.image ??
    containerStatus(pod, snapshot.container)?.image ??
    'the training image';
  const host = imageRegistryHost(image);
  const detail = waiting.message ? `: ${waiting.message}` : '';
  const denied = isPullDenied(waiting.message);
  const account = pod.spec?.serviceAccountName ?? snapshot.job.spec?.template?.spec?.serviceAccountName;
  const secrets = pod.spec?.imagePullSecrets?.map((s) => s.name) ?? [];
  const hint = denied
    ? `The registry ${host} refused the node: on ECR the node role needs ECR read access; on a private registry give the service account ${
        account ?? '(the training one)'
      } an imagePullSecret${secrets.length ? ` (it has ${secrets.join(', ')}: check its credentials)` : ''}; then ${cancelHint(snapshot)} and train again.`
    : `Push the image with \`mlops build training --push\` (or pass --image with a pushed reference), then ${cancelHint(snapshot)} and run mlops train again.`;
  return new MlopsError(
    `Cannot pull the training image ${image} from ${host} (${waiting.reason}${detail}).`,
    { code: 'MLOPS_TRAIN_E5107', hint },
  );
}

function failedCreate(snapshot: JobSnapshot): MlopsError | undefined {
  const { job } = snapshot;
  const event = [...snapshot.events]
    .reverse()
    .find((e) => e.reason === 'FailedCreate' && e.involvedObject?.name === job.metadata.name);
  if (!event) return undefined;
  const namespace = job.metadata.namespace ?? 'default';
  const account = job.spec?.template?.spec?.serviceAccountName ?? 'default';
  const message = event.message ?? 'no message';
  const missingAccount = /serviceaccount/i.test(message) && /not found/i.test(message);
  return new MlopsError(
    missingAccount
      ? `The Job ${nameOf(snapshot)} cannot create its pod: the service account ${namespace}/${account} does not exist (${message}).`
      : `The Job ${nameOf(snapshot)} cannot create its pod: ${message}`,
    {
      code: 'MLOPS_TRAIN_E5112',
      hint: missingAccount
        ? `mlops train creates ${account} before it submits: run it again (your RBAC must allow creating serviceaccounts in ${namespace}); ${cancelHint(snapshot)} removes this Job.`
        : `An admission policy or quota of namespace ${namespace} refuses the pod: kubectl describe job ${job.metadata.name} -n ${namespace} says which.`,
    },
  );
}

/** The scheduler's reason when a pod of the Job was never placed on a node. */
function unschedulableMessage(snapshot: JobSnapshot): string | undefined {
  for (const pod of [...snapshot.pods].reverse()) {
    const reason = pendingReason(pod, snapshot.events);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** The scheduler's reason for a pod it has not placed (yet): a warning while the Job waits. */
export function pendingReason(pod: PodObject, events: readonly EventObject[]): string | undefined {
  const scheduled = podCondition(pod, 'PodScheduled');
  if (scheduled?.status !== 'False') return undefined;
  const event = [...events]
    .reverse()
    .find((e) => e.reason === 'FailedScheduling' && e.involvedObject?.name === pod.metadata.name);
  return event?.message ?? scheduled.message ?? scheduled.reason ?? 'Unschedulable';
}
