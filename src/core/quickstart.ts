import path from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { initProject } from './init.js';
import { info, type IoHost } from '../kernel/io-host.js';
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
  /** See InitOptions.installDependencies. */
  readonly installDependencies?: (dir: string) => Promise<void>;
}

/** What the quickstart's short-lived server answered for one row of the data. */
export interface QuickstartPrediction {
  readonly url: string;
  /** The row sent, keyed by feature name. */
  readonly row: Readonly<Record<string, number>>;
  readonly model_version: string;
  readonly label: string | number;
  readonly probabilities?: Readonly<Record<string, number>>;
}

export interface QuickstartResult {
  readonly dir: string;
  readonly model: string;
  readonly version: string;
  readonly alias: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly registry: string;
  readonly prediction: QuickstartPrediction;
  readonly next: readonly string[];
}

/** The embedded default: scaffold a demo project, train it, register and promote the version. */
export async function quickstart(options: QuickstartOptions): Promise<QuickstartResult> {
  const { io } = options;
  const dir = path.resolve(options.dir);
  io.notify(info('step', `1/4 Scaffolding a project in ${dir}`));
  const project = await initProject({
    dir,
    io,
    dataset: options.dataset ?? 'iris',
    name: undefined,
    registry: 'file://.mlops/registry',
    region: 'us-east-1',
    force: options.force,
    installDependencies: options.installDependencies,
  });
  const loaded = loadConfig({ cwd: dir, configPath: path.join(dir, 'mlops.config.json') });
  const registry = await options.openRegistry(loaded);

  io.notify(info('step', `2/4 Training ${project.name} on ${loaded.config.data.source}`));
  const trained = await trainLocal({
    config: loaded.config,
    configDir: loaded.dir,
    io,
    registry,
    actor: options.actor,
  });

  io.notify(info('step', `3/4 Promoting ${trained.version} to production`));
  const alias = 'production';
  await promote({ registry, version: trained.version, alias, actor: options.actor, io });

  const prediction = await serveAndPredict(registry, loaded, alias, io);

  return {
    dir,
    model: project.name,
    version: trained.version,
    alias,
    metrics: trained.metrics,
    registry: registry.store.uri,
    prediction,
    next: [
      `cd ${dir}`,
      'npx mlops models list',
      `npx mlops models show ${trained.version}`,
      'npx mlops train --local --param epochs=500',
      'npx mlops promote v1.1 && npx mlops rollback',
      'npx mlops serve',
      `npx mlops predict --data '${JSON.stringify(Object.values(prediction.row))}'`,
      'npx mlops doctor',
    ],
  };
}

/**
 * Step 4: serves the promoted version on a free loopback port with the real serving app, sends it the
 * first row of the data through the real client, and stops the server (draining, as on SIGTERM).
 */
async function serveAndPredict(
  registry: ModelRegistry,
  loaded: LoadedConfig,
  alias: string,
  io: IoHost,
): Promise<QuickstartPrediction> {
  const { config } = loaded;
  const [{ serveModel }, { PredictClient }, { loadDataset }] = await Promise.all([
    import('./serve.js'),
    import('../serving/client.js'),
    import('../ml/dataset.js'),
  ]);
  io.notify(info('step', `4/4 Serving ${alias} on a free port and asking it for one prediction`));
  const dataset = await loadDataset(config.data.source, {
    label: config.data.label,
    task: config.train.task,
    cwd: loaded.dir,
    seed: config.train.seed,
  });
  const row = Object.fromEntries(dataset.features.map((f, j) => [f, dataset.x[j] ?? 0])); // row 0
  const server = await serveModel({
    registry,
    serve: { ...config.serve, host: '127.0.0.1', port: 0, alias },
    backend: config.train.backend,
    io,
  });
  const client = new PredictClient({ url: server.url });
  try {
    const answer = await client.predict([row]);
    const first = answer.predictions[0];
    if (!first) throw new Error('the server answered no prediction');
    return {
      url: server.url,
      row,
      model_version: answer.model_version,
      label: first.label,
      ...(first.probabilities ? { probabilities: first.probabilities } : {}),
    };
  } finally {
    await client.close();
    await server.stop('quickstart done');
  }
}
