import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { MlopsConfig } from '../../config/schema.js';
import { usageError } from '../../kernel/errors.js';
import { info, type IoHost } from '../../kernel/io-host.js';
import { pullSecret } from '../../manifests/pull-secret.js';
import { trainingJob, trainingJobName } from '../../manifests/training-job.js';
import { workloadIdentities } from '../../manifests/workload-identities.js';
import { ensureWorkloadIdentities } from '../cluster-namespaces.js';
import { dockerConfigJson, pullSecretName, type RegistryCredentials } from '../pull-secret.js';
import type { ClusterClient } from '../ports/cluster.js';

export interface TrainingRun {
  readonly runId: string;
  readonly jobName: string;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh run: its id (the registry lineage's) and the Job's name (sortable by time, unique). */
export function newTrainingRun(model: string, now = new Date()): TrainingRun {
  const suffix = [...randomBytes(4)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
  return { runId: randomUUID(), jobName: trainingJobName(model, now, suffix) };
}

/**
 * `--data` as the training container sees it: URIs and "synthetic" as they are; a file path (relative
 * to the current directory here) relative to the project, whose files the image carries at /app.
 */
export function podDataSource(
  data: string,
  options: { readonly cwd: string; readonly projectDir: string },
): string {
  if (data === 'synthetic' || /^[a-z][a-z0-9+.-]*:\/\//i.test(data)) return data;
  const relative = path.relative(options.projectDir, path.resolve(options.cwd, data));
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw usageError(
      `The data file ${data} is outside the project ${options.projectDir}, so it is not in the training image.`,
      'MLOPS_TRAIN_E5103',
      'Move it under the project (e.g. data/) and rebuild the image, or upload it and pass --data s3://BUCKET/KEY.',
    );
  }
  return relative.split(path.sep).join('/');
}

export interface SubmitOptions {
  readonly cluster: ClusterClient;
  readonly config: MlopsConfig;
  readonly io: IoHost;
  readonly run: TrainingRun;
  readonly image: string;
  /** Arguments of the training entry point (trainingArgs). */
  readonly args: readonly string[];
  /** Pull credentials for a private registry (registryCredentials): put in a Secret the Job references. */
  readonly credentials?: RegistryCredentials;
  readonly signal?: AbortSignal;
}

export interface Submitted {
  readonly job: string;
  readonly namespace: string;
  readonly runId: string;
  readonly image: string;
}

/** Creates the training Job, after its namespace and service account (server-side apply). */
export async function submitTrainingJob(options: SubmitOptions): Promise<Submitted> {
  const { cluster, config, run, image, signal } = options;
  if (config.registry.startsWith('file://')) {
    options.io.notify({
      level: 'warn',
      event: 'registry-in-pod',
      message: `The registry is ${config.registry}: the Job registers its version inside its pod, where nothing else reads it. Set an s3:// registry for training on the cluster.`,
      data: { registry: config.registry },
    });
  }
  await ensureWorkloadIdentities(cluster, config, 'training', signal);
  const secretName = options.credentials ? pullSecretName(config.name) : undefined;
  if (options.credentials && secretName) {
    const namespace = workloadIdentities(config).training.namespace;
    await cluster.apply(
      pullSecret({
        name: secretName,
        namespace,
        model: config.name,
        dockerConfigJson: dockerConfigJson(options.credentials),
      }),
      { signal },
    );
    options.io.notify(
      info('pull-secret', `Pull secret ${namespace}/${secretName} for ${options.credentials.host}.`, {
        name: secretName,
        namespace,
        registry: options.credentials.host,
        source: options.credentials.source,
      }),
    );
  }
  const job = trainingJob({
    config,
    jobName: run.jobName,
    runId: run.runId,
    image,
    args: options.args,
    pullSecretName: secretName,
  });
  await cluster.apply(job, { signal });
  const submitted = { job: run.jobName, namespace: job.metadata.namespace, runId: run.runId, image };
  options.io.notify(
    info('submitted', `Submitted Job ${submitted.namespace}/${submitted.job} (image ${image}).`, submitted),
  );
  return submitted;
}
