import { usageError } from '../kernel/errors.js';
import { info, type IoHost } from '../kernel/io-host.js';
import type { ModelRegistry } from './registry.js';

export interface CopyOptions {
  readonly source: ModelRegistry;
  readonly target: ModelRegistry;
  /** A version (v1.2) or an alias of the source (production). */
  readonly ref: string;
  readonly actor: string;
  readonly io: IoHost;
  readonly now?: () => Date;
}

export interface CopyResult {
  readonly model: string;
  readonly version: string;
  readonly from: string;
  readonly to: string;
  /** False when the destination already had the identical version (nothing was written). */
  readonly copied: boolean;
  readonly artifacts: number;
  readonly bytes: number;
}

/**
 * `mlops models copy`: the version keeps its name and manifest in the destination (e.g. staging bucket →
 * production bucket, or file:// → s3://). Artifacts stream from source to destination, verified against
 * the manifest on the way out and re-read on arrival; the manifest is written last, create-if-absent.
 */
export async function copyVersion(options: CopyOptions): Promise<CopyResult> {
  const { source, target, io } = options;
  if (source.store.uri === target.store.uri) {
    throw usageError(
      `The destination ${target.store.uri} is the source registry.`,
      'MLOPS_USAGE_E1002',
      'Pass another registry with --to, e.g. --to s3://prod-models/iris.',
    );
  }
  const version = await source.resolve(options.ref);
  const manifest = await source.manifest(version);
  io.notify(
    info(
      'copying',
      `Copying ${source.model} ${version} (${manifest.artifacts.length} artifacts) from ${source.store.uri} to ${target.store.uri}…`,
      { version, from: source.store.uri, to: target.store.uri },
    ),
  );
  const imported = await target.importVersion(manifest, (entry) => source.artifactStream(version, entry), {
    by: options.actor,
    now: options.now,
  });
  const result: CopyResult = {
    model: source.model,
    version,
    from: source.store.uri,
    to: target.store.uri,
    copied: imported.copied,
    artifacts: manifest.artifacts.length,
    bytes: imported.bytes,
  };
  io.notify(
    info(
      imported.copied ? 'copied' : 'unchanged',
      imported.copied
        ? `Copied ${source.model} ${version} to ${target.store.uri}, checksums verified.`
        : `${target.store.uri} already has the identical ${source.model} ${version}.`,
      result,
    ),
  );
  return result;
}
