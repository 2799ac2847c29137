/**
 * The port between `mlops build` (core decides which blobs and manifests an image needs) and an OCI
 * distribution registry (providers/images speaks the HTTP API, its auth challenges and credentials).
 * One client talks to one registry host; repositories are paths on it (`team/iris-serving`).
 */

/** An OCI content descriptor (image-spec descriptor.md); Docker v2 manifests use the same fields. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  /** In an index: which platform the manifest is for. */
  readonly platform?: Platform;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** A manifest or index as the registry stores it: the exact bytes (the digest is over them). */
export interface FetchedManifest {
  readonly mediaType: string;
  readonly digest: string;
  readonly bytes: Uint8Array;
}

/** A blob being read: its size (from the registry) and its content, streamed. */
export interface BlobReader {
  readonly size: number;
  readonly body: AsyncIterable<Uint8Array>;
}

/** Where a blob to upload comes from: bytes in memory, or a stream opened (again, on a retry) on demand. */
export type BlobSource = Uint8Array | (() => AsyncIterable<Uint8Array>);

export interface PushProgress {
  /** Bytes of this blob sent so far. */
  readonly sent: number;
  readonly total: number;
}

export interface ImageRegistryClient {
  /** The registry host as written in image references (`123.dkr.ecr.eu-west-1.amazonaws.com`, `127.0.0.1:5000`). */
  readonly host: string;
  /** GET a manifest or an index by tag or digest (OCI and Docker v2 media types accepted). */
  getManifest(repository: string, reference: string): Promise<FetchedManifest>;
  /** HEAD a manifest: its digest, or undefined when the tag does not exist. */
  headManifest(repository: string, reference: string): Promise<string | undefined>;
  /** Reads a whole small blob (an image config). */
  getBlob(repository: string, digest: string): Promise<Uint8Array>;
  /** Streams a blob (a layer copied from the base's registry to the target). */
  openBlob(repository: string, digest: string): Promise<BlobReader>;
  /** HEAD first: whether the repository already has the blob. */
  hasBlob(repository: string, digest: string): Promise<boolean>;
  /** Cross-repository mount on the same registry; false when the registry started an upload instead. */
  mountBlob(repository: string, digest: string, fromRepository: string): Promise<boolean>;
  /** Uploads a blob (chunked when large) and verifies the digest the registry answers with. */
  pushBlob(
    repository: string,
    digest: string,
    size: number,
    source: BlobSource,
    onProgress?: (progress: PushProgress) => void,
  ): Promise<void>;
  /** PUT a manifest or an index under a tag or its digest; returns the digest the registry stored. */
  putManifest(repository: string, reference: string, mediaType: string, bytes: Uint8Array): Promise<string>;
}
