import { createHash, randomUUID } from 'node:crypto';
import { MlopsError, usageError } from '../kernel/errors.js';
import type { IoHost } from '../kernel/io-host.js';
import type { ModelStore, PutStreamOptions } from './ports/model-store.js';
import type {
  AliasAction,
  AliasRecord,
  ArtifactEntry,
  HistoryRecord,
  VersionManifest,
  VersionSummary,
} from './registry-types.js';
import { compareVersions, formatVersion, nextVersion, parseVersion, requireVersion } from './version.js';

export const MANIFEST = 'manifest.json';
/** Written first and exclusively: reserves a version number so that concurrent writers never share one. */
export const CLAIM = '_claim.json';
const ALIAS_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MiB = 1024 * 1024;
/**
 * Parallel small reads (manifests, aliases, history): enough to hide S3's per-request latency on
 * 1,000 versions, within the SDK's 50 sockets.
 */
const READ_CONCURRENCY = 32;
/** Artifacts in flight at once (each may itself upload several parts in parallel). */
const TRANSFER_CONCURRENCY = 4;
/** Transfers smaller than this finish before a progress bar would be worth drawing. */
const PROGRESS_MIN_BYTES = 8 * MiB;

export interface RegistryOptions {
  /** Where large transfers report progress (a bar on a terminal, nothing elsewhere). */
  readonly io?: IoHost;
  /** Bound on parallel small reads (manifests, aliases, history). */
  readonly concurrency?: number;
}

/** The content of `_claim.json`. */
interface ClaimRecord {
  readonly by: string;
  readonly at: string;
  readonly id: string;
  /** For a copy: the fingerprint of the manifest being copied, so that an interrupted copy can resume. */
  readonly copyOf?: string;
}

/** A version number that was claimed but has no manifest: a writer is busy, or crashed. */
export interface IncompleteVersion {
  readonly version: string;
  readonly claimedAt: string | null;
  readonly claimedBy: string | null;
}

export interface ImportResult {
  readonly version: string;
  /** False when the registry already had the version with the same manifest (nothing was written). */
  readonly copied: boolean;
  readonly bytes: number;
}

/** Streams an artifact's bytes, e.g. from another registry. */
export type ArtifactSource = (entry: ArtifactEntry) => AsyncIterable<Uint8Array>;

export interface NewVersion {
  readonly artifacts: Readonly<Record<string, Uint8Array>>;
  readonly createdBy: string;
  readonly gitCommit?: string | null;
  readonly data: VersionManifest['data'];
  readonly parameters: VersionManifest['parameters'];
  readonly metrics: VersionManifest['metrics'];
  readonly backend?: string | null;
  /** Start the next major (v2.0) instead of the next minor. */
  readonly major?: boolean;
  readonly now?: () => Date;
}

export interface LoadedVersion {
  readonly manifest: VersionManifest;
  readonly artifacts: Record<string, Uint8Array>;
}

