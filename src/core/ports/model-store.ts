/**
 * The narrow object-store port every registry backend implements (filesystem, S3). Keys are
 * `/`-separated paths relative to the store root. The registry logic (versions, manifests, aliases,
 * history) lives once in core/registry and relies only on these five operations.
 */
export interface ModelStore {
  /** The store's URI as the user wrote it (file:///abs/path, s3://bucket/prefix). */
  readonly uri: string;
  /** The object's bytes, or undefined when it does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Writes an object atomically (readers see the old object or the whole new one, never a part).
   * With `ifAbsent`, creation is exclusive: returns false, writing nothing, when the key exists.
   */
  put(key: string, body: Uint8Array, options?: { readonly ifAbsent?: boolean }): Promise<boolean>;
  /** Every key under `prefix` (recursive), in lexicographic order. */
  list(prefix: string): Promise<string[]>;
  /** Removes the keys; absent keys are not an error. */
  delete(keys: readonly string[]): Promise<void>;
}
