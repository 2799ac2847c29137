import path from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { initProject } from './init.js';
import { info, type IoHost } from './io-host.js';
import { promote } from './promote.js';
import type { ModelRegistry } from './registry.js';
import { trainLocal } from './train.js';

export interface QuickstartOptions {
  readonly dir: string;
  readonly io: IoHost;
  readonly actor: string;
  readonly dataset?: string;
  readonly force?: boolean;
  /** Opens the registry a config names (the caller picks the store implementation). */
  readonly openRegistry: (config: LoadedConfig) => Promise<ModelRegistry>;
}

export interface QuickstartResult {
  readonly dir: string;
  readonly model: string;
  readonly version: string;
  readonly alias: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly registry: string;
  readonly next: readonly string[];
}

/** The embedded default: scaffold a demo project, train it, register and promote the version. */
export async function quickstart(options: QuickstartOptions): Promise<QuickstartResult> {
  const { io } = options;
  const dir = path.resolve(options.dir);
  io.notify(info('step', `1/3 Scaffolding a project in ${dir}`));
  const project = await initProject({
    dir,
    io,
    dataset: options.dataset ?? 'iris',
    name: undefined,
    registry: 'file://.mlops/registry',
    region: 'us-east-1',
    force: options.force,
  });
  const loaded = loadConfig({ cwd: dir, configPath: path.join(dir, 'mlops.config.json') });
  const registry = await options.openRegistry(loaded);

  io.notify(info('step', `2/3 Training ${project.name} on ${loaded.config.data.source}`));
  const trained = await trainLocal({
    config: loaded.config,
    configDir: loaded.dir,
    io,
    registry,
    actor: options.actor,
  });

  io.notify(info('step', `3/3 Promoting ${trained.version} to production`));
  const alias = 'production';
  await promote({ registry, version: trained.version, alias, actor: options.actor, io });

  const rel = path.relative(process.cwd(), dir) || '.';
  return {
    dir,
    model: project.name,
    version: trained.version,
    alias,
    metrics: trained.metrics,
    registry: registry.store.uri,
    next: [
      `cd ${rel}`,
      'npx mlops models list',
      `npx mlops models show ${trained.version}`,
      'npx mlops train --local --param epochs=500',
      'npx mlops promote v1.1 && npx mlops rollback',
      'npx mlops doctor',
    ],
  };
}
