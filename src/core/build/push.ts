import { info, type IoHost } from '../../kernel/io-host.js';
import type { BlobSource, ImageRegistryClient } from '../ports/image-registry.js';
import { artifactDocument, type AssembledArtifact } from './assemble.js';

/** Where an image goes, and where its base's layers come from. */
export interface PushRequest {
  readonly artifact: AssembledArtifact;
  readonly target: ImageRegistryClient;
  readonly repository: string;
  readonly base: { readonly client: ImageRegistryClient; readonly repository: string };
  readonly tags: readonly string[];
  readonly io: IoHost;
}

export type BlobAction = 'uploaded' | 'mounted' | 'exists';

export interface PushResult {
  readonly digest: string;
  /** How each distinct blob (layers and configs) got there. */
  readonly blobs: Readonly<Record<BlobAction, number>>;
}

interface PendingBlob {
  readonly digest: string;
  readonly size: number;
  readonly label: string;
  /** Ours, in memory; absent for a base layer (mounted or copied from the base's registry). */
  readonly bytes?: Uint8Array;
}

// Registries take a few uploads at once well; more only splits the same bandwidth.
const CONCURRENT_BLOBS = 3;

/**
 * Pushes an assembled image: every blob (HEAD first, skip what exists; a base layer on the same registry
 * is mounted, else streamed from the base's registry), then each manifest and the index by digest, and
 * only then the tags, so a failure leaves nothing half-pushed under a tag.
 */
export async function pushArtifact(request: PushRequest): Promise<PushResult> {
  const { artifact, target, repository } = request;
  const blobs = distinctBlobs(artifact);
  const counts: Record<BlobAction, number> = { uploaded: 0, mounted: 0, exists: 0 };
  const queue = [...blobs];
  const worker = async () => {
    for (let blob = queue.shift(); blob; blob = queue.shift()) counts[await pushBlob(request, blob)]++;
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_BLOBS, blobs.length) }, worker));

  for (const image of artifact.images) {
    await target.putManifest(
      repository,
      image.manifest.digest,
      image.manifest.mediaType,
      image.manifest.bytes,
    );
  }
  const top = artifactDocument(artifact);
  if (artifact.index) await target.putManifest(repository, top.digest, top.mediaType, top.bytes);
  for (const tag of request.tags) await target.putManifest(repository, tag, top.mediaType, top.bytes);
  return { digest: top.digest, blobs: counts };
}

function distinctBlobs(artifact: AssembledArtifact): PendingBlob[] {
  const byDigest = new Map<string, PendingBlob>();
  for (const image of artifact.images) {
    for (const layer of image.baseLayers) {
      byDigest.set(layer.digest, { digest: layer.digest, size: layer.size, label: 'base layer' });
    }
    for (const layer of image.layers) {
      byDigest.set(layer.digest, {
        digest: layer.digest,
        size: layer.size,
        label: layer.comment,
        bytes: layer.blob,
      });
    }
    const { config } = image;
    byDigest.set(config.digest, {
      digest: config.digest,
      size: config.bytes.length,
      label: 'config',
      bytes: config.bytes,
    });
  }
  return [...byDigest.values()];
}

async function pushBlob(request: PushRequest, blob: PendingBlob): Promise<BlobAction> {
  const { target, repository, base, io } = request;
  const report = (action: BlobAction) => {
    io.notify(
      info('layer', `${blob.label} ${blob.digest.slice(7, 19)} ${action}`, {
        repository,
        digest: blob.digest,
        size: blob.size,
        label: blob.label,
        action,
      }),
    );
    return action;
  };
  if (await target.hasBlob(repository, blob.digest)) return report('exists');
  if (!blob.bytes && base.client.host === target.host) {
    if (await target.mountBlob(repository, blob.digest, base.repository)) return report('mounted');
  }
  const source: BlobSource =
    blob.bytes ??
    async function* () {
      yield* (await base.client.openBlob(base.repository, blob.digest)).body;
    };
  const progress = io.progress(`${blob.label} ${blob.digest.slice(7, 19)}`, blob.size);
  try {
    await target.pushBlob(repository, blob.digest, blob.size, source, ({ sent }) => progress.update(sent));
  } finally {
    progress.done();
  }
  return report('uploaded');
}
