import { createHash } from 'node:crypto';
import { MlopsError, usageError } from '../../kernel/errors.js';
import type { IoHost } from '../../kernel/io-host.js';
import type { ModelStore, PutStreamOptions } from '../ports/model-store.js';
import { compareVersions, parseVersion, requireVersion } from '../version.js';

export const MANIFEST = 'manifest.json';
/** Written first and exclusively: reserves a version number so that concurrent writers never share one. */
export const CLAIM = '_claim.json';

/** The content of `_claim.json`. */
export interface ClaimRecord {
  readonly by: string;
  readonly at: string;
  readonly id: string;
  /** For a copy: the fingerprint of the manifest being copied, so that an interrupted copy can resume. */
  readonly copyOf?: string;
}

/** Beside the versions of a model, never listed as one: see `checkWritable`. */
const WRITE_CHECK = '_write-check.json';

/** A JSON object as stored. */
export type StoredJson =
  | { readonly state: 'absent' }
  | { readonly state: 'damaged'; readonly reason: string }
  | { readonly state: 'present'; readonly value: unknown };

const MiB = 1024 * 1024;
/**
 * Parallel small reads (manifests, aliases, history): enough to hide S3's per-request latency on
 * 1,000 versions, within the SDK's 50 sockets.
 */
const READ_CONCURRENCY = 32;
/** Artifacts in flight at once (each may itself upload several parts in parallel). */
export const TRANSFER_CONCURRENCY = 4;
/** Transfers smaller than this finish before a progress bar would be worth drawing. */
const PROGRESS_MIN_BYTES = 8 * MiB;

export interface RegistryOptions {
  /** Where large transfers and `verify` report progress (a bar on a terminal, nothing elsewhere). */
  readonly io?: IoHost;
  /** Bound on parallel small reads (manifests, aliases, history). @default 32 */
  readonly concurrency?: number;
}

/** Counts the bytes of several artifacts as one transfer. */
export interface Meter {
  report(name: string, sent: number): void;
  done(): void;
}

export const encode = (value: unknown): Uint8Array =>
  new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** JSON with sorted keys: two manifests are the same when their canonical forms are. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const totalSize = (entries: readonly { readonly size: number }[]): number =>
  entries.reduce((sum, e) => sum + e.size, 0);

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    size += chunk.byteLength;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * How one model's registry objects sit on a ModelStore: the key layout, JSON objects, exclusive
 * creation, streaming with fallbacks for stores without it, and progress of large transfers. Versions,
 * aliases and transfers all go through it.
 */
export class RegistryObjects {
  readonly io: IoHost | undefined;
  readonly concurrency: number;

  constructor(
    readonly store: ModelStore,
    readonly model: string,
    options: RegistryOptions = {},
  ) {
    this.io = options.io;
    this.concurrency = Math.max(1, options.concurrency ?? READ_CONCURRENCY);
  }

  key(...parts: string[]): string {
    return [this.model, ...parts].join('/');
  }

  /** A JSON object as stored: absent, damaged (with why), or parsed (its shape is the caller's to check). */
  async readStored(key: string): Promise<StoredJson> {
    const bytes = await this.store.get(key);
    if (!bytes) return { state: 'absent' };
    if (bytes.byteLength === 0) return { state: 'damaged', reason: 'it is empty' };
    try {
      return { state: 'present', value: JSON.parse(new TextDecoder().decode(bytes)) as unknown };
    } catch {
      return { state: 'damaged', reason: 'it is not valid JSON' };
    }
  }

  async readJson<T>(key: string): Promise<T | undefined> {
    const stored = await this.readStored(key);
    if (stored.state === 'absent') return undefined;
    if (stored.state === 'damaged') {
      throw new MlopsError(`Registry object ${key} in ${this.store.uri} is damaged: ${stored.reason}.`, {
        code: 'MLOPS_REGISTRY_E4009',
        hint: 'Restore it from the bucket or file history; mlops never writes partial objects.',
      });
    }
    return stored.value as T;
  }

  /**
   * Writes and removes a small object: the registry is reachable and writable, checked in seconds
   * before work that takes minutes (training). One fixed key, so that nothing accumulates.
   */
  async checkWritable(by: string): Promise<void> {
    const key = this.key(WRITE_CHECK);
    await this.store.put(key, encode({ by, at: new Date().toISOString() }));
    await this.store.delete([key]);
  }

  /**
   * Exclusive create that also succeeds when the key already holds exactly these bytes: a client retry
   * of a PUT whose first attempt landed (the reply was lost) gets 412 on its own object. Claims carry a
   * random id and manifests sit under a claim, so equal bytes mean it was this writer.
   */
  async createOnce(key: string, body: Uint8Array): Promise<boolean> {
    if (await this.store.put(key, body, { ifAbsent: true })) return true;
    const existing = await this.store.get(key);
    return existing !== undefined && Buffer.from(existing).equals(Buffer.from(body));
  }

  /** The store's streaming read when it has one, else the whole object as one chunk. */
  async readStream(key: string): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array> | undefined> {
    if (this.store.getStream) return this.store.getStream(key);
    const bytes = await this.store.get(key);
    return bytes && [bytes];
  }

  /** The store's streaming write when it has one, else the chunks collected into one `put`. */
  async writeStream(
    key: string,
    body: AsyncIterable<Uint8Array>,
    options: PutStreamOptions,
  ): Promise<boolean> {
    if (this.store.putStream) return this.store.putStream(key, body, options);
    return this.store.put(key, await collect(body), options);
  }

  /** A byte counter over several artifacts, drawn as one bar (in MiB) when the transfer is large. */
  meter(label: string, bytes: number): Meter {
    if (!this.io || bytes < PROGRESS_MIN_BYTES) return { report: () => undefined, done: () => undefined };
    const progress = this.io.progress(`${label} (MiB)`, Math.ceil(bytes / MiB));
    const sent = new Map<string, number>();
    let sum = 0;
    return {
      report(name, bytesSent) {
        sum += bytesSent - (sent.get(name) ?? 0);
        sent.set(name, bytesSent);
        progress.update(Math.floor(sum / MiB));
      },
      done: () => progress.done(),
    };
  }
}

/** Whether a name can be an artifact's: a plain file name that is none of the registry's own files. */
export const isArtifactName = (name: string): boolean =>
  // .tmp is the filesystem store's in-progress suffix, invisible to its listing
  name !== MANIFEST &&
  name !== CLAIM &&
  name !== '' &&
  !/[/\\\0]/.test(name) &&
  !name.startsWith('.') &&
  !name.endsWith('.tmp');

export function checkArtifactName(name: string): void {
  if (!isArtifactName(name)) {
    throw usageError(
      `"${name}" cannot be an artifact name.`,
      'MLOPS_USAGE_E1002',
      'Artifact names are plain file names: no "/", no leading ".", no ".tmp" ending.',
    );
  }
}

const byVersion = (a: string, b: string) => compareVersions(requireVersion(a), requireVersion(b));

/** Version names with a manifest (visible), and all names ever claimed (for numbering). */
export async function scanVersions(
  objects: RegistryObjects,
): Promise<{ visible: string[]; claimed: string[] }> {
  const prefix = objects.key('versions') + '/';
  const visible = new Set<string>();
  const claimed = new Set<string>();
  for (const key of await objects.store.list(prefix)) {
    const [version, file] = key.slice(prefix.length).split('/');
    if (!version || !parseVersion(version)) continue;
    claimed.add(version);
    if (file === MANIFEST) visible.add(version);
  }
  return { visible: [...visible].sort(byVersion), claimed: [...claimed].sort(byVersion) };
}
