import { MlopsError } from '../../kernel/errors.js';
import { componentSelector } from '../../manifests/labels.js';
import { RUN_ID_LABEL } from '../../manifests/training-job.js';
import type { ClusterClient } from '../ports/cluster.js';
import type { ModelRegistry } from '../registry.js';
import { jobCondition, jobKind, jobResult, type JobObject } from './objects.js';

export type TrainingJobStatus = 'running' | 'complete' | 'failed';

export interface TrainingJobSummary {
  readonly job: string;
  readonly status: TrainingJobStatus;
  readonly createdAt: string | null;
  readonly startedAt: string | null;
  /** Start to completion (or to now while it runs). */
  readonly durationSeconds: number | null;
  readonly runId: string | null;
  /** Why it failed (the Job's Failed condition). */
  readonly reason: string | null;
  /** The version it registered (the registry lineage's run id), when known. */
  readonly version: string | null;
}

export interface ListJobsOptions {
  readonly cluster: ClusterClient;
  readonly namespace: string;
  readonly model: string;
  /** @default 20 */
  readonly limit?: number;
  readonly now?: Date;
  readonly signal?: AbortSignal;
  /** Where the versions the Jobs registered are found (by the run id in their lineage). */
  readonly registry?: Pick<ModelRegistry, 'catalog' | 'manifest'>;
}

/** Pure: what `--list` shows of one Job. */
export function summarizeJob(job: JobObject, now: Date): TrainingJobSummary {
  const result = jobResult(job);
  const started = job.status?.startTime;
  // a failed Job has no completionTime: its Failed condition's transition time is when it ended
  const ended =
    job.status?.completionTime ?? (result ? jobCondition(job, result)?.lastTransitionTime : undefined);
  const durationSeconds = started
    ? Math.max(0, Math.round(((ended ? Date.parse(ended) : now.getTime()) - Date.parse(started)) / 1000))
    : null;
  return {
    job: job.metadata.name,
    status: result === 'Complete' ? 'complete' : result === 'Failed' ? 'failed' : 'running',
    createdAt: job.metadata.creationTimestamp ?? null,
    startedAt: started ?? null,
    durationSeconds,
    runId: job.metadata.labels?.[RUN_ID_LABEL] ?? null,
    reason: result === 'Failed' ? (jobCondition(job, 'Failed')?.reason ?? null) : null,
    version: null,
  };
}

/** The model's training Jobs, newest first (one list with the mlops labels). */
export async function listTrainingJobs(options: ListJobsOptions): Promise<TrainingJobSummary[]> {
  const { items } = await options.cluster.list<JobObject>(jobKind(options.namespace), {
    labelSelector: componentSelector(options.model, 'training'),
    signal: options.signal,
  });
  const now = options.now ?? new Date();
  const jobs = items
    .map((job) => summarizeJob(job, now))
    .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || b.job.localeCompare(a.job))
    .slice(0, options.limit ?? 20);
  if (!options.registry || jobs.length === 0) return jobs;
  const versions = await versionsByRun(options.registry, jobs.at(-1)?.createdAt ?? '');
  return jobs.map((j) => ({ ...j, version: (j.runId && versions.get(j.runId)) || null }));
}

/** Run id → version, over the versions registered since `since` (only those manifests are read). */
async function versionsByRun(
  registry: Pick<ModelRegistry, 'catalog' | 'manifest'>,
  since: string,
): Promise<Map<string, string>> {
  const { versions } = await registry.catalog();
  const recent = versions.filter((v) => v.createdAt >= since);
  // a damaged manifest only loses its row's version (models verify reports it)
  const manifests = await Promise.all(recent.map((v) => registry.manifest(v.version).catch(() => undefined)));
  return new Map(manifests.flatMap((m) => (m?.runId ? [[m.runId, m.version] as const] : [])));
}

/** The error for a Job name that is not there, listing the ones that are. */
export async function jobNotFound(options: ListJobsOptions & { readonly job: string }): Promise<MlopsError> {
  const recent = await listTrainingJobs({ ...options, limit: 5 }).catch(() => []);
  return new MlopsError(
    `The training Job ${options.namespace}/${options.job} does not exist${
      recent.length
        ? `; recent: ${recent.map((j) => `${j.job} (${j.status})`).join(', ')}`
        : ' (no training Jobs of this model)'
    }.`,
    {
      code: 'MLOPS_TRAIN_E5106',
      hint: 'Check the name (mlops train --list); a finished Job is deleted after cluster.training.ttlSecondsAfterFinished.',
    },
  );
}
