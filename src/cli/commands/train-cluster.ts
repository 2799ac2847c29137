import type { LoadedConfig } from '../../config/load.js';
import { trainParamOverrides } from '../../config/params.js';
import { isLogTime } from '../../core/log-time.js';
import { usageError } from '../../kernel/errors.js';
import { info, outcome } from '../../kernel/io-host.js';
import { trainingArgs } from '../../manifests/training-job.js';
import { workloadIdentities } from '../../manifests/workload-identities.js';
import type { CommandOutput } from '../command.js';
import type { CommandContext } from '../context.js';
import { table } from '../terminal.js';
import { printRegistered, type TrainFlags } from './train.js';

/** `mlops train` without --local: the Kubernetes Job of this run, then, with --watch, its progress. */
export async function submitJob(ctx: CommandContext, flags: TrainFlags): Promise<CommandOutput> {
  // the overrides are checked here (a bad --param fails now, not in the pod); the pod gets them as flags
  const loaded = await ctx.config({ 'data.label': flags.label, ...trainParamOverrides(flags.param) });
  const { config } = loaded;
  const [{ newTrainingRun, podDataSource, submitTrainingJob }, { imageRef }, { gitCommit }] =
    await Promise.all([
      import('../../core/cluster-train/submit.js'),
      import('../../core/image-ref.js'),
      import('../../core/git.js'),
    ]);
  const image = await imageRef(config, 'training', {
    image: flags.image,
    commit: () => gitCommit(loaded.dir),
  });
  const data =
    flags.data === undefined
      ? undefined
      : podDataSource(flags.data, { cwd: ctx.process.cwd, projectDir: loaded.dir });
  const args = trainingArgs({
    data,
    label: flags.label,
    params: flags.param,
    major: flags.major,
    env: ctx.globals.env,
  });
  const { registryCredentials } = await import('../../core/pull-secret.js');
  const credentials = await registryCredentials(image, ctx.process.env);
  const cluster = await ctx.cluster(loaded, flags.context);
  const run = newTrainingRun(config.name);
  const submit = () =>
    submitTrainingJob({
      cluster,
      config,
      io: ctx.io,
      run,
      image,
      args,
      credentials,
      signal: ctx.process.signal,
    });
  if (flags.watch) return follow(ctx, loaded, flags, run.jobName, submit);
  const submitted = await submit();
  return {
    json: submitted,
    human: (print, style) => {
      print(submitted.job);
      print();
      print(`Follow it: ${style.bold(`mlops train --attach ${submitted.job}`)}`);
    },
  };
}

/** `--attach JOB [--since TIME]`: follows a Job submitted earlier, as --watch does. */
export async function attachJob(ctx: CommandContext, flags: TrainFlags, job: string): Promise<CommandOutput> {
  if (flags.since !== undefined && !isLogTime(flags.since)) {
    throw usageError(
      `--since ${flags.since} is not an RFC 3339 time.`,
      'MLOPS_TRAIN_E5105',
      'Give the time the detach message printed, e.g. --since 2026-01-31T12:00:00.123456789Z.',
    );
  }
  return follow(ctx, await ctx.config(), flags, job);
}

async function follow(
  ctx: CommandContext,
  loaded: LoadedConfig,
  flags: TrainFlags,
  job: string,
  submit?: () => Promise<unknown>,
): Promise<CommandOutput> {
  const { followJob } = await import('../../core/cluster-train/follow.js');
  const { config } = loaded;
  const result = await followJob({
    cluster: await ctx.cluster(loaded, flags.context),
    namespace: workloadIdentities(config).training.namespace,
    job,
    model: config.name,
    io: ctx.io,
    signal: ctx.process.signal,
    since: flags.since,
    submit,
  });
  if (result.state === 'detached') {
    const context = flags.context ? ` --context ${flags.context}` : '';
    const attach = `mlops train --attach ${job}${result.since ? ` --since ${result.since}` : ''}${context}`;
    ctx.io.notify(
      info(
        'detached',
        `Detached: the Job ${job} keeps running.\n  Follow it again: ${attach}\n  Stop it:         mlops train --cancel ${job}${context}`,
        { job, namespace: result.namespace, since: result.since ?? null, attach },
      ),
    );
    return { json: result, exitCode: 130 };
  }
  const { registered } = result;
  return {
    json: result,
    human: (print, style) => {
      if (registered) printRegistered(print, style, registered);
      else print(`Job ${job} complete (its registered event is no longer in the log: mlops models list).`);
    },
  };
}

/** `--cancel JOB`: deletes the Job with its pods (foreground) and returns when they are gone. */
export async function cancelJob(ctx: CommandContext, flags: TrainFlags, job: string): Promise<CommandOutput> {
  const loaded = await ctx.config();
  const { cancelTrainingJob } = await import('../../core/cluster-train/cancel.js');
  const cancelled = await cancelTrainingJob({
    cluster: await ctx.cluster(loaded, flags.context),
    namespace: workloadIdentities(loaded.config).training.namespace,
    job,
    model: loaded.config.name,
    io: ctx.io,
    signal: ctx.process.signal,
  });
  return {
    json: cancelled,
    human: (print) =>
      print(`Deleted Job ${cancelled.job} and its ${cancelled.pods.length} pod(s); nothing of it is left.`),
  };
}

/** `--list`: the model's recent training Jobs. */
export async function listJobs(ctx: CommandContext, flags: TrainFlags): Promise<CommandOutput> {
  const loaded = await ctx.config();
  const { listTrainingJobs } = await import('../../core/cluster-train/list.js');
  const jobs = await listTrainingJobs({
    cluster: await ctx.cluster(loaded, flags.context),
    namespace: workloadIdentities(loaded.config).training.namespace,
    model: loaded.config.name,
    registry: await ctx.registry(loaded),
    signal: ctx.process.signal,
  });
  ctx.io.notify(outcome('jobs', '', { jobs }));
  return {
    json: { jobs },
    human: (print) => {
      if (jobs.length === 0) {
        print(`No training Jobs of ${loaded.config.name}: start one with mlops train --watch.`);
        return;
      }
      print(
        table(
          ['JOB', 'STATUS', 'STARTED', 'DURATION', 'VERSION'],
          jobs.map((j) => [
            j.job,
            j.reason ? `${j.status} (${j.reason})` : j.status,
            j.startedAt ?? '-',
            j.durationSeconds === null ? '-' : `${j.durationSeconds}s`,
            j.version ?? '-',
          ]),
        ),
      );
    },
  };
}
