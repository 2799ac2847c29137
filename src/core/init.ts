import { promises as fs } from 'node:fs';
import path from 'node:path';
import { usageError } from '../kernel/errors.js';
import { isDataPath } from '../config/paths.js';
import { awsRegion, registryUri } from '../config/schema.js';
import { info, type InputRequest, type IoHost } from '../kernel/io-host.js';
import { packageRoot, packageVersion } from '../kernel/package-root.js';
import { existingFiles, render, writeFiles, type PlannedFile } from './scaffold.js';

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
  const { data, files: dataFiles } = await dataFor(dataset, options.label, dir);
  const templates = path.join(packageRoot(), 'templates');
  const values = {
    name,
    registry,
    region,
    data: JSON.stringify(data),
    dataSource: data.source,
    label: options.label ?? 'the last column',
    imagePrefix: name,
    mlopsDependency: dependency,
    predictExample: predictExample(data.source),
  };
  const read = async (file: string) => render(await fs.readFile(path.join(templates, file), 'utf8'), values);
  const files: PlannedFile[] = [
    { path: 'README.md', content: await read('project/README.md.tmpl') },
    { path: '.gitignore', content: await read('project/gitignore') },
    { path: 'package.json', content: await read('project/package.json.tmpl') },
    ...dataFiles,
    { path: 'training/train.mjs', content: await read('training/train.mjs') },
    { path: 'training/Dockerfile', content: await read('training/Dockerfile') },
    { path: 'serving/server.mjs', content: await read('serving/server.mjs') },
    { path: 'serving/Dockerfile', content: await read('serving/Dockerfile') },
    { path: '.github/workflows/mlops.yml', content: await read('workflows/mlops.yml') },
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
