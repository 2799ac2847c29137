import { defineCommand } from '../command.js';

interface InitFlags {
  name?: string;
  dataset?: string;
  registry?: string;
  region?: string;
  label?: string;
  imageRegistry?: string;
  githubOwner?: string;
  environments?: string;
  trainOn?: string;
  trainSchedule?: string;
  force?: boolean;
}

export default defineCommand<InitFlags>({
  name: 'init',
  summary: 'scaffold a project: config, training and serving entry points, Dockerfiles, CI workflow',
  arguments: [{ name: '[dir]', description: 'project directory (default: the current one)' }],
  options: [
    { flags: '--name <name>', description: 'model name (default: the directory name)' },
    {
      flags: '--dataset <name|path>',
      description: 'iris, wine, breast_cancer, synthetic, or a CSV path (default: iris)',
    },
    { flags: '--label <column>', description: 'label column (default: the last column)' },
    { flags: '--registry <uri>', description: 'model registry: file://PATH or s3://BUCKET/PREFIX' },
    { flags: '--region <region>', description: 'AWS region (default: us-east-1)' },
    { flags: '--image-registry <ecr|ghcr>', description: "the pipeline's image registry (default: ecr)" },
    { flags: '--github-owner <owner>', description: 'with ghcr: the owner of ghcr.io/OWNER/… images' },
    {
      flags: '--environments <list>',
      description: 'deploy environments: staging,production (default) or production',
    },
    {
      flags: '--train-on <cluster|ci>',
      description: 'the pipeline trains as a Kubernetes Job (cluster, default) or on the runner (ci)',
    },
    { flags: '--train-schedule <cron>', description: 'also train on this schedule (5-field cron, UTC)' },
    { flags: '--force', description: 'overwrite existing files' },
  ],
  examples: [
    'mlops init my-model',
    'mlops init . --yes --name churn --dataset data/churn.csv --label churned',
    'mlops init . --yes --image-registry ghcr --github-owner acme --train-on ci --train-schedule "0 3 * * 1"',
  ],
  async handler(ctx, [dir], flags) {
    const path = await import('node:path');
    const { initProject } = await import('../../core/init.js');
    const result = await initProject({
      dir: path.resolve(ctx.process.cwd, dir ?? '.'),
      io: ctx.io,
      installDependencies: (project) => ctx.installDependencies(project),
      ...flags,
    });
    const rel = path.relative(ctx.process.cwd, result.dir) || '.';
    return {
      json: result,
      human: (print, style) => {
        for (const file of result.files) print(`  ${style.green('create')} ${path.join(rel, file)}`);
        print();
        const install =
          result.installed || !result.mlopsDependency.startsWith('file:') ? '' : 'npm install && ';
        print(`Next: ${style.bold(`cd ${rel} && ${install}npx mlops train --local`)}`);
      },
    };
  },
});
