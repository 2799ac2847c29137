import { usageError } from '../../kernel/errors.js';
import { defineCommand } from '../command.js';
import { formatNumber, table, type Style } from '../terminal.js';

export interface TrainFlags {
  local?: boolean;
  watch?: boolean;
  attach?: string;
  cancel?: string;
  list?: boolean;
  image?: string;
  context?: string;
  since?: string;
  data?: string;
  label?: string;
  param?: string[];
  major?: boolean;
}

/** Flags of a new training run: meaningless with --attach, --cancel or --list. */
const RUN_FLAGS = ['data', 'label', 'param', 'major', 'image', 'watch'] as const;
const CLUSTER_FLAGS = ['watch', 'attach', 'cancel', 'list', 'image', 'context', 'since'] as const;

const flagName = (key: string) => `--${key}`;

/** One mode per run: --local, a new Job, or --attach / --cancel / --list of existing ones. */
function checkFlags(flags: TrainFlags): void {
  const conflict = (what: string, hint: string) => usageError(what, 'MLOPS_TRAIN_E5104', hint);
  const given = (keys: readonly (keyof TrainFlags)[]) => keys.filter((k) => flags[k] !== undefined);
  if (flags.local) {
    const cluster = given(CLUSTER_FLAGS);
    if (cluster.length) {
      throw conflict(
        `--local trains in this process: ${cluster.map(flagName).join(', ')} are for training on the cluster.`,
        'Drop --local to submit a Kubernetes Job, or drop the cluster flags.',
      );
    }
    return;
  }
  const modes = given(['attach', 'cancel', 'list']);
  if (modes.length > 1) {
    throw conflict(`${modes.map(flagName).join(' and ')} cannot go together.`, 'Give one of them.');
  }
  if (flags.since !== undefined && flags.attach === undefined) {
    throw conflict('--since only applies to --attach JOB.', 'Use mlops train --attach JOB --since TIME.');
  }
  const mode = modes[0];
  const run = given(RUN_FLAGS);
  if (mode && run.length) {
    throw conflict(
      `--${mode} works on existing Jobs: ${run.map(flagName).join(', ')} are for a new run.`,
      `Run mlops train ${run.map(flagName).join(' ')} … to start a new Job.`,
    );
  }
}

export default defineCommand<TrainFlags>({
  name: 'train',
  summary: 'train the model (--local in-process, else as a Kubernetes Job) and register a new version',
  streaming: true,
  options: [
    {
      flags: '--local',
      description: 'train in this process and register the version in the configured registry',
    },
    {
      flags: '--watch',
      description: 'follow the submitted Job: progress, logs, result; exit code follows it',
    },
    { flags: '--attach <job>', description: 'follow a training Job submitted earlier (as --watch)' },
    {
      flags: '--since <time>',
      description: 'with --attach: only log lines after this RFC 3339 time (the detach message gives it)',
    },
    {
      flags: '--cancel <job>',
      description: 'delete a training Job and its pods, and wait until they are gone',
    },
    { flags: '--list', description: 'recent training Jobs of this model, their status and duration' },
    {
      flags: '--image <ref>',
      description: 'training image to run (default: images.training.repository, tagged with the git commit)',
    },
    {
      flags: '--context <name>',
      description: 'kubeconfig context (default: cluster.context, else the current one)',
    },
    {
      flags: '--data <source>',
      description:
        'CSV path (relative to the current directory), s3:// URI, or "synthetic" (default: the config’s data.source)',
    },
    { flags: '--label <column>', description: 'label column (default: the config’s, else the last column)' },
    {
      flags: '--param <key=value>',
      description: 'hyper-parameter override, repeatable (e.g. epochs=100, hiddenUnits=64,32)',
      repeatable: true,
    },
    { flags: '--major', description: 'register as the next major version (v2.0) instead of the next minor' },
  ],
  examples: [
    'mlops train --local',
    'mlops train --local --data data/wine.csv --param epochs=100 --json',
    'mlops train --watch',
    'mlops train --attach iris-train-20260131-120000-k3x9',
    'mlops train --list',
  ],
  async handler(ctx, _args, flags) {
    checkFlags(flags);
    if (!flags.local) {
      const cluster = await import('./train-cluster.js');
      if (flags.list) return cluster.listJobs(ctx, flags);
      if (flags.cancel) return cluster.cancelJob(ctx, flags, flags.cancel);
      if (flags.attach) return cluster.attachJob(ctx, flags, flags.attach);
      return cluster.submitJob(ctx, flags);
    }
    const { trainParamOverrides } = await import('../../config/params.js');
    const config = await ctx.config({
      'data.source': flags.data,
      'data.label': flags.label,
      ...trainParamOverrides(flags.param),
    });
    const registry = await ctx.registry(config);
    const [{ trainLocal }, { gitCommit }] = await Promise.all([
      import('../../core/train.js'),
      import('../../core/git.js'),
    ]);
    const result = await trainLocal({
      config: config.config,
      configDir: config.dir,
      io: ctx.io,
      registry,
      actor: ctx.actor(),
      gitCommit: await gitCommit(config.dir),
      runId: ctx.process.env.MLOPS_RUN_ID || undefined,
      major: flags.major,
      signal: ctx.process.signal,
      readData: (uri) => ctx.readData(config, uri),
    });
    return { json: result, human: (print, style) => printRegistered(print, style, result) };
  },
});

/** What a person reads when a version was registered (here or by a training Job). */
export function printRegistered(
  print: (line?: string) => void,
  style: Style,
  result: {
    readonly model: string;
    readonly version: string;
    readonly metrics: Readonly<Record<string, number>>;
  },
): void {
  print(style.bold(`${result.model} ${result.version}`) + ' registered');
  print(
    table(
      ['METRIC', 'VALUE'],
      Object.entries(result.metrics).map(([k, v]) => [k, formatNumber(v)]),
    ),
  );
  print();
  print(
    `Next: ${style.bold(`mlops models show ${result.version}`)} or ${style.bold(`mlops promote ${result.version}`)}`,
  );
}
