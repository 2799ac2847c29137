/**
 * The GitHub Actions pipeline `mlops init` writes (.github/workflows/mlops.yml): lint → test → build →
 * train → deploy, every mlops call headless (`--yes --json`). Built as a plain object from the init
 * choices and serialized with the `yaml` package, so the output is stable and valid YAML whatever the
 * choices; a `'#'` key on a job or step is its comment.
 */

export const IMAGE_REGISTRIES = ['ecr', 'ghcr'] as const;
export const TRAIN_ON = ['ci', 'cluster'] as const;
export const ENVIRONMENT_SETS = ['staging,production', 'production'] as const;

export type ImageRegistryChoice = (typeof IMAGE_REGISTRIES)[number];
export type TrainOn = (typeof TRAIN_ON)[number];
export type Environment = 'staging' | 'production';

export interface WorkflowChoices {
  readonly name: string;
  readonly region: string;
  readonly imageRegistry: ImageRegistryChoice;
  /** In deploy order; production is always last. */
  readonly environments: readonly Environment[];
  readonly trainOn: TrainOn;
  /** A 5-field cron expression (UTC), or none. */
  readonly trainSchedule?: string;
}

/**
 * Every action the pipeline uses, pinned by commit (a tag can be moved; a commit cannot). The same pins
 * as this repository's .github/workflows/ci.yml where the action is the same.
 */
export const ACTIONS = {
  checkout: { repo: 'actions/checkout', sha: '11d5960a326750d5838078e36cf38b85af677262', version: 'v4.4.0' },
  setupNode: {
    repo: 'actions/setup-node',
    sha: '49933ea5288caeca8642d1e84afbd3f7d6820020',
    version: 'v4.4.0',
  },
  awsCredentials: {
    repo: 'aws-actions/configure-aws-credentials',
    sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c',
    version: 'v6.2.3',
  },
  setupTerraform: {
    repo: 'hashicorp/setup-terraform',
    sha: 'dfe3c3f87815947d99a8997f908cb6525fc44e9e',
    version: 'v4.0.1',
  },
} as const;

type Action = keyof typeof ACTIONS;
const uses = (action: Action) => `${ACTIONS[action].repo}@${ACTIONS[action].sha}`;

/** Environments from `--environments`: a comma list equal, as a set, to one of ENVIRONMENT_SETS. */
export function parseEnvironments(value: string): readonly Environment[] | undefined {
  const given = [...new Set(value.split(',').map((s) => s.trim().toLowerCase()))].sort().join(',');
  const known = ENVIRONMENT_SETS.find((set) => set.split(',').sort().join(',') === given);
  return known?.split(',') as Environment[] | undefined;
}

const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: 'jan feb mar apr may jun jul aug sep oct nov dec' },
  { name: 'day of week', min: 0, max: 6, names: 'sun mon tue wed thu fri sat' },
] as const;

/** Why a cron expression is not one GitHub's `schedule` accepts (5 POSIX fields), or undefined. */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `it has ${fields.length} field(s), not 5: minute hour day-of-month month day-of-week`;
  }
  for (const [i, field] of fields.entries()) {
    const spec = CRON_FIELDS[i]!;
    const names = 'names' in spec ? spec.names.split(' ') : [];
    const number = (s: string) => {
      const index = names.indexOf(s.toLowerCase());
      if (index >= 0) return index + spec.min;
      return /^\d+$/.test(s) ? Number(s) : NaN;
    };
    const inRange = (n: number) => n >= spec.min && n <= spec.max;
    for (const part of field.split(',')) {
      const match = /^(\*|([^-/]+)(?:-([^-/]+))?)(?:\/(\d+))?$/.exec(part);
      const ok =
        match !== null &&
        (match[1] === '*' ||
          (inRange(number(match[2]!)) &&
            (match[3] === undefined ||
              (inRange(number(match[3])) && number(match[3]) >= number(match[2]!))))) &&
        (match[4] === undefined || Number(match[4]) >= 1);
      if (!ok)
        return `its ${spec.name} "${part}" is not a value, range or step within ${spec.min}-${spec.max}`;
    }
  }
  return undefined;
}

type Step = Record<string, unknown>;
type Job = Record<string, unknown>;

