import { promises as fs } from 'node:fs';
import path from 'node:path';
import { usageError } from '../kernel/errors.js';
import { isDataPath } from '../config/paths.js';
import { awsRegion, registryUri } from '../config/schema.js';
import { info, type InputRequest, type IoHost } from '../kernel/io-host.js';
import { packageRoot, packageVersion } from '../kernel/package-root.js';
import { existingFiles, render, writeFiles, type PlannedFile } from './scaffold.js';
import {
  cronProblem,
  ENVIRONMENT_SETS,
  IMAGE_REGISTRIES,
  parseEnvironments,
  renderWorkflow,
  TRAIN_ON,
  type Environment,
  type WorkflowChoices,
} from './workflow.js';

export const BUNDLED_DATASETS = ['iris', 'wine', 'breast_cancer'] as const;

export interface InitOptions {
  readonly dir: string;
  readonly io: IoHost;
  /** Answers given as flags; the rest are asked (interactive) or defaulted (headless). */
  readonly name?: string;
  readonly dataset?: string;
  readonly registry?: string;
  readonly region?: string;
  readonly label?: string;
  /** The pipeline's choices (.github/workflows/mlops.yml): `ecr` or `ghcr`. */
  readonly imageRegistry?: string;
  /** With `ghcr`: the GitHub user or organization that owns the images (ghcr.io/OWNER/…). */
  readonly githubOwner?: string;
  /** `staging,production` or `production`. */
  readonly environments?: string;
  /** `ci` (train --local on the runner) or `cluster` (a Kubernetes Job). */
  readonly trainOn?: string;
  /** A 5-field cron expression for scheduled training; `''` for none. */
  readonly trainSchedule?: string;
  readonly force?: boolean;
  /**
   * Installs the project's dependencies (the CLI runs `npm install --offline` there). Called only when the
   * project links this copy of mlops (see mlopsDependency), so that it never reaches the network.
   */
  readonly installDependencies?: (dir: string) => Promise<void>;
}

export interface InitResult {
  readonly dir: string;
  readonly name: string;
  readonly dataset: string;
  readonly files: readonly string[];
  readonly overwritten: readonly string[];
  /** How the project depends on mlops: `file:…` (this checkout, linked and installed) or `^x.y.z`. */
  readonly mlopsDependency: string;
  /** Whether `npx mlops` in the project runs this copy now (the link was installed). */
  readonly installed: boolean;
}

/**
 * How a new project depends on the mlops that made it. Installed from a registry (this copy lives in a
 * node_modules folder), the published version range. Run from a checkout, a `file:` link to it: the
 * version range would make `npx mlops` ask the public registry for a package that is not this one.
 */
