import { MlopsError } from '../../kernel/errors.js';
import { containerStatus, type EventObject, type PodObject } from '../cluster-train/objects.js';
import { imageRegistryHost, isPullDenied, PULL_FAILURES, quoteLines } from '../pod-problems.js';
import type { DeploymentObject } from './rollout.js';

/** What is known of a serving rollout that went wrong: the pure input of its diagnosis. */
export interface RolloutSnapshot {
  readonly deployment: DeploymentObject;
  /** The pods of the Deployment's current template, oldest first. */
  readonly pods: readonly PodObject[];
  /** Events about those pods and the Deployment (Failed, BackOff, Unhealthy). */
  readonly events: readonly EventObject[];
  /** The serving container's name. */
  readonly container: string;
  /** The last log lines of a crashing container (its previous instance). */
  readonly lastLines: readonly string[];
  readonly recovery: Recovery;
}

/** How to get back to what served before: printed with every failure. */
export interface Recovery {
  /** The image the Deployment ran before this deploy; absent on a first deploy. */
  readonly previousImage?: string;
  /** ` --context NAME` when the user gave one, so that the commands are exact. */
  readonly contextFlag?: string;
}

const nameOf = (d: DeploymentObject) => `${d.metadata.namespace ?? 'default'}/${d.metadata.name}`;

/** The exact commands that restore service: the image that ran before, or the model version before. */
export function recoveryHint(recovery: Recovery): string {
  const context = recovery.contextFlag ?? '';
  const back = recovery.previousImage
    ? `mlops deploy --image ${recovery.previousImage}${context} goes back to the image that served before`
    : `mlops deploy --image REPOSITORY:TAG${context} deploys a fixed image`;
  return `${back}; mlops rollback${context} goes back to the previous model version if the new one is what fails.`;
}

/**
 * Problems that waiting will not cure, seen in the pods of the new template: the image cannot be pulled,
 * or the container crashes over and over. The rollout stops on them at once (the Deployment itself would
 * only say so at its progress deadline).
 */
export function blockingRolloutProblem(snapshot: RolloutSnapshot): MlopsError | undefined {
  for (const pod of [...snapshot.pods].reverse()) {
    const status = containerStatus(pod, snapshot.container);
    const waiting = status?.state?.waiting;
    if (waiting?.reason && PULL_FAILURES.has(waiting.reason)) {
      const image = status?.image ?? pod.spec?.containers?.[0]?.image ?? 'the serving image';
      const host = imageRegistryHost(image);
      const secrets = pod.spec?.imagePullSecrets?.map((s) => s.name) ?? [];
      const fix = isPullDenied(waiting.message)
        ? `The registry ${host} refused the node: on ECR the node role needs ECR read access; elsewhere check the pull secret${
            secrets.length
              ? ` ${secrets.join(', ')}`
              : ' (none is set: give GHCR_TOKEN or docker login credentials)'
          }.`
        : 'Push the image first (mlops build serving --push).';
      return new MlopsError(
        `Cannot pull the serving image ${image} from ${host} for pod ${pod.metadata.name} (${waiting.reason}${
          waiting.message ? `: ${waiting.message}` : ''
        }).`,
        { code: 'MLOPS_DEPLOY_E5207', hint: `${fix} ${recoveryHint(snapshot.recovery)}` },
      );
    }
    if (waiting?.reason === 'CrashLoopBackOff') {
      const last = status?.lastState?.terminated;
      return new MlopsError(
        `The serving container of pod ${pod.metadata.name} keeps crashing (${status?.restartCount ?? 0} restarts, last exit code ${
          last?.exitCode ?? 'unknown'
        }); its last lines${quoteLines(snapshot.lastLines)}`,
        {
          code: 'MLOPS_DEPLOY_E5208',
          hint: `Fix the error in these lines (mlops serve runs the same server here). ${recoveryHint(snapshot.recovery)}`,
        },
      );
    }
  }
  return undefined;
}

/** The readiness probe's last complaint about a pod of the new template (the kubelet's Unhealthy event). */
function lastReadinessFailure(snapshot: RolloutSnapshot): EventObject | undefined {
  const pods = new Set(snapshot.pods.map((p) => p.metadata.name));
  return [...snapshot.events]
    .reverse()
    .find(
      (e) =>
        e.reason === 'Unhealthy' &&
        /readiness/i.test(e.message ?? '') &&
        pods.has(e.involvedObject?.name ?? ''),
    );
}

/** Why the Deployment ran past its progress deadline, in words a user can act on. */
export function deadlineDiagnosis(snapshot: RolloutSnapshot): MlopsError {
  const blocking = blockingRolloutProblem(snapshot);
  if (blocking) return blocking;
  const { deployment } = snapshot;
  const deadline = deployment.spec?.progressDeadlineSeconds ?? 600;
  const unready = lastReadinessFailure(snapshot);
  if (unready) {
    return new MlopsError(
      `The serving pods of ${nameOf(deployment)} never became ready within the progress deadline of ${deadline} s; the last /ready answer: ${
        unready.message ?? 'none'
      } (pod ${unready.involvedObject?.name ?? '?'}).`,
      {
        code: 'MLOPS_DEPLOY_E5209',
        hint: `/ready fails while no model version is loaded: check that the alias points at a version the serving pods can read (registry access, kubectl logs -n ${
          deployment.metadata.namespace ?? 'default'
        } POD). ${recoveryHint(snapshot.recovery)}`,
      },
    );
  }
  return new MlopsError(
    `The rollout of ${nameOf(deployment)} made no progress within its progress deadline of ${deadline} s (ProgressDeadlineExceeded).`,
    {
      code: 'MLOPS_DEPLOY_E5210',
      hint: `kubectl describe deployment ${deployment.metadata.name} -n ${
        deployment.metadata.namespace ?? 'default'
      } shows its events (quota, scheduling). ${recoveryHint(snapshot.recovery)}`,
    },
  );
}
