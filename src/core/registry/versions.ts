import { randomUUID } from 'node:crypto';
import { MlopsError } from '../../kernel/errors.js';
import type { ModelStore } from '../ports/model-store.js';
import type { ArtifactEntry, DamagedVersion, VersionManifest, VersionSummary } from '../registry-types.js';
import { formatVersion, nextVersion, requireVersion } from '../version.js';
import { readAliasTable } from './aliases.js';
import { removeIncomplete } from './cleanup.js';
import { manifestProblem } from './manifest.js';
import { mapLimit } from './map-limit.js';
import {
  checkArtifactName,
  CLAIM,
  encode,
  MANIFEST,
  scanVersions,
  sha256,
  totalSize,
  TRANSFER_CONCURRENCY,
  type ClaimRecord,
  type RegistryObjects,
} from './objects.js';

export interface NewVersion {
  readonly artifacts: Readonly<Record<string, Uint8Array>>;
  readonly createdBy: string;
  readonly gitCommit?: string | null;
  readonly runId?: string;
  readonly data: VersionManifest['data'];
  readonly parameters: VersionManifest['parameters'];
  readonly metrics: VersionManifest['metrics'];
  readonly backend?: string | null;
  /** Start the next major (v2.0) instead of the next minor. */
  readonly major?: boolean;
  readonly now?: () => Date;
}

/** The visible versions: those that can be used, and those whose manifest is damaged. */
export interface Catalog {
  readonly versions: VersionSummary[];
  readonly damaged: DamagedVersion[];
}

/** A stored manifest: absent, damaged (with why), or usable. */
export type ManifestRead =
  | { readonly state: 'absent' }
  | { readonly state: 'damaged'; readonly reason: string }
  | { readonly state: 'present'; readonly manifest: VersionManifest };

export async function listVersions(objects: RegistryObjects): Promise<string[]> {
  return (await scanVersions(objects)).visible;
}

/** Registers a new immutable version; retries with the next number when another writer took one. */
export async function createVersion(objects: RegistryObjects, input: NewVersion): Promise<VersionManifest> {
  const now = input.now ?? (() => new Date());
  const named = Object.entries(input.artifacts).sort(([a], [b]) => a.localeCompare(b));
  // before claiming a number: a refused name must not leave a claimed, empty version behind
  for (const [name] of named) checkArtifactName(name);
  for (let attempt = 0; attempt < 50; attempt++) {
    const { claimed } = await scanVersions(objects);
    const version = formatVersion(nextVersion(claimed.map(requireVersion), input.major));
    const claim: ClaimRecord = { by: input.createdBy, at: now().toISOString(), id: randomUUID() };
    if (!(await objects.createOnce(objects.key('versions', version, CLAIM), encode(claim)))) continue;

    const meter = objects.meter(
      `Uploading ${objects.model} ${version}`,
      totalSize(named.map(([, b]) => ({ size: b.byteLength }))),
    );
    let artifacts: ArtifactEntry[];
    try {
      artifacts = await mapLimit(named, TRANSFER_CONCURRENCY, async ([name, bytes]) => {
        await objects.store.put(objects.key('versions', version, name), bytes, {
          onProgress: (sent) => meter.report(name, sent),
        });
        return { name, sha256: sha256(bytes), size: bytes.byteLength };
      });
    } catch (error) {
      // no manifest was written, so nothing is visible; take back the claim and the parts too
      await removeIncomplete(objects, version).catch(() => undefined);
      throw error;
    } finally {
      meter.done();
    }
    const manifest: VersionManifest = {
      formatVersion: 1,
      model: objects.model,
      version,
      createdAt: now().toISOString(),
      createdBy: input.createdBy,
      gitCommit: input.gitCommit ?? null,
      ...(input.runId ? { runId: input.runId } : {}),
      data: input.data,
      parameters: input.parameters,
      metrics: input.metrics,
      backend: input.backend ?? null,
      artifacts,
    };
    if (await objects.createOnce(objects.key('versions', version, MANIFEST), encode(manifest))) {
      return manifest;
    }
    // Only a writer ignoring the claim could get here; never overwrite, try the next number.
  }
  throw new MlopsError(`Could not reserve a new version of ${objects.model} after 50 attempts.`, {
    code: 'MLOPS_REGISTRY_E4007',
    hint: 'Many registrations are racing; retry in a moment.',
  });
}

