import type { ModelStore } from './ports/model-store.js';
import * as aliases from './registry/aliases.js';
import * as artifacts from './registry/artifacts.js';
import * as cleanup from './registry/cleanup.js';
import { RegistryObjects, type RegistryOptions } from './registry/objects.js';
import { importVersion, type ArtifactSource, type ImportResult } from './registry/transfers.js';
import { verifyVersions, type VersionCheck } from './registry/verify.js';
import * as versions from './registry/versions.js';
import type {
  AliasAction,
  AliasRecord,
  ArtifactEntry,
  HistoryRecord,
  VersionManifest,
  VersionSummary,
} from './registry-types.js';

export { promotionStack, type AliasTable } from './registry/aliases.js';
export type { ArtifactProblem, LoadedVersion } from './registry/artifacts.js';
export type { IncompleteVersion } from './registry/cleanup.js';
export type { RegistryOptions } from './registry/objects.js';
export type { ArtifactSource, ImportResult } from './registry/transfers.js';
export type { VersionCheck } from './registry/verify.js';
export type { Catalog, NewVersion } from './registry/versions.js';

/**
 * One model's registry on any ModelStore (DESIGN.md §4): immutable versions visible once their manifest
 * is written (last), sha256-verified loads, aliases as small objects, append-only history. A facade:
 * the work is in registry/ (versions, artifacts, clean-up, aliases and history, transfers, checks).
 */
export class ModelRegistry {
  private readonly objects: RegistryObjects;

  constructor(
    readonly store: ModelStore,
    readonly model: string,
    options: RegistryOptions = {},
  ) {
    this.objects = new RegistryObjects(store, model, options);
  }

  /** Models present in the store. */
  static models(store: ModelStore): Promise<string[]> {
    return versions.listModels(store);
  }

  /** Visible versions (with a manifest), oldest first. */
  versions(): Promise<string[]> {
    return versions.listVersions(this.objects);
  }

  /** Registers a new immutable version; retries with the next number when another writer took one. */
  createVersion(input: versions.NewVersion): Promise<VersionManifest> {
    return versions.createVersion(this.objects, input);
  }

  /** A version's manifest; a missing version or a damaged manifest is an error. */
  manifest(version: string): Promise<VersionManifest> {
    return versions.readManifest(this.objects, version);
  }

  /** Loads every artifact of a version, refusing any whose sha256 or size differs from the manifest. */
  load(version: string): Promise<artifacts.LoadedVersion> {
    return artifacts.loadVersion(this.objects, version);
  }

  /** One artifact of a version by name (verified), without the others; undefined when it has none. */
  artifact(manifest: VersionManifest, name: string): Promise<Uint8Array | undefined> {
    return artifacts.loadArtifact(this.objects, manifest, name);
  }

  /** Refuses a version with a missing artifact or one of another size than recorded (a stat each). */
  checkArtifactSizes(manifest: VersionManifest): Promise<void> {
    return artifacts.checkArtifactSizes(this.objects, manifest);
  }

  /** What is wrong with each artifact: by size (a stat each), or with `full` by sha256 (reads all). */
  artifactProblems(manifest: VersionManifest, full: boolean): Promise<artifacts.ArtifactProblem[]> {
    return artifacts.artifactProblems(this.objects, manifest, full);
  }

  /** One artifact as a verified stream: it fails when the bytes differ from the manifest. */
  artifactStream(
    version: string,
    entry: ArtifactEntry,
    onBytes?: (received: number) => void,
  ): AsyncGenerator<Uint8Array> {
    return artifacts.artifactStream(this.objects, version, entry, onBytes);
  }

  /** Re-reads the artifacts of a version from the store and checks them against `entries`. */
  verifyArtifacts(version: string, entries: readonly ArtifactEntry[]): Promise<void> {
    return artifacts.verifyArtifacts(this.objects, version, entries);
  }

  /** Checks one version, or all, whole: manifest shape, and every artifact's size and sha256. */
  verify(version?: string): Promise<VersionCheck[]> {
    return verifyVersions(this.objects, version);
  }

  /** Every visible version with its metrics and aliases, damaged manifests set apart. */
  catalog(known?: Readonly<Record<string, string>>): Promise<versions.Catalog> {
    return versions.readCatalog(this.objects, known ?? this.aliases());
  }

  /** The usable versions with their metrics and aliases (pass `known` aliases when already read). */
  async summaries(known?: Readonly<Record<string, string>>): Promise<VersionSummary[]> {
    return (await this.catalog(known)).versions;
  }

  /** Deletes a version whole: manifest first, then artifacts, claim last. */
  deleteVersion(version: string): Promise<void> {
    return cleanup.deleteVersion(this.objects, version);
  }

  /** Removes the artifacts and claim of a version that has no manifest (a crashed or aborted writer). */
  removeIncomplete(version: string): Promise<void> {
    return cleanup.removeIncomplete(this.objects, version);
  }

  /** Version numbers claimed without a manifest, with when and by whom. */
  incompleteVersions(): Promise<cleanup.IncompleteVersion[]> {
    return cleanup.incompleteVersions(this.objects);
  }

  /** Writes a version from another registry under its own name and manifest (see transfers.ts). */
  importVersion(
    manifest: VersionManifest,
    source: ArtifactSource,
    options: { readonly by: string; readonly now?: () => Date },
  ): Promise<ImportResult> {
    return importVersion(this.objects, manifest, source, options);
  }

  /** Writes and removes a small object: fails in seconds when the registry is unreachable or read-only. */
  checkWritable(by: string): Promise<void> {
    return this.objects.checkWritable(by);
  }

  /** The alias, or undefined; a damaged alias is an error naming the command that repairs it. */
  alias(name: string): Promise<AliasRecord | undefined> {
    return aliases.readAlias(this.objects, name);
  }

  /** alias → version, for every alias; a damaged alias is an error naming its repair. */
  aliases(): Promise<Record<string, string>> {
    return aliases.readAliases(this.objects);
  }

  /** Every alias, damaged ones set apart with their repair (for listings that must stay usable). */
  aliasTable(): Promise<aliases.AliasTable> {
    return aliases.readAliasTable(this.objects);
  }

  /** An alias name or a version name → a version name. */
  resolve(ref: string): Promise<string> {
    return aliases.resolveRef(this.objects, ref);
  }

  /**
   * Points `alias` at `version` (which must exist) and appends the change to history; `repair`
   * rewrites a damaged alias object.
   */
  async setAlias(
    alias: string,
    version: string,
    by: string,
    action: AliasAction = 'promote',
    now: () => Date = () => new Date(),
  ): Promise<HistoryRecord> {
    await this.manifest(version);
    return aliases.setAlias(this.objects, alias, version, by, action, now);
  }

  /** Every alias change, oldest first; optionally of one alias. */
  history(alias?: string): Promise<HistoryRecord[]> {
    return aliases.readHistory(this.objects, alias);
  }

  /** The version a rollback of `alias` goes back to: the one before its latest promotion. */
  rollbackTarget(alias: string): Promise<string> {
    return aliases.rollbackTarget(this.objects, alias);
  }

  /** Points the alias back at the version it had before its latest promotion (undo, repeatable). */
  async rollback(alias: string, by: string, now: () => Date = () => new Date()): Promise<HistoryRecord> {
    return this.setAlias(alias, await this.rollbackTarget(alias), by, 'rollback', now);
  }
}
