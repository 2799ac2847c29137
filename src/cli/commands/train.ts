import { usageError } from '../../kernel/errors.js';
import { defineCommand } from '../command.js';
import { formatNumber, table } from '../terminal.js';

interface TrainFlags {
  local?: boolean;
  watch?: boolean;
  data?: string;
  label?: string;
  param?: string[];
  major?: boolean;
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
    { flags: '--watch', description: 'stream the Job’s logs and progress until it ends (cluster training)' },
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
  examples: ['mlops train --local', 'mlops train --local --data data/wine.csv --param epochs=100 --json'],
  async handler(ctx, _args, flags) {
    if (!flags.local) {
      throw usageError(
        'Training on the cluster (a Kubernetes Job, --watch) is not available in this version of mlops.',
        'MLOPS_USAGE_E1003',
        'Train in-process with `mlops train --local`; cluster training arrives with the Kubernetes work.',
      );
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
      major: flags.major,
      signal: ctx.process.signal,
      readData: (uri) => ctx.readData(config, uri),
    });
    return {
      json: result,
      human: (print, style) => {
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
      },
    };
  },
});
