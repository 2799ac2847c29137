import type { MlopsConfig } from '../config/schema.js';
import type { EpochEvent } from '../ml/train.js';
import { info, outcome, type IoHost } from '../kernel/io-host.js';
import type { ModelRegistry } from './registry.js';
import type { VersionManifest } from './registry-types.js';

export interface TrainLocalOptions {
  readonly config: MlopsConfig;
  /** Relative data paths resolve against it (the config file's directory). */
  readonly configDir: string;
  readonly io: IoHost;
  readonly registry: ModelRegistry;
  readonly actor: string;
  readonly gitCommit?: string | null;
  /** The training Job's run id (MLOPS_RUN_ID in its pod), recorded in the version's lineage. */
  readonly runId?: string;
  /** Register as the next major version (v2.0) instead of the next minor. */
  readonly major?: boolean;
  readonly signal?: AbortSignal;
  /** Reads an s3:// data source (the CLI passes the S3 reader; core never imports a provider). */
  readonly readData?: (uri: string) => Promise<Uint8Array>;
}

export interface TrainResult {
  readonly model: string;
  readonly version: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly manifest: VersionManifest;
}

/** Scalar metrics worth a glance (what `models list` shows and the `registered` event carries). */
export function summarizeMetrics(metrics: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

/** The `dataset` event's data: what was read, and the backend that trains on it. */
export interface DatasetEvent {
  readonly source: string;
  readonly sha256: string | null;
  readonly rows: number;
  readonly features: readonly string[];
  readonly label: string;
  readonly classes?: readonly string[];
  readonly backend: string;
}

/** The words of the `dataset` event (local training, and a training pod's event in `train --watch`). */
export const datasetMessage = (d: DatasetEvent): string =>
  `Data: ${d.source} — ${d.rows} rows, ${d.features.length} features, label "${d.label}"${
    d.classes ? ` (${d.classes.length} classes)` : ''
  }; backend ${d.backend}`;

/** The progress bar's detail for one epoch (local training, and `train --watch`). */
export const epochDetail = (e: EpochEvent): string =>
  `loss ${e.loss.toFixed(4)} val_loss ${e.valLoss.toFixed(4)}${
    e.valAccuracy === undefined ? '' : ` val_acc ${e.valAccuracy.toFixed(3)}`
  }`;

/** The words of the `trained` event, from its summarized metrics. */
export const trainedMessage = (m: Readonly<Record<string, number>>): string =>
  `Trained in ${(m.trainingSeconds ?? 0).toFixed(1)}s, ${m.epochsRun ?? '?'} epochs (best ${m.bestEpoch ?? '?'}).`;

/** Trains the configured model in-process and registers it as a new version. */
export async function trainLocal(options: TrainLocalOptions): Promise<TrainResult> {
  const { config, io, registry } = options;
  // seconds now rather than after minutes of training: the registry is reachable and writable
  await registry.checkWritable(options.actor);
  const { loadDataset, loadTf, trainModel } = await import('../ml/index.js');
  const { backend } = await loadTf(config.train.backend);
  // A spinner while a large file streams in (seconds for millions of rows); nothing in CI.
  const reading = io.progress(`Reading ${config.data.source}`);
  const dataset = await loadDataset(config.data.source, {
    label: config.data.label,
    task: config.train.task,
    cwd: options.configDir,
    seed: config.train.seed,
    readUri: options.readData,
  }).finally(() => reading.done());
  const read: DatasetEvent = {
    source: dataset.source,
    sha256: dataset.sha256,
    rows: dataset.rows,
    features: dataset.features,
    label: dataset.label,
    classes: dataset.classes,
    backend,
  };
  io.notify(info('dataset', datasetMessage(read), read));

  const progress = io.progress('Training', config.train.epochs);
  let trained;
  // trainModel's errors are MlopsErrors already (it wraps tfjs failures itself): no second wrap here.
  try {
    trained = await trainModel(dataset, config.train, {
      signal: options.signal,
      onEpoch: (e) => {
        io.notify(info('epoch', '', e));
        progress.update(e.epoch, epochDetail(e));
      },
    });
  } finally {
    progress.done();
  }
  const metrics = summarizeMetrics(trained.metrics);
  io.notify(info('trained', trainedMessage(metrics), { metrics }));

  const manifest = await registry.createVersion({
    artifacts: {
      ...trained.artifacts,
      'metrics.json': new TextEncoder().encode(`${JSON.stringify(trained.metrics, null, 2)}\n`),
    },
    createdBy: options.actor,
    gitCommit: options.gitCommit ?? null,
    runId: options.runId,
    data: { source: dataset.source, sha256: dataset.sha256, rows: dataset.rows },
    parameters: { ...config.train, label: dataset.label, features: dataset.features },
    metrics,
    backend: trained.backend,
    major: options.major,
  });
  io.notify(
    outcome('registered', `Registered ${registry.model} ${manifest.version} in ${registry.store.uri}.`, {
      model: registry.model,
      version: manifest.version,
      metrics,
    }),
  );
  return { model: registry.model, version: manifest.version, metrics, manifest };
}