export function mlopsDependency(
  projectDir: string,
  root = packageRoot(),
  version = packageVersion(),
): string {
  if (root.split(path.sep).includes('node_modules')) return `^${version}`;
  return `file:${path.relative(projectDir, root).split(path.sep).join('/') || '.'}`;
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DNS-1123 label from a directory name ("My Project_2" → "my-project-2"). */
export function suggestName(dir: string): string {
  const slug = path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug || 'my-model';
}

const validateName = (value: string): true | string =>
  NAME.test(value) ||
  'lowercase letters, digits and "-", starting and ending with a letter or digit (max 63)';

/** A zod field as a prompt validator: true, or what is allowed. */
const validatorOf =
  (schema: { safeParse(value: unknown): { success: boolean; error?: { issues: { message: string }[] } } }) =>
  (value: string): true | string => {
    const result = schema.safeParse(value);
    return result.success || (result.error?.issues[0]?.message ?? 'invalid value');
  };

/** The flag's value, else the person's answer, else (headless) the default; validated either way. */
async function ask(
  io: IoHost,
  given: string | undefined,
  question: Omit<InputRequest, 'kind' | 'headlessAnswer' | 'validate'> & {
    readonly default: string;
    readonly validate: (value: string) => true | string;
  },
): Promise<string> {
  const value = given ?? (await io.request({ kind: 'input', ...question, headlessAnswer: question.default }));
  const valid = question.validate(value);
  if (valid !== true) {
    throw usageError(`${question.flag} "${value}" is not valid.`, 'MLOPS_USAGE_E1002', `Use ${valid}.`);
  }
  return value;
}

async function answers(options: InitOptions) {
  const { io } = options;
  const name = await ask(io, options.name, {
    message: 'Model name',
    flag: '--name',
    default: suggestName(options.dir),
    validate: validateName,
  });
  const dataset =
    options.dataset ??
    (await io.request({
      kind: 'select',
      message: 'Training data',
      flag: '--dataset',
      choices: [
        { value: 'iris', name: 'iris — 150 flowers, 3 classes (bundled)' },
        { value: 'wine', name: 'wine — 178 wines, 3 cultivars (bundled)' },
        { value: 'breast_cancer', name: 'breast_cancer — 569 tumours, 2 classes (bundled)' },
        { value: 'synthetic', name: 'synthetic — generated data' },
      ],
      default: 'iris',
      headlessAnswer: 'iris',
    }));
  const registry = await ask(io, options.registry, {
    message: 'Model registry (file://PATH or s3://BUCKET/PREFIX)',
    flag: '--registry',
    default: 'file://.mlops/registry',
    validate: validatorOf(registryUri),
  });
  const region = await ask(io, options.region, {
    message: 'AWS region',
    flag: '--region',
    default: 'us-east-1',
    validate: validatorOf(awsRegion),
  });
  return { name, dataset, registry, region };
}

/** A choice among fixed values: the flag's value, else the person's pick, else (headless) the default. */
async function choose(
  io: IoHost,
  given: string | undefined,
  question: { message: string; flag: string; choices: readonly { value: string; name: string }[] },
): Promise<string> {
  const values = question.choices.map((c) => c.value);
  const value =
    given ??
    (await io.request({ kind: 'select', ...question, default: values[0], headlessAnswer: values[0] }));
  if (!values.includes(value)) {
    throw usageError(
      `${question.flag} "${value}" is not valid.`,
      'MLOPS_USAGE_E1002',
      `Use ${values.join(' or ')}.`,
    );
  }
  return value;
}

const GITHUB_OWNER = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}$/;

/** The owner of ghcr.io/OWNER/… images, lowercase (as GHCR names are). No default: headless needs the flag. */
async function ghcrOwner(io: IoHost, given: string | undefined): Promise<string> {
  const validate = (value: string) =>
    GITHUB_OWNER.test(value.toLowerCase()) || 'a GitHub user or organization name, such as acme';
  const value =
    given ??
    (await io.request({
      kind: 'input',
      message: 'GitHub user or organization that owns the images (ghcr.io/OWNER/…)',
      flag: '--github-owner',
      validate,
    }));
  const valid = validate(value);
  if (valid !== true) {
    throw usageError(`--github-owner "${value}" is not valid.`, 'MLOPS_USAGE_E1002', `Use ${valid}.`);
  }
  return value.toLowerCase();
}

