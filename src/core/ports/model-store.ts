/**
 * The narrow object-store port every registry backend implements (filesystem, S3). Keys are
 * `/`-separated paths relative to the store root. The registry logic (versions, manifests, aliases,
 * history) lives once in core/registry and relies only on these operations.
 */
export interface ModelStore {
  /** The store's URI as the user wrote it (file:///abs/path, s3://bucket/prefix). */
  readonly uri: string;
  /** The object's bytes, or undefined when it does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Writes an object atomically (readers see the old object or the whole new one, never a part).
   * With `ifAbsent`, creation is exclusive: returns false, writing nothing, when the key exists.
   * Large bodies may be sent in parts (S3 multipart upload); atomicity and `ifAbsent` still hold.
   */
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<boolean>;
  /** Every key under `prefix` (recursive), in lexicographic order. */
  list(prefix: string): Promise<string[]>;
  /** Removes the keys; absent keys are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /**
   * The object's size without reading its body (a stat, a HEAD request), or undefined when it does not
   * exist: how promote checks a version in constant time whatever the model's size.
   */
  stat(key: string): Promise<ObjectStat | undefined>;
  /**
   * The object as a stream of chunks, never held whole in memory (large artifacts), or undefined when
   * it does not exist. Optional: the registry falls back to `get` for stores without it.
   */
  getStream?(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  /**
   * Writes an object from a stream of chunks with the same guarantees as `put`, without buffering it
   * whole (S3: multipart upload with bounded parallel parts). Optional: the registry falls back to
   * collecting the chunks and calling `put`.
   */
  putStream?(key: string, body: AsyncIterable<Uint8Array>, options?: PutStreamOptions): Promise<boolean>;
}

export interface ObjectStat {
  readonly size: number;
}

export interface PutOptions {
  readonly ifAbsent?: boolean;
  /** Called with the bytes sent so far, for a progress bar on large uploads. */
  readonly onProgress?: (sentBytes: number) => void;
}

export interface PutStreamOptions extends PutOptions {
  /** The total size when known (lets S3 choose the part size and report progress against it). */
  readonly size?: number;
}
