import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout (not from run-mlops.ts: the benchmark imports this file outside vitest). */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface TrainingProjectOptions {
  /** The registry the pod registers into and `models list` reads (an s3:// URI of the test's s3rver). */
  readonly registry: string;
  readonly training?: Record<string, unknown>;
  readonly train?: Record<string, unknown>;
  readonly environments?: Record<string, unknown>;
}

export const TRAINING_IMAGE = 'registry.test:5000/iris-training:test';

/**
 * A project as `mlops init` makes it, reduced to what a training pod runs: the config, the iris CSV, the
 * training entry point of templates/training, and node_modules/mlops linked to this checkout (what the
 * `file:` dependency of init installs; the pod's `import 'mlops/cli'` loads dist/, so build it first).
 */
export function writeTrainingProject(dir: string, options: TrainingProjectOptions): string {
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  mkdirSync(path.join(dir, 'training'), { recursive: true });
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  copyFileSync(path.join(repoRoot, 'templates', 'datasets', 'iris.csv'), path.join(dir, 'data', 'iris.csv'));
  copyFileSync(
    path.join(repoRoot, 'templates', 'training', 'train.mjs'),
    path.join(dir, 'training', 'train.mjs'),
  );
  const link = path.join(dir, 'node_modules', 'mlops');
  if (!existsSync(link)) symlinkSync(repoRoot, link, 'dir');
  const config = {
    name: 'iris',
    registry: options.registry,
    data: { source: 'data/iris.csv', label: 'species' },
    train: { epochs: 30, patience: 1000, backend: 'cpu', ...options.train },
    images: { training: { repository: TRAINING_IMAGE.split(':').slice(0, -1).join(':'), tag: 'test' } },
    cluster: { training: { backoffLimit: 1, activeDeadlineSeconds: 600, ...options.training } },
    environments: options.environments ?? {},
  };
  writeFileSync(path.join(dir, 'mlops.config.json'), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'iris', private: true, type: 'module' })}\n`,
  );
  return dir;
}