/** The answers that shape the CI/CD pipeline (and, for GHCR, the image repositories). */
async function pipelineAnswers(options: InitOptions, name: string, region: string) {
  const { io } = options;
  const imageRegistry = (await choose(io, options.imageRegistry, {
    message: 'Container registry for the images',
    flag: '--image-registry',
    choices: [
      { value: IMAGE_REGISTRIES[0], name: 'ECR — Amazon Elastic Container Registry, next to the cluster' },
      {
        value: IMAGE_REGISTRIES[1],
        name: "GHCR — GitHub's registry, pushed with the workflow's GITHUB_TOKEN",
      },
    ],
  })) as WorkflowChoices['imageRegistry'];
  const githubOwner = imageRegistry === 'ghcr' ? await ghcrOwner(io, options.githubOwner) : undefined;
  // The flag may list the environments in any order.
  const givenEnvironments =
    options.environments === undefined
      ? undefined
      : (parseEnvironments(options.environments)?.join(',') ?? options.environments);
  const environments = await choose(io, givenEnvironments, {
    message: 'Deployment environments',
    flag: '--environments',
    choices: [
      { value: ENVIRONMENT_SETS[0], name: 'staging, then production (promoted after approval)' },
      { value: ENVIRONMENT_SETS[1], name: 'production only' },
    ],
  });
  const trainOn = (await choose(io, options.trainOn, {
    message: 'Where the pipeline trains',
    flag: '--train-on',
    choices: [
      { value: TRAIN_ON[1], name: 'cluster — a Kubernetes Job runs the training image' },
      { value: TRAIN_ON[0], name: 'ci — mlops train --local on the GitHub runner' },
    ],
  })) as WorkflowChoices['trainOn'];
  const trainSchedule = (
    await ask(io, options.trainSchedule, {
      message: 'Scheduled training, a cron expression in UTC (empty: none)',
      flag: '--train-schedule',
      default: '',
      validate: (value) => {
        const problem = value.trim() === '' ? undefined : cronProblem(value);
        return problem === undefined || `a 5-field cron expression in UTC such as "0 3 * * 1" (${problem})`;
      },
    })
  ).trim();
  const choices: WorkflowChoices = {
    name,
    region,
    imageRegistry,
    environments: environments.split(',') as Environment[],
    trainOn,
    ...(trainSchedule ? { trainSchedule } : {}),
  };
  return { choices, githubOwner };
}

/**
 * The config's `environments`: production as before, and with staging a section that serves the alias
 * "staging" from a namespace of its own, which the pipeline's staging deploy uses (`--env staging`).
 */
function environmentsSection(environments: readonly Environment[]): string {
  const sections: Record<string, unknown> = {
    ...(environments.includes('staging')
      ? {
          staging: {
            serve: { alias: 'staging' },
            cluster: { servingNamespace: 'serving-staging', replicas: 1 },
          },
        }
      : {}),
    production: { cluster: { replicas: 3 }, infra: { natPerAz: true } },
  };
  return JSON.stringify(sections, null, 2).replace(/\n/g, '\n  ');
}

/** The data section and files for a dataset choice: a bundled name, `synthetic`, or a CSV path. */
async function dataFor(dataset: string, label: string | undefined, dir: string) {
  if (dataset === 'synthetic') return { data: { source: 'synthetic' }, files: [] as PlannedFile[] };
  if ((BUNDLED_DATASETS as readonly string[]).includes(dataset)) {
    const file = path.join(packageRoot(), 'templates', 'datasets', `${dataset}.csv`);
    const content = await fs.readFile(file);
    return {
      data: { source: `data/${dataset}.csv`, ...(label ? { label } : {}) },
      files: [{ path: `data/${dataset}.csv`, content }],
    };
  }
  if (!dataset.toLowerCase().endsWith('.csv') && !dataset.startsWith('s3://')) {
    throw usageError(
      `--dataset "${dataset}" is not a bundled dataset or a CSV path.`,
      'MLOPS_USAGE_E1002',
      `Use one of ${[...BUNDLED_DATASETS, 'synthetic'].join(', ')}, a path to a .csv file, or an s3:// URI.`,
    );
  }
  const source = dataset.startsWith('s3://') ? dataset : path.relative(dir, path.resolve(dataset)) || dataset;
  return { data: { source, ...(label ? { label } : {}) }, files: [] as PlannedFile[] };
}

/** The project README's predict line: one that runs as written for the project's data. */
function predictExample(source: string): string {
  const wait = 'npx mlops predict --wait 10';
  if (source === 'synthetic') return `${wait} --data '[0.1, 0.2, 0.3, 0.4]'   # one row, features in order`;
  if (isDataPath(source))
    return `${wait} --file ${source}   # the rows of a CSV (the label column is ignored)`;
  return `${wait} --file rows.csv   # a local CSV with the model's feature columns (--file reads no s3://)`;
}