const setup = (): Step[] => [
  { uses: uses('checkout') },
  { uses: uses('setupNode'), with: { 'node-version': 22, cache: 'npm' } },
  { run: 'npm ci' },
];

/** OIDC: GitHub's token for this job is exchanged for the role's short-lived credentials. */
const awsCredentials = (region: string): Step => ({
  '#': 'AWS through GitHub OIDC: no stored keys. AWS_ROLE_ARN is a repository (or environment) variable.',
  name: 'AWS credentials',
  uses: uses('awsCredentials'),
  with: { 'role-to-assume': '${{ vars.AWS_ROLE_ARN }}', 'aws-region': region },
});

/** A kubeconfig context for the stacks' EKS cluster (from their terraform outputs). */
const kubeconfig = (env?: Environment): Step[] => [
  { uses: uses('setupTerraform'), with: { terraform_version: '1.11.4', terraform_wrapper: false } },
  {
    name: 'Cluster access',
    run: `npx mlops infra kubeconfig${env ? ` --env ${env}` : ''} --yes --json`,
  },
];

const AWS_PERMISSIONS = { contents: 'read', 'id-token': 'write' } as const;

const TRAIN_IF = [
  "(github.event_name == 'push' && contains(github.event.head_commit.message, '[train]'))",
  "(github.event_name == 'workflow_dispatch' && inputs.train)",
];

function header(c: WorkflowChoices): string {
  const when = [
    'a push to main whose head commit message contains [train]',
    '"Run workflow" with "train" ticked',
    ...(c.trainSchedule ? [`the schedule (${c.trainSchedule}, UTC)`] : []),
  ];
  const deploy =
    c.environments.length === 2
      ? 'staging, then production once the "production" environment approves it'
      : 'production, once the "production" environment approves it';
  return [
    `CI/CD for ${c.name}, written by \`mlops init\` (edit freely; \`mlops init --force\` rewrites it).`,
    'lint → test → build → train → deploy; every mlops call is headless (--yes) and prints JSON (--json).',
    `Train: on ${when.join(', or ')}.`,
    `Deploy: every push to main, to ${deploy}.`,
    '',
    'Set up once:',
    "- Repository variable AWS_ROLE_ARN: an IAM role whose trust policy lets GitHub's OIDC provider",
    '  (token.actions.githubusercontent.com) assume it from this repository. No AWS keys are stored.',
    `- Environments ${c.environments.map((e) => `"${e}"`).join(' and ')} (Settings → Environments), with required reviewers on "production".`,
    '- An s3:// registry in mlops.config.json, so that the versions trained here reach the cluster.',
    ...(c.imageRegistry === 'ecr'
      ? ['- images.*.repository: the ECR repositories (mlops infra output registry).']
      : [
          '- For private GHCR packages, a GHCR_PULL_TOKEN secret (read:packages): the cluster pulls with',
          "  it after this run's GITHUB_TOKEN has expired.",
        ]),
    '- package-lock.json committed: npm ci installs from it.',
  ].join('\n');
}

function lint(): Job {
  return {
    '#': 'The config is valid and the infrastructure synthesizes; the entry points parse.',
    name: 'Lint',
    'runs-on': 'ubuntu-latest',
    steps: [
      ...setup(),
      { run: 'node --check training/train.mjs && node --check serving/server.mjs' },
      { run: 'npx mlops infra synth --out "$RUNNER_TEMP/synth" --yes --json' },
    ],
  };
}

function test(): Job {
  return {
    '#': 'The model trains on this commit. Into a throwaway registry: nothing is registered for real.',
    name: 'Test',
    needs: 'lint',
    'runs-on': 'ubuntu-latest',
    steps: [
      ...setup(),
      {
        name: 'Train on the runner',
        env: { MLOPS_REGISTRY: 'file://${{ runner.temp }}/registry' },
        run: 'npx mlops train --local --yes --json',
      },
    ],
  };
}

