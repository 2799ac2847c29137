import { createHash } from 'node:crypto';
import type { Descriptor, Platform } from '../ports/image-registry.js';
import type { BaseImage } from './base-image.js';
import {
  imageConfig,
  imageIndex,
  imageManifest,
  type AddedLayer,
  type ImageSettings,
} from './image-config.js';
import type { MediaTypes } from './media-types.js';

/** A layer mlops made, with its gzip bytes. */
export interface LayerBlob extends AddedLayer {
  readonly blob: Uint8Array;
  /** Bytes of the layer's tar: what it adds to the unpacked image. */
  readonly uncompressedSize: number;
}

/** A document stored by its digest (config, manifest, index). */
export interface Document {
  readonly mediaType: string;
  readonly digest: string;
  readonly bytes: Uint8Array;
}

/** One platform's image, ready to push: the base's layers are referenced, ours carried. */
export interface AssembledImage {
  readonly platform: Platform;
  readonly manifest: Document;
  readonly config: Document;
  readonly baseLayers: readonly Descriptor[];
  readonly layers: readonly LayerBlob[];
}

/** What `build` pushes or writes: one image, or one per platform under an index. */
export interface AssembledArtifact {
  readonly images: readonly AssembledImage[];
  readonly index?: Document;
  readonly types: MediaTypes;
}

export const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const document = (mediaType: string, bytes: Uint8Array): Document => ({
  mediaType,
  bytes,
  digest: sha256(bytes),
});

/** Stacks our layers on each platform's base; more than one platform gets an index. */
export function assemble(
  bases: readonly BaseImage[],
  settings: ImageSettings,
  layers: readonly LayerBlob[],
): AssembledArtifact {
  const types = bases[0]!.types;
  const images = bases.map((base) => {
    const config = document(base.types.config, imageConfig(base.config, settings, layers));
    const manifest = document(
      base.types.manifest,
      imageManifest(base.types, { digest: config.digest, size: config.bytes.length }, base.layers, layers),
    );
    return { platform: base.platform, manifest, config, baseLayers: base.layers, layers };
  });
  if (images.length === 1) return { images, types };
  const index = document(
    types.index,
    imageIndex(
      types,
      images.map(({ manifest, platform }) => ({
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.bytes.length,
        platform,
      })),
    ),
  );
  return { images, index, types };
}

/** The digest a tag points at: the index of a multi-platform image, else the manifest. */
export const artifactDocument = (artifact: AssembledArtifact): Document =>
  artifact.index ?? artifact.images[0]!.manifest;