/** Scaffolds a project. Never overwrites a file unless `force` (or the person confirms it). */
export async function initProject(options: InitOptions): Promise<InitResult> {
  const dir = path.resolve(options.dir);
  const stat = await fs.stat(dir).catch(() => undefined);
  if (stat && !stat.isDirectory()) {
    throw usageError(
      `${dir} is a file, not a directory.`,
      'MLOPS_USAGE_E1005',
      'Give a new or existing directory: mlops init my-model',
    );
  }
  const dependency = mlopsDependency(dir);
  const { name, dataset, registry, region } = await answers(options);
  const { choices, githubOwner } = await pipelineAnswers(options, name, region);
  const { data, files: dataFiles } = await dataFor(dataset, options.label, dir);
  const templates = path.join(packageRoot(), 'templates');
  const values = {
    name,
    registry,
    region,
    data: JSON.stringify(data),
    dataSource: data.source,
    label: options.label ?? 'the last column',
    imagePrefix: githubOwner ? `ghcr.io/${githubOwner}/${name}` : name,
    environments: environmentsSection(choices.environments),
    mlopsDependency: dependency,
    predictExample: predictExample(data.source),
  };
  const read = async (file: string) => render(await fs.readFile(path.join(templates, file), 'utf8'), values);
  const files: PlannedFile[] = [
    { path: 'README.md', content: await read('project/README.md.tmpl') },
    { path: '.gitignore', content: await read('project/gitignore') },
    { path: '.dockerignore', content: await read('project/dockerignore') },
    { path: 'package.json', content: await read('project/package.json.tmpl') },
    ...dataFiles,
    { path: 'training/train.mjs', content: await read('training/train.mjs') },
    { path: 'training/Dockerfile', content: await read('training/Dockerfile') },
    { path: 'serving/server.mjs', content: await read('serving/server.mjs') },
    { path: 'serving/Dockerfile', content: await read('serving/Dockerfile') },
    { path: '.github/workflows/mlops.yml', content: await renderWorkflow(choices) },
    // Last: a directory with a config is a project, so it must only appear once everything else is there.
    { path: 'mlops.config.json', content: await read('project/mlops.config.json.tmpl') },
  ];

  const existing = await existingFiles(dir, files);
  if (existing.length > 0 && !options.force) {
    const overwrite = await options.io.request({
      kind: 'confirm',
      message: `${existing.length} file(s) exist in ${dir} (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ' …' : ''}). Overwrite them?`,
      flag: '--force',
    });
    if (!overwrite) {
      throw usageError(
        `Not overwriting ${existing.join(', ')} in ${dir}.`,
        'MLOPS_USAGE_E1004',
        'Pass --force to overwrite them, or choose another directory.',
      );
    }
  }
  await writeFiles(dir, files);
  const installed = await linkMlops(options, dir, dependency);
  options.io.notify(info('initialized', `Created ${name} in ${dir} (${files.length} files).`, { dir, name }));
  return {
    dir,
    name,
    dataset,
    files: files.map((f) => f.path),
    overwritten: existing,
    mlopsDependency: dependency,
    installed,
  };
}

/** Installs a `file:` link to this mlops; a failure leaves a working project and says what to run. */
async function linkMlops(options: InitOptions, dir: string, dependency: string): Promise<boolean> {
  if (!dependency.startsWith('file:') || !options.installDependencies) return false;
  try {
    await options.installDependencies(dir);
    return true;
  } catch (error) {
    options.io.notify({
      level: 'warn',
      event: 'install-failed',
      message: `Could not install the project's link to mlops (${error instanceof Error ? error.message : String(error)}); run npm install in ${dir}.`,
      data: { dir, dependency },
    });
    return false;
  }
}