const encode = (value: unknown): Uint8Array =>
  new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** JSON with sorted keys: two manifests are the same when their canonical forms are. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Maps with at most `limit` calls in flight (results in input order). After a failure it starts no new
 * call, waits for those in flight (so that nothing writes behind a caller's cleanup), then rethrows.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}

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

function checkArtifactName(name: string): void {
  // .tmp is the filesystem store's in-progress suffix, invisible to its listing
  if (
    name === MANIFEST ||
    name === CLAIM ||
    name === '' ||
    name.includes('/') ||
    name.startsWith('.') ||
    name.endsWith('.tmp')
  ) {
    throw usageError(`"${name}" cannot be an artifact name.`, 'MLOPS_USAGE_E1002');
  }
}

const totalSize = (entries: readonly { readonly size: number }[]): number =>
  entries.reduce((sum, e) => sum + e.size, 0);

/**
 * One model's registry on any ModelStore (DESIGN.md §4): immutable versions visible once their manifest
 * is written (last), sha256-verified loads, aliases as small objects, append-only history.
 */
export class ModelRegistry {
  private readonly io: IoHost | undefined;
  private readonly concurrency: number;

  constructor(
    readonly store: ModelStore,
    readonly model: string,
    options: RegistryOptions = {},
  ) {
    this.io = options.io;
    this.concurrency = Math.max(1, options.concurrency ?? READ_CONCURRENCY);
  }

  /** The same registry reporting transfer progress to `io`. */
  withIo(io: IoHost): ModelRegistry {
    return new ModelRegistry(this.store, this.model, { io, concurrency: this.concurrency });
  }

  private key(...parts: string[]): string {
    return [this.model, ...parts].join('/');
  }

  private async readJson<T>(key: string): Promise<T | undefined> {
    const bytes = await this.store.get(key);
    if (!bytes) return undefined;
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as T;
    } catch {
      throw new MlopsError(`Registry object ${key} in ${this.store.uri} is not valid JSON.`, {
        code: 'MLOPS_REGISTRY_E4009',
        hint: 'Restore it from the bucket or file history; mlops never writes partial objects.',
      });
    }
  }

  /** Version names with a manifest (visible), and all names ever claimed (for numbering). */
  private async scanVersions(): Promise<{ visible: string[]; claimed: string[] }> {
    const keys = await this.store.list(this.key('versions') + '/');
    const visible = new Set<string>();
    const claimed = new Set<string>();
    const prefix = this.key('versions') + '/';
    for (const key of keys) {
      const [version, file] = key.slice(prefix.length).split('/');
      if (!version || !parseVersion(version)) continue;
      claimed.add(version);
      if (file === MANIFEST) visible.add(version);
    }
    const byVersion = (a: string, b: string) => compareVersions(requireVersion(a), requireVersion(b));
    return { visible: [...visible].sort(byVersion), claimed: [...claimed].sort(byVersion) };
  }

  async versions(): Promise<string[]> {
    return (await this.scanVersions()).visible;
  }

  /** Registers a new immutable version; retries with the next number when another writer took one. */
  async createVersion(input: NewVersion): Promise<VersionManifest> {
    const now = input.now ?? (() => new Date());
    const named = Object.entries(input.artifacts).sort(([a], [b]) => a.localeCompare(b));
    // before claiming a number: a refused name must not leave a claimed, empty version behind
    for (const [name] of named) checkArtifactName(name);
    for (let attempt = 0; attempt < 50; attempt++) {
      const { claimed } = await this.scanVersions();
      const version = formatVersion(nextVersion(claimed.map(requireVersion), input.major));
      const claim: ClaimRecord = { by: input.createdBy, at: now().toISOString(), id: randomUUID() };
      if (!(await this.createOnce(this.key('versions', version, CLAIM), encode(claim)))) {
        continue;
      }

      const meter = this.meter(
        `Uploading ${this.model} ${version}`,
        totalSize(named.map(([, b]) => ({ size: b.byteLength }))),
      );
      let artifacts: ArtifactEntry[];
      try {
        artifacts = await mapLimit(named, TRANSFER_CONCURRENCY, async ([name, bytes]) => {
          await this.store.put(this.key('versions', version, name), bytes, {
            onProgress: (sent) => meter.report(name, sent),
          });
          return { name, sha256: sha256(bytes), size: bytes.byteLength };
        });
      } catch (error) {
        // no manifest was written, so nothing is visible; take back the claim and the parts too
        await this.removeIncomplete(version).catch(() => undefined);
        throw error;
      } finally {
        meter.done();
      }
      const manifest: VersionManifest = {
        formatVersion: 1,
        model: this.model,
        version,
        createdAt: now().toISOString(),
        createdBy: input.createdBy,
        gitCommit: input.gitCommit ?? null,
        data: input.data,
        parameters: input.parameters,
        metrics: input.metrics,
        backend: input.backend ?? null,
        artifacts,
      };
      if (await this.createOnce(this.key('versions', version, MANIFEST), encode(manifest))) {
        return manifest;
      }
      // Only a writer ignoring the claim could get here; never overwrite, try the next number.
    }
    throw new MlopsError(`Could not reserve a new version of ${this.model} after 50 attempts.`, {
      code: 'MLOPS_REGISTRY_E4007',
      hint: 'Many registrations are racing; retry in a moment.',
    });
  }

  /** A byte counter over several artifacts, drawn as one bar (in MiB) when the transfer is large. */
  private meter(label: string, bytes: number): { report(name: string, sent: number): void; done(): void } {
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

  /**
   * Exclusive create that also succeeds when the key already holds exactly these bytes: a client retry
   * of a PUT whose first attempt landed (the reply was lost) gets 412 on its own object. Claims carry a
   * random id and manifests sit under a claim, so equal bytes mean it was this writer.
   */
  private async createOnce(key: string, body: Uint8Array): Promise<boolean> {
    if (await this.store.put(key, body, { ifAbsent: true })) return true;
    const existing = await this.store.get(key);
    return existing !== undefined && Buffer.from(existing).equals(Buffer.from(body));
  }

  /** The store's streaming read when it has one, else the whole object as one chunk. */
  private async readStream(
    key: string,
  ): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array> | undefined> {
    if (this.store.getStream) return this.store.getStream(key);
    const bytes = await this.store.get(key);
    return bytes && [bytes];
  }

  private async writeStream(
    key: string,
    body: AsyncIterable<Uint8Array>,
    options: PutStreamOptions,
  ): Promise<boolean> {
    if (this.store.putStream) return this.store.putStream(key, body, options);
    return this.store.put(key, await collect(body), options);
  }

  async manifest(version: string): Promise<VersionManifest> {
    requireVersion(version);
    const manifest = await this.readJson<VersionManifest>(this.key('versions', version, MANIFEST));
    if (!manifest) {
      const known = await this.versions();
      throw new MlopsError(`Model ${this.model} has no version ${version} in ${this.store.uri}.`, {
        code: 'MLOPS_REGISTRY_E4001',
        hint: known.length
          ? `Known versions: ${known.slice(-10).join(', ')}.`
          : 'Run `mlops train --local` to register one.',
      });
    }
    return manifest;
  }

  /**
   * One artifact as a stream, hashed while it flows (never held whole): the stream fails at its end when
   * the sha256 or size differs from the manifest, and as soon as it grows past the recorded size.
   */
  async *artifactStream(
    version: string,
    entry: ArtifactEntry,
    onBytes?: (received: number) => void,
  ): AsyncGenerator<Uint8Array> {
    const source = await this.readStream(this.key('versions', version, entry.name));
    if (!source) throw this.artifactError(version, entry, 'is missing');
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (size > entry.size) throw this.artifactError(version, entry, 'is larger than its manifest says');
      hash.update(chunk);
      onBytes?.(size);
      yield chunk;
    }
    if (size !== entry.size || hash.digest('hex') !== entry.sha256) {
      throw this.artifactError(version, entry, 'does not match its sha256 in the manifest');
    }
  }

  private artifactError(version: string, entry: ArtifactEntry, problem: string): MlopsError {
    return new MlopsError(
      `Artifact ${entry.name} of ${this.model} ${version} in ${this.store.uri} ${problem}; refusing to load it.`,
      {
        code: 'MLOPS_REGISTRY_E4002',
        hint: 'The registry was modified outside mlops. Register a new version or restore the object.',
      },
    );
  }

  /** Loads every artifact of a version and refuses any whose sha256 or size differs from the manifest. */
  async load(version: string): Promise<LoadedVersion> {
    const manifest = await this.manifest(version);
    const meter = this.meter(`Downloading ${this.model} ${version}`, totalSize(manifest.artifacts));
    try {
      const loaded = await mapLimit(manifest.artifacts, TRANSFER_CONCURRENCY, async (entry) => {
        // one buffer of the recorded size, filled as chunks arrive: no second whole-file copy
        const bytes = new Uint8Array(entry.size);
        let offset = 0;
        for await (const chunk of this.artifactStream(version, entry, (n) => meter.report(entry.name, n))) {
          bytes.set(chunk, offset);
          offset += chunk.byteLength;
        }
        return [entry.name, bytes] as const;
      });
      return { manifest, artifacts: Object.fromEntries(loaded) };
    } finally {
      meter.done();
    }
  }

  /** Re-reads the artifacts of a version from the store and checks them against `entries` (streaming). */
  async verifyArtifacts(version: string, entries: readonly ArtifactEntry[]): Promise<void> {
    await mapLimit(entries, TRANSFER_CONCURRENCY, async (entry) => {
      for await (const _chunk of this.artifactStream(version, entry)) {
        // only the hash matters
      }
    });
  }

  /**
   * Writes a version from elsewhere (another registry) under its own name and manifest: claim the
   * name exclusively, stream the artifacts, re-read and verify what arrived, then write the manifest
   * last, create-if-absent. An identical version already there is a no-op; a different one is refused.
   * On failure nothing stays visible and the partial version is removed.
   */
  async importVersion(
    manifest: VersionManifest,
    source: ArtifactSource,
    options: { readonly by: string; readonly now?: () => Date },
  ): Promise<ImportResult> {
    const { version } = manifest;
    requireVersion(version);
    if (manifest.model !== this.model) {
      throw usageError(
        `Cannot import ${manifest.model} ${version} as model ${this.model}.`,
        'MLOPS_USAGE_E1002',
        'Copies keep the model name: open the destination registry for the same model.',
      );
    }
    for (const entry of manifest.artifacts) checkArtifactName(entry.name);
    const bytes = totalSize(manifest.artifacts);
    const manifestKey = this.key('versions', version, MANIFEST);
    const claimKey = this.key('versions', version, CLAIM);
    const fingerprint = createHash('sha256').update(canonical(manifest)).digest('hex');

    const existing = await this.readJson<VersionManifest>(manifestKey);
    if (existing) return this.sameOrConflict(existing, manifest, bytes);
    const at = (options.now ?? (() => new Date()))().toISOString();
    const claim: ClaimRecord = { by: options.by, at, id: randomUUID(), copyOf: fingerprint };
    if (!(await this.createOnce(claimKey, encode(claim)))) {
      const held = await this.readJson<ClaimRecord>(claimKey).catch(() => undefined);
      // the same copy, interrupted earlier, is resumed; anything else is another writer's version
      if (held?.copyOf !== fingerprint) {
        const now = await this.readJson<VersionManifest>(manifestKey);
        if (now) return this.sameOrConflict(now, manifest, bytes);
        throw new MlopsError(
          `${this.model} ${version} is claimed in ${this.store.uri} by another writer (${held?.by ?? 'unknown'}, ${held?.at ?? 'unknown time'}) and has no manifest yet.`,
          {
            code: 'MLOPS_REGISTRY_E4015',
            hint: 'Retry when that writer has finished; if it crashed, `mlops models gc` there removes incomplete versions older than a day.',
          },
        );
      }
    }

    const meter = this.meter(`Copying ${this.model} ${version}`, bytes);
    try {
      await mapLimit(manifest.artifacts, TRANSFER_CONCURRENCY, (entry) =>
        this.writeStream(this.key('versions', version, entry.name), source(entry), {
          size: entry.size,
          onProgress: (sent) => meter.report(entry.name, sent),
        }),
      );
      // on arrival: what the store now holds, not what was sent
      await this.verifyArtifacts(version, manifest.artifacts);
    } catch (error) {
      await this.removeIncomplete(version).catch(() => undefined);
      throw error;
    } finally {
      meter.done();
    }
    if (!(await this.createOnce(manifestKey, encode(manifest)))) {
      // only a writer ignoring the claim gets here
      const now = await this.readJson<VersionManifest>(manifestKey);
      if (now) return this.sameOrConflict(now, manifest, bytes);
    }
    return { version, copied: true, bytes };
  }

  private sameOrConflict(existing: VersionManifest, incoming: VersionManifest, bytes: number): ImportResult {
    if (canonical(existing) === canonical(incoming))
      return { version: incoming.version, copied: false, bytes };
    throw new MlopsError(
      `${this.store.uri} already has ${this.model} ${incoming.version} with different content (created ${existing.createdAt} by ${existing.createdBy}); versions are immutable, refusing to copy over it.`,
      {
        code: 'MLOPS_REGISTRY_E4014',
        hint: `The registries have diverged: compare them with \`mlops models show ${incoming.version} --json\` on each.`,
      },
    );
  }

  /**
   * Deletes a version: the manifest first (the version disappears at once, as a whole), then its
   * artifacts, the claim last (so that an interrupted deletion is an incomplete version, never a visible
   * one with missing artifacts).
   */
  async deleteVersion(version: string): Promise<void> {
    requireVersion(version);
    await this.store.delete([this.key('versions', version, MANIFEST)]);
    await this.removeIncomplete(version);
  }

  /** Removes the artifacts and claim of a version that has no manifest (a crashed or aborted writer). */
  async removeIncomplete(version: string): Promise<void> {
    requireVersion(version);
    const prefix = this.key('versions', version) + '/';
    const keys = await this.store.list(prefix);
    if (keys.includes(prefix + MANIFEST)) {
      throw new MlopsError(`${this.model} ${version} is complete; refusing to remove it as incomplete.`, {
        code: 'MLOPS_INTERNAL_E9000',
      });
    }
    const artifacts = keys.filter((key) => key !== prefix + CLAIM);
    if (artifacts.length) await this.store.delete(artifacts);
    await this.store.delete([prefix + CLAIM]);
  }

  /** Version numbers claimed without a manifest, with when and by whom they were claimed. */
  async incompleteVersions(): Promise<IncompleteVersion[]> {
    const { visible, claimed } = await this.scanVersions();
    const complete = new Set(visible);
    return mapLimit(
      claimed.filter((v) => !complete.has(v)),
      this.concurrency,
      async (version) => {
        const claim = await this.readJson<ClaimRecord>(this.key('versions', version, CLAIM)).catch(
          () => undefined,
        );
        return { version, claimedAt: claim?.at ?? null, claimedBy: claim?.by ?? null };
      },
    );
  }

  async alias(name: string): Promise<AliasRecord | undefined> {
    return this.readJson<AliasRecord>(this.key('aliases', `${name}.json`));
  }

  async aliases(): Promise<Record<string, string>> {
    const prefix = this.key('aliases') + '/';
    const keys = (await this.store.list(prefix)).filter((key) => key.endsWith('.json'));
    const records = await mapLimit(keys, this.concurrency, (key) => this.readJson<AliasRecord>(key));
    const out: Record<string, string> = {};
    keys.forEach((key, i) => {
      const record = records[i];
      if (record) out[key.slice(prefix.length, -'.json'.length)] = record.version;
    });
    return out;
  }

  /** An alias name or a version name → a version name. */
  async resolve(ref: string): Promise<string> {
    if (parseVersion(ref)) return ref;
    const record = await this.alias(ref);
    if (!record) {
      throw new MlopsError(`Model ${this.model} has no alias "${ref}".`, {
        code: 'MLOPS_REGISTRY_E4003',
        hint: `Point it at a version first: mlops promote <version> --alias ${ref}.`,
      });
    }
    return record.version;
  }

  /** Every visible version with its metrics and aliases; manifests are read in parallel, bounded. */
  /** Every visible version with its metrics and aliases (pass `aliases` when you already read them). */
  async summaries(known?: Readonly<Record<string, string>>): Promise<VersionSummary[]> {
    const [versions, aliases] = await Promise.all([this.versions(), known ?? this.aliases()]);
    const manifests = await mapLimit(versions, this.concurrency, (version) =>
      this.readJson<VersionManifest>(this.key('versions', version, MANIFEST)),
    );
    const out: VersionSummary[] = [];
    versions.forEach((version, i) => {
      const manifest = manifests[i];
      // deleted (models gc) between the listing and the read: no longer a version
      if (!manifest) return;
      out.push({
        version,
        createdAt: manifest.createdAt,
        metrics: manifest.metrics,
        aliases: Object.keys(aliases).filter((alias) => aliases[alias] === version),
      });
    });
    return out;
  }

  /** Points `alias` at `version` (which must exist) and appends the change to history. */
  async setAlias(
    alias: string,
    version: string,
    by: string,
    action: AliasAction = 'promote',
    now: () => Date = () => new Date(),
  ): Promise<HistoryRecord> {
    if (!ALIAS_NAME.test(alias)) {
      throw usageError(
        `"${alias}" is not a valid alias name.`,
        'MLOPS_USAGE_E1002',
        'Aliases are lowercase letters, digits and "-", e.g. production, staging.',
      );
    }
    await this.manifest(version);
    const current = await this.alias(alias);
    const at = now().toISOString();
    const record: AliasRecord = { version, updatedAt: at, updatedBy: by, previous: current?.version ?? null };
    const change: HistoryRecord = { alias, action, from: current?.version ?? null, to: version, at, by };
    // History first: an alias change that is not in history must never exist.
    await this.appendHistory(change);
    await this.store.put(this.key('aliases', `${alias}.json`), encode(record));
    return change;
  }

  private async appendHistory(change: HistoryRecord): Promise<void> {
    const stamp = change.at.replace(/[:.]/g, '-');
    for (let n = 0; n < 1000; n++) {
      const name = `${stamp}${n ? `-${String(n).padStart(3, '0')}` : ''}-${change.alias}.json`;
      if (await this.createOnce(this.key('history', name), encode(change))) return;
    }
    throw new MlopsError('Could not append to the alias history.', { code: 'MLOPS_REGISTRY_E4007' });
  }

  /** Every alias change, oldest first; optionally of one alias. */
  async history(alias?: string): Promise<HistoryRecord[]> {
    const keys = await this.store.list(this.key('history') + '/');
    const records = await mapLimit(keys, this.concurrency, (key) => this.readJson<HistoryRecord>(key));
    return records
      .filter((r): r is HistoryRecord => r !== undefined && (alias === undefined || r.alias === alias))
      .sort((a, b) => a.at.localeCompare(b.at));
  }

  /** Points the alias back at the version it had before its latest promotion (undo, repeatable). */
  async rollback(alias: string, by: string, now?: () => Date): Promise<HistoryRecord> {
    const stack = promotionStack(await this.history(alias));
    stack.pop();
    const target = stack.at(-1);
    if (!target) {
      throw new MlopsError(`Alias "${alias}" of ${this.model} has no earlier version to roll back to.`, {
        code: 'MLOPS_REGISTRY_E4004',
        hint: 'Promote a specific version instead: mlops promote <version>.',
      });
    }
    return this.setAlias(alias, target, by, 'rollback', now);
  }

  /** Models present in the store. */
  static async models(store: ModelStore): Promise<string[]> {
    const names = new Set<string>();
    for (const key of await store.list('')) {
      const [model, kind] = key.split('/');
      if (model && kind === 'versions') names.add(model);
    }
    return [...names].sort();
  }
}

/** Replays history: a promotion pushes its version, a rollback pops one. The top is the alias's version. */
export function promotionStack(history: readonly HistoryRecord[]): string[] {
  const stack: string[] = [];
  for (const change of history) {
    if (change.action === 'rollback') stack.pop();
    else stack.push(change.to);
  }
  return stack;
}