/** Reads a manifest and checks its shape: for listing (`summary`) or for loading (`complete`). */
export async function readStoredManifest(
  objects: RegistryObjects,
  version: string,
  level: 'summary' | 'complete',
): Promise<ManifestRead> {
  const stored = await objects.readStored(objects.key('versions', version, MANIFEST));
  if (stored.state !== 'present') return stored;
  const reason = manifestProblem(stored.value, { model: objects.model, version }, level);
  return reason === undefined
    ? { state: 'present', manifest: stored.value as VersionManifest }
    : { state: 'damaged', reason };
}

export function damagedManifestError(objects: RegistryObjects, version: string, reason: string): MlopsError {
  return new MlopsError(
    `The manifest of ${objects.model} ${version} in ${objects.store.uri} is damaged: ${reason}.`,
    {
      code: 'MLOPS_REGISTRY_E4016',
      hint: `Other versions are unaffected. Restore ${objects.key('versions', version, MANIFEST)} from a backup or the bucket's object versions; \`mlops models verify\` lists every damaged version.`,
    },
  );
}

/**
 * The versions worth naming when one is not found: those an alias points to and the newest, with how
 * many more there are (never a dump of a thousand names).
 */
async function knownVersionsHint(objects: RegistryObjects): Promise<string> {
  const [versions, table] = await Promise.all([listVersions(objects), readAliasTable(objects)]);
  const newest = versions.at(-1);
  if (!newest) return 'Run `mlops train --local` to register one.';
  const aliasesOf = new Map<string, string[]>();
  for (const [alias, version] of Object.entries(table.aliases))
    aliasesOf.set(version, [...(aliasesOf.get(version) ?? []), alias]);
  // the newest may be the one a crash or an edit damaged: say so rather than suggest it plainly
  const newestDamaged = (await readStoredManifest(objects, newest, 'complete')).state === 'damaged';
  const named = versions.filter((v) => aliasesOf.has(v) || v === newest);
  const labels = named.map((v) => {
    const notes = [
      ...(aliasesOf.get(v) ?? []),
      ...(v === newest ? ['newest', ...(newestDamaged ? ['damaged'] : [])] : []),
    ];
    return `${v} (${notes.join(', ')})`;
  });
  const more = versions.length - named.length;
  return `Known versions: ${labels.join(', ')}${more ? `, and ${more} more (mlops models list)` : ''}.`;
}

/** The error for a version that does not exist, with a hint naming the versions that do. */
export async function versionNotFound(objects: RegistryObjects, version: string): Promise<MlopsError> {
  const hint = await knownVersionsHint(objects).catch(() => '`mlops models list` shows the versions.');
  return new MlopsError(`Model ${objects.model} has no version ${version} in ${objects.store.uri}.`, {
    code: 'MLOPS_REGISTRY_E4001',
    hint,
  });
}

/** A version's manifest; a missing version or a damaged manifest is an error. */
export async function readManifest(objects: RegistryObjects, version: string): Promise<VersionManifest> {
  requireVersion(version);
  const read = await readStoredManifest(objects, version, 'complete');
  if (read.state === 'present') return read.manifest;
  if (read.state === 'damaged') throw damagedManifestError(objects, version, read.reason);
  throw await versionNotFound(objects, version);
}

/**
 * Every visible version with its metrics and the aliases pointing at it, manifests read in parallel
 * (bounded); a damaged manifest is set apart with its reason instead of failing the whole listing.
 */
export async function readCatalog(
  objects: RegistryObjects,
  aliasTable: Promise<Readonly<Record<string, string>>> | Readonly<Record<string, string>>,
): Promise<Catalog> {
  const [versions, aliases] = await Promise.all([listVersions(objects), aliasTable]);
  const reads = await mapLimit(versions, objects.concurrency, (version) =>
    readStoredManifest(objects, version, 'summary'),
  );
  const catalog: Catalog = { versions: [], damaged: [] };
  versions.forEach((version, i) => {
    const read = reads[i];
    // deleted (models gc) between the listing and the read: no longer a version
    if (!read || read.state === 'absent') return;
    if (read.state === 'damaged') {
      catalog.damaged.push({ version, reason: read.reason });
      return;
    }
    catalog.versions.push({
      version,
      createdAt: read.manifest.createdAt,
      metrics: read.manifest.metrics,
      aliases: Object.keys(aliases).filter((alias) => aliases[alias] === version),
    });
  });
  return catalog;
}

/** Models present in a store. */
export async function listModels(store: ModelStore): Promise<string[]> {
  const names = new Set<string>();
  for (const key of await store.list('')) {
    const [model, kind] = key.split('/');
    if (model && kind === 'versions') names.add(model);
  }
  return [...names].sort();
}
