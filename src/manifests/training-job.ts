import type { MlopsConfig } from '../config/schema.js';
import { containerSecurityContext, podSecurityContext, TMP_VOLUME } from './hardening.js';
import { canonical, componentLabels } from './labels.js';
import { workloadIdentities } from './workload-identities.js';

export const TRAINING_CONTAINER = 'train';

/** The label of the run id on the Job and its pods; MLOPS_RUN_ID carries it into the registry lineage. */
export const RUN_ID_LABEL = 'mlops.dev/run-id';

export interface TrainingJobInput {
  readonly config: Pick<MlopsConfig, 'name' | 'cluster' | 'region'>;
  /** From trainingJobName: unique per submission. */
  readonly jobName: string;
  readonly runId: string;
  /** `<images.training.repository>:<tag>`, or `--image`. */
  readonly image: string;
  /** Arguments of the training entry point (trainingArgs). */
  readonly args: readonly string[];
  /** The `kubernetes.io/dockerconfigjson` Secret for a private registry (none for ECR on EKS). */
  readonly pullSecretName?: string;
}

/** A batch/v1 Job as plain JSON (structurally a KubeObject of core's cluster port). */
export interface TrainingJob {
  readonly apiVersion: 'batch/v1';
  readonly kind: 'Job';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly spec: Readonly<Record<string, unknown>>;
  readonly [field: string]: unknown;
}

const MAX_NAME = 63;
const NAME_TAIL = '-train-yyyymmdd-hhmmss-xxxx'.length;

/**
 * `<model>-train-<UTC yyyymmdd-hhmmss>-<suffix>`: sortable by time, unique with a random suffix of four
 * [a-z0-9], and a DNS-1123 label (≤ 63 chars: a long model name is shortened).
 */
export function trainingJobName(model: string, at: Date, suffix: string): string {
  if (!/^[a-z0-9]{4}$/.test(suffix)) throw new Error(`job name suffix must be 4 of [a-z0-9], got ${suffix}`);
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const head = model.slice(0, MAX_NAME - NAME_TAIL).replace(/-+$/, '');
  return `${head}-train-${stamp}-${suffix}`;
}

export interface TrainingArgsInput {
  readonly data?: string;
  readonly label?: string;
  readonly params?: readonly string[];
  readonly major?: boolean;
  /** The `--env` section the run uses (the image carries the whole config file). */
  readonly env?: string;
}

/** The command-line choices that travel to the training entry point (it adds `--local --json --yes`). */
export function trainingArgs(input: TrainingArgsInput): string[] {
  return [
    ...(input.data === undefined ? [] : ['--data', input.data]),
    ...(input.label === undefined ? [] : ['--label', input.label]),
    ...(input.params ?? []).flatMap((p) => ['--param', p]),
    ...(input.major ? ['--major'] : []),
    ...(input.env === undefined ? [] : ['--env', input.env]),
  ];
}

/**
 * The training Job of DESIGN.md §10: one pod that runs the project's training entry point in the training
 * image, as the `<name>-training` service account (its IRSA role reaches the registry: no credentials
 * here), hardened (non-root, read-only root filesystem with an emptyDir at /tmp, no capabilities, the
 * runtime's seccomp profile), never restarted in place (a failed pod is replaced up to backoffLimit).
 * Pure and deterministic: the same input gives the same object, keys sorted.
 */
export function trainingJob(input: TrainingJobInput): TrainingJob {
  const { config } = input;
  const training = config.cluster.training;
  const identity = workloadIdentities(config).training;
  const labels = { ...componentLabels(config.name, 'training'), [RUN_ID_LABEL]: input.runId };
  const env: Record<string, string> = { AWS_REGION: config.region, MLOPS_RUN_ID: input.runId };
  return canonical({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: input.jobName, namespace: identity.namespace, labels },
    spec: {
      backoffLimit: training.backoffLimit,
      activeDeadlineSeconds: training.activeDeadlineSeconds,
      ttlSecondsAfterFinished: training.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: identity.serviceAccount,
          // Training never calls the Kubernetes API; the IRSA token is a separate projected volume.
          automountServiceAccountToken: false,
          imagePullSecrets: input.pullSecretName ? [{ name: input.pullSecretName }] : undefined,
          restartPolicy: 'Never',
          securityContext: podSecurityContext(),
          containers: [
            {
              name: TRAINING_CONTAINER,
              image: input.image,
              command: ['node', 'training/train.mjs'],
              args: [...input.args],
              workingDir: '/app',
              env: Object.entries(env)
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .map(([name, value]) => ({ name, value })),
              resources: {
                requests: { ...training.resources.requests },
                limits: { ...training.resources.limits },
              },
              securityContext: containerSecurityContext(),
              // A crash's last lines reach the pod status even when the log is gone (failure messages).
              terminationMessagePolicy: 'FallbackToLogsOnError',
              volumeMounts: [{ name: TMP_VOLUME, mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: TMP_VOLUME, emptyDir: {} }],
        },
      },
    },
  });
}
