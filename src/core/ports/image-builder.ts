import type { IoHost } from '../../kernel/io-host.js';
import type { ImageSettings } from '../build/image-config.js';
import type { ImageRole } from '../image-ref.js';
import type { Platform } from './image-registry.js';

export type BuilderName = 'oci' | 'buildah' | 'docker';

/** One image to build: everything a builder needs, decided by core (names, tags, config). */
export interface BuildRequest {
  readonly role: ImageRole;
  readonly projectDir: string;
  /** The repository as references write it, without a tag: `127.0.0.1:5000/iris-serving`. */
  readonly image: string;
  /** The base image reference (images.base). */
  readonly base: string;
  readonly tags: readonly string[];
  /** Undefined: the base's single image, or this machine's platform from an index. */
  readonly platforms?: readonly Platform[];
  readonly settings: ImageSettings;
  /**
   * images.<role>.dockerfile as an absolute path: the tool builds it with the project as context (and
   * `settings.labels` added), instead of the traced layers. The oci builder never receives one.
   */
  readonly dockerfile?: string;
  /** Seconds since the epoch for every file and the config (SOURCE_DATE_EPOCH). */
  readonly sourceDateEpoch: number;
  readonly push: boolean;
  readonly dryRun: boolean;
  readonly io: IoHost;
}

/** A layer as build reports it (the plan of --dry-run, the sizes of a build). */
export interface LayerSummary {
  readonly comment: string;
  readonly digest?: string;
  /** Compressed bytes, as pushed. */
  readonly size?: number;
  /** Bytes in the unpacked image. */
  readonly uncompressedSize?: number;
  readonly fromBase: boolean;
}

export interface BuildResult {
  readonly image: string;
  readonly tags: readonly string[];
  /** The manifest (or index) digest; absent for a dry run or a tool that does not report it. */
  readonly digest?: string;
  /** The OCI image layout written without --push, or the local image store of buildah/docker. */
  readonly location?: string;
  readonly layers: readonly LayerSummary[];
  /** Blobs by what happened to them on push. */
  readonly blobs?: Readonly<Record<'uploaded' | 'mounted' | 'exists', number>>;
}

/** Builds (and with `push`, pushes) one image: the built-in OCI builder, buildah or docker. */
export interface ImageBuilder {
  readonly name: BuilderName;
  build(request: BuildRequest): Promise<BuildResult>;
}