function build(c: WorkflowChoices): Job {
  const ghcr = c.imageRegistry === 'ghcr';
  return {
    '#': `The training and serving images, pushed to ${ghcr ? 'GHCR' : 'ECR'} and tagged with the commit.`,
    name: 'Build',
    needs: 'test',
    if: "github.event_name != 'pull_request'",
    'runs-on': 'ubuntu-latest',
    permissions: ghcr ? { contents: 'read', packages: 'write' } : AWS_PERMISSIONS,
    steps: [
      ...setup(),
      ...(ghcr ? [] : [awsCredentials(c.region)]),
      {
        name: 'Build and push',
        ...(ghcr ? { env: { GHCR_TOKEN: '${{ secrets.GITHUB_TOKEN }}' } } : {}),
        run: 'npx mlops build all --push --yes --json | tee "$RUNNER_TEMP/build.jsonl"',
      },
      {
        name: 'Summary: image digests',
        run: [
          "{ echo '### Images'; echo; echo '| image | digest | tags |'; echo '| --- | --- | --- |'",
          `  jq -r 'select(.event == "pushed") | "| \\(.image) | \`\\(.digest)\` | \\(.tags | join(", ")) |"' "$RUNNER_TEMP/build.jsonl"`,
          '} >> "$GITHUB_STEP_SUMMARY"',
        ].join('\n'),
      },
    ],
  };
}

function train(c: WorkflowChoices): Job {
  const conditions = [...TRAIN_IF, ...(c.trainSchedule ? ["github.event_name == 'schedule'"] : [])];
  const command =
    c.trainOn === 'ci' ? 'npx mlops train --local --yes --json' : 'npx mlops train --watch --yes --json';
  return {
    '#':
      c.trainOn === 'ci'
        ? 'Trains on the runner and registers the next version.'
        : 'Trains as a Kubernetes Job on the cluster (the training image), following its logs; registers the next version.',
    name: 'Train',
    needs: 'build',
    if: conditions.join(' || '),
    'runs-on': 'ubuntu-latest',
    permissions: AWS_PERMISSIONS,
    outputs: { version: '${{ steps.train.outputs.version }}' },
    steps: [
      ...setup(),
      awsCredentials(c.region),
      ...(c.trainOn === 'cluster' ? kubeconfig() : []),
      {
        name: 'Train and register',
        id: 'train',
        run: [
          `${command} | tee "$RUNNER_TEMP/train.jsonl"`,
          `echo "version=$(jq -r 'select(.event == "registered") | .version' "$RUNNER_TEMP/train.jsonl")" >> "$GITHUB_OUTPUT"`,
        ].join('\n'),
      },
      {
        name: 'Summary: metrics',
        run: [
          `jq -r 'select(.event == "registered") | "### Trained \\(.model) \\(.version)\\n\\n| metric | value |\\n| --- | --- |", (.metrics | to_entries[] | "| \\(.key) | \\(.value) |")' \\`,
          '  "$RUNNER_TEMP/train.jsonl" >> "$GITHUB_STEP_SUMMARY"',
        ].join('\n'),
      },
    ],
  };
}

/**
 * One environment's deploy: point its alias at the new version (the trained one, or for production
 * after staging, what staging serves), apply the serving stack and wait for the rollout.
 */
