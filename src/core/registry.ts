import { createHash, randomUUID } from 'node:crypto';
import { MlopsError, usageError } from './errors.js';
import type { ModelStore } from './ports/model-store.js';
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
const CLAIM = '_claim.json';
const ALIAS_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

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

/**
 * One model's registry on any ModelStore (DESIGN.md §4): immutable versions visible once their manifest
 * is written (last), sha256-verified loads, aliases as small objects, append-only history.
 */
export class ModelRegistry {
  constructor(
    readonly store: ModelStore,
    readonly model: string,
  ) {}

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
    for (let attempt = 0; attempt < 50; attempt++) {
      const { claimed } = await this.scanVersions();
      const version = formatVersion(nextVersion(claimed.map(requireVersion), input.major));
      const claim = encode({ by: input.createdBy, at: now().toISOString(), id: randomUUID() });
      if (!(await this.store.put(this.key('versions', version, CLAIM), claim, { ifAbsent: true }))) continue;

      const artifacts: ArtifactEntry[] = [];
      for (const [name, bytes] of Object.entries(input.artifacts).sort(([a], [b]) => a.localeCompare(b))) {
        if (name === MANIFEST || name === CLAIM || name.includes('/')) {
          throw usageError(`"${name}" cannot be an artifact name.`, 'MLOPS_USAGE_E1002');
        }
        await this.store.put(this.key('versions', version, name), bytes);
        artifacts.push({ name, sha256: sha256(bytes), size: bytes.byteLength });
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
      if (
        await this.store.put(this.key('versions', version, MANIFEST), encode(manifest), { ifAbsent: true })
      ) {
        return manifest;
      }
      // Only a writer ignoring the claim could get here; never overwrite, try the next number.
    }
    throw new MlopsError(`Could not reserve a new version of ${this.model} after 50 attempts.`, {
      code: 'MLOPS_REGISTRY_E4007',
      hint: 'Many registrations are racing; retry in a moment.',
    });
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

  /** Loads every artifact of a version and refuses any whose sha256 or size differs from the manifest. */
  async load(version: string): Promise<LoadedVersion> {
    const manifest = await this.manifest(version);
    const artifacts: Record<string, Uint8Array> = {};
    for (const entry of manifest.artifacts) {
      const bytes = await this.store.get(this.key('versions', version, entry.name));
      if (!bytes || bytes.byteLength !== entry.size || sha256(bytes) !== entry.sha256) {
        throw new MlopsError(
          `Artifact ${entry.name} of ${this.model} ${version} ${bytes ? 'does not match its sha256 in the manifest' : 'is missing'}; refusing to load it.`,
          {
            code: 'MLOPS_REGISTRY_E4002',
            hint: 'The registry was modified outside mlops. Register a new version or restore the object.',
          },
        );
      }
      artifacts[entry.name] = bytes;
    }
    return { manifest, artifacts };
  }

  async alias(name: string): Promise<AliasRecord | undefined> {
    return this.readJson<AliasRecord>(this.key('aliases', `${name}.json`));
  }

  async aliases(): Promise<Record<string, string>> {
    const prefix = this.key('aliases') + '/';
    const out: Record<string, string> = {};
    for (const key of await this.store.list(prefix)) {
      if (!key.endsWith('.json')) continue;
      const record = await this.readJson<AliasRecord>(key);
      if (record) out[key.slice(prefix.length, -'.json'.length)] = record.version;
    }
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

  async summaries(): Promise<VersionSummary[]> {
    const [versions, aliases] = await Promise.all([this.versions(), this.aliases()]);
    return Promise.all(
      versions.map(async (version) => {
        const manifest = await this.manifest(version);
        return {
          version,
          createdAt: manifest.createdAt,
          metrics: manifest.metrics,
          aliases: Object.keys(aliases).filter((alias) => aliases[alias] === version),
        };
      }),
    );
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
      if (await this.store.put(this.key('history', name), encode(change), { ifAbsent: true })) return;
    }
    throw new MlopsError('Could not append to the alias history.', { code: 'MLOPS_REGISTRY_E4007' });
  }

  /** Every alias change, oldest first; optionally of one alias. */
  async history(alias?: string): Promise<HistoryRecord[]> {
    const keys = await this.store.list(this.key('history') + '/');
    const records = await Promise.all(keys.map((key) => this.readJson<HistoryRecord>(key)));
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
