import { createHash, randomUUID } from 'node:crypto';
import { MlopsError, usageError } from '../../kernel/errors.js';
import type { ArtifactEntry, VersionManifest } from '../registry-types.js';
import { requireVersion } from '../version.js';
import { mapLimit } from './map-limit.js';
import { verifyArtifacts } from './artifacts.js';
import { removeIncomplete } from './cleanup.js';
import {
  canonical,
  checkArtifactName,
  CLAIM,
  encode,
  MANIFEST,
  totalSize,
  TRANSFER_CONCURRENCY,
  type ClaimRecord,
  type RegistryObjects,
} from './objects.js';
import { damagedManifestError, readStoredManifest } from './versions.js';

export interface ImportResult {
  readonly version: string;
  /** False when the registry already had the version with the same manifest (nothing was written). */
  readonly copied: boolean;
  readonly bytes: number;
}

/** Streams an artifact's bytes, e.g. from another registry. */
export type ArtifactSource = (entry: ArtifactEntry) => AsyncIterable<Uint8Array>;

/**
 * Writes a version from elsewhere (another registry) under its own name and manifest: claim the
 * name exclusively, stream the artifacts, re-read and verify what arrived, then write the manifest
 * last, create-if-absent. An identical version already there is a no-op; a different one is refused.
 * On failure nothing stays visible and the partial version is removed.
 */
export async function importVersion(
  objects: RegistryObjects,
  manifest: VersionManifest,
  source: ArtifactSource,
  options: { readonly by: string; readonly now?: () => Date },
): Promise<ImportResult> {
  const { version } = manifest;
  requireVersion(version);
  if (manifest.model !== objects.model) {
    throw usageError(
      `Cannot import ${manifest.model} ${version} as model ${objects.model}.`,
      'MLOPS_USAGE_E1002',
      'Copies keep the model name: open the destination registry for the same model.',
    );
  }
  for (const entry of manifest.artifacts) checkArtifactName(entry.name);
  const bytes = totalSize(manifest.artifacts);
  const manifestKey = objects.key('versions', version, MANIFEST);
  const claimKey = objects.key('versions', version, CLAIM);
  const fingerprint = createHash('sha256').update(canonical(manifest)).digest('hex');
  const sameOrConflict = (existing: VersionManifest) => compare(objects, existing, manifest, bytes);

  const existing = await present(objects, version);
  if (existing) return sameOrConflict(existing);
  const at = (options.now ?? (() => new Date()))().toISOString();
  const claim: ClaimRecord = { by: options.by, at, id: randomUUID(), copyOf: fingerprint };
  if (!(await objects.createOnce(claimKey, encode(claim)))) {
    const held = await objects.readJson<ClaimRecord>(claimKey).catch(() => undefined);
    // the same copy, interrupted earlier, is resumed; anything else is another writer's version
    if (held?.copyOf !== fingerprint) {
      const now = await present(objects, version);
      if (now) return sameOrConflict(now);
      throw new MlopsError(
        `${objects.model} ${version} is claimed in ${objects.store.uri} by another writer (${held?.by ?? 'unknown'}, ${held?.at ?? 'unknown time'}) and has no manifest yet.`,
        {
          code: 'MLOPS_REGISTRY_E4015',
          hint: 'Retry when that writer has finished; if it crashed, `mlops models gc` there removes incomplete versions older than a day.',
        },
      );
    }
  }

  const meter = objects.meter(`Copying ${objects.model} ${version}`, bytes);
  try {
    await mapLimit(manifest.artifacts, TRANSFER_CONCURRENCY, (entry) =>
      objects.writeStream(objects.key('versions', version, entry.name), source(entry), {
        size: entry.size,
        onProgress: (sent) => meter.report(entry.name, sent),
      }),
    );
    // on arrival: what the store now holds, not what was sent
    await verifyArtifacts(objects, version, manifest.artifacts);
  } catch (error) {
    await removeIncomplete(objects, version).catch(() => undefined);
    throw error;
  } finally {
    meter.done();
  }
  if (!(await objects.createOnce(manifestKey, encode(manifest)))) {
    // only a writer ignoring the claim gets here
    const now = await present(objects, version);
    if (now) return sameOrConflict(now);
  }
  return { version, copied: true, bytes };
}

/** The destination's manifest of `version`, if any; a damaged one is an error (nothing is copied over it). */
async function present(objects: RegistryObjects, version: string): Promise<VersionManifest | undefined> {
  const read = await readStoredManifest(objects, version, 'complete');
  if (read.state === 'damaged') throw damagedManifestError(objects, version, read.reason);
  return read.state === 'present' ? read.manifest : undefined;
}

/** An identical version already there is a no-op; a different one is a conflict (versions are immutable). */
function compare(
  objects: RegistryObjects,
  existing: VersionManifest,
  incoming: VersionManifest,
  bytes: number,
): ImportResult {
  if (canonical(existing) === canonical(incoming)) return { version: incoming.version, copied: false, bytes };
  throw new MlopsError(
    `${objects.store.uri} already has ${objects.model} ${incoming.version} with different content (created ${existing.createdAt} by ${existing.createdBy}); versions are immutable, refusing to copy over it.`,
    {
      code: 'MLOPS_REGISTRY_E4014',
      hint: `The registries have diverged: compare them with \`mlops models show ${incoming.version} --json\` on each.`,
    },
  );
}