function deploy(c: WorkflowChoices, env: Environment, after?: Environment): Job {
  const promote: Step = after
    ? {
        name: `Promote what ${after} serves`,
        run: [
          `version=$(npx mlops models list --env ${env} --yes --json | jq -r '.aliases.${after} // empty')`,
          `if [ -n "$version" ]; then npx mlops promote "$version" --alias ${env} --env ${env} --yes --json; fi`,
        ].join('\n'),
      }
    : {
        name: 'Promote the new version',
        if: "needs.train.outputs.version != ''",
        env: { VERSION: '${{ needs.train.outputs.version }}' },
        run: `npx mlops promote "$VERSION" --alias ${env} --env ${env} --yes --json`,
      };
  return {
    '#': [
      env === 'production'
        ? 'Waits for the "production" environment\'s approval, then serves the alias "production".'
        : 'Serves the alias "staging" (environments.staging in mlops.config.json).',
      'One deploy per environment at a time: a queued one waits instead of cancelling a rollout.',
    ].join('\n'),
    name: `Deploy (${env})`,
    needs: after ? [`deploy-${after}`] : ['build', 'train'],
    // !cancelled(): train is skipped on most pushes, and a skipped need would skip this job too.
    if: after
      ? `\${{ !cancelled() && needs.deploy-${after}.result == 'success' }}`
      : "${{ !cancelled() && needs.build.result == 'success' && (needs.train.result == 'success' || needs.train.result == 'skipped') && github.ref == 'refs/heads/main' }}",
    'runs-on': 'ubuntu-latest',
    environment: env,
    concurrency: { group: `deploy-${env}`, 'cancel-in-progress': false },
    permissions: AWS_PERMISSIONS,
    ...(c.imageRegistry === 'ghcr' ? { env: { GHCR_TOKEN: '${{ secrets.GHCR_PULL_TOKEN }}' } } : {}),
    steps: [
      ...setup(),
      awsCredentials(c.region),
      ...kubeconfig(env),
      promote,
      {
        name: 'Deploy and wait for the rollout',
        run: `npx mlops deploy --env ${env} --yes --json | tee "$RUNNER_TEMP/deploy.jsonl"`,
      },
      {
        name: 'Summary: deployed version',
        run: [
          `version=$(npx mlops models list --env ${env} --yes --json | jq -r '.aliases.${env} // "none"')`,
          `jq -r --arg version "$version" 'select(.event == "deployed") | "### Deployed to ${env}\\n\\n| | |\\n| --- | --- |\\n| model version | \\($version) (\\(.follows)) |\\n| image | \\(.image) |\\n| deployment | \\(.namespace)/\\(.deployment) |"' \\`,
          '  "$RUNNER_TEMP/deploy.jsonl" >> "$GITHUB_STEP_SUMMARY"',
        ].join('\n'),
      },
    ],
  };
}

/** The workflow as a plain object; `'#'` keys are comments. Pure: the same choices give the same object. */
export function workflowObject(c: WorkflowChoices): Record<string, unknown> {
  const deploys: Record<string, Job> = {};
  let after: Environment | undefined;
  for (const env of c.environments) {
    deploys[`deploy-${env}`] = deploy(c, env, after);
    after = env;
  }
  return {
    '#': header(c),
    name: 'mlops',
    on: {
      push: { branches: ['main'] },
      pull_request: { branches: ['main'] },
      workflow_dispatch: {
        inputs: { train: { description: 'Train a new model version', type: 'boolean', default: false } },
      },
      ...(c.trainSchedule ? { schedule: [{ cron: c.trainSchedule }] } : {}),
    },
    permissions: { contents: 'read' },
    defaults: {
      '#': 'bash -eo pipefail: a failing mlops fails its step even when piped into tee or jq.',
      run: { shell: 'bash' },
    },
    jobs: { lint: lint(), test: test(), build: build(c), train: train(c), ...deploys },
  };
}

/** `# text` lines: yaml writes `#` and the comment as given. */
const commentText = (text: string) =>
  text
    .split('\n')
    .map((line) => (line ? ` ${line}` : ''))
    .join('\n');

/** The workflow file's text. */
export async function renderWorkflow(choices: WorkflowChoices): Promise<string> {
  const { Document, isMap, isScalar, visit } = await import('yaml');
  const versions = new Map(Object.values(ACTIONS).map((a) => [`${a.repo}@${a.sha}`, ` ${a.version}`]));
  const { '#': headerText, ...workflow } = workflowObject(choices);
  const doc = new Document(workflow, { aliasDuplicateObjects: false });
  doc.commentBefore = commentText(String(headerText));
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key)) return;
      if (pair.key.value === 'uses' && isScalar(pair.value)) {
        pair.value.comment = versions.get(String(pair.value.value));
      }
      // A mapping's comment goes above its key (a job, `defaults`).
      if (isMap(pair.value) && pair.value.has('#')) {
        pair.key.commentBefore = commentText(String(pair.value.get('#')));
        pair.value.delete('#');
      }
    },
    Map(_, map) {
      // A step's comment goes above its `-`.
      if (map.has('#')) {
        map.commentBefore = commentText(String(map.get('#')));
        map.delete('#');
      }
    },
  });
  // Top-level sections and jobs apart by a blank line.
  const jobs = doc.get('jobs', true);
  for (const map of [doc.contents, jobs]) {
    if (!isMap(map)) continue;
    for (const [i, pair] of map.items.entries()) {
      if (i > 0 && isScalar(pair.key)) pair.key.spaceBefore = true;
    }
  }
  return doc.toString({ lineWidth: 0 });
}
