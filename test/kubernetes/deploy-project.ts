import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../support/run-mlops.js';

export const SERVING_REPOSITORY = 'registry.test:5000/iris-serving';

/**
 * A project for `mlops deploy` against the test server: a file registry (train --local fills it with
 * versions for --canary), the serving image `registry.test:5000/iris-serving:a`, 2 replicas and the
 * shortest progress deadline the config allows.
 */
export function writeDeployProject(dir: string, extra: Record<string, unknown> = {}): string {
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  copyFileSync(path.join(repoRoot, 'templates', 'datasets', 'iris.csv'), path.join(dir, 'data', 'iris.csv'));
  const config = {
    name: 'iris',
    registry: 'file://.mlops/registry',
    data: { source: 'data/iris.csv', label: 'species' },
    train: { epochs: 3, backend: 'cpu' },
    images: { serving: { repository: SERVING_REPOSITORY, tag: 'a' } },
    cluster: { replicas: 2 },
    deploy: { progressDeadlineSeconds: 10 },
    ...extra,
  };
  writeFileSync(path.join(dir, 'mlops.config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return dir;
}
