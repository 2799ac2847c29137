import { usageError } from '../core/errors.js';
import type { ModelStore } from '../core/ports/model-store.js';

/** Picks the ModelStore implementation for a registry URI (providers are chosen here, never in core). */
export async function openStore(uri: string): Promise<ModelStore> {
  if (uri.startsWith('file://')) {
    const { FsModelStore } = await import('../../providers/local/fs-model-store.js');
    return new FsModelStore(uri);
  }
  if (uri.startsWith('s3://')) {
    throw usageError(
      `The S3 registry (${uri}) is not available in this version of mlops.`,
      'MLOPS_USAGE_E1003',
      'Use a file:// registry for now (the default is file://.mlops/registry); S3 support arrives with the S3 registry work.',
    );
  }
  throw usageError(
    `Unsupported registry URI "${uri}".`,
    'MLOPS_REGISTRY_E4005',
    'Use file://PATH or s3://BUCKET/PREFIX.',
  );
}
