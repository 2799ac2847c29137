import { MlopsError } from '../../kernel/errors.js';
import { requireVersion } from '../version.js';
import { mapLimit } from './map-limit.js';
import { CLAIM, MANIFEST, scanVersions, type ClaimRecord, type RegistryObjects } from './objects.js';

/** A version number that was claimed but has no manifest: a writer is busy, or crashed. */
export interface IncompleteVersion {
  readonly version: string;
  readonly claimedAt: string | null;
  readonly claimedBy: string | null;
}

/**
 * Deletes a version: the manifest first (the version disappears at once, as a whole), then its
 * artifacts, the claim last (so that an interrupted deletion is an incomplete version, never a visible
 * one with missing artifacts).
 */
export async function deleteVersion(objects: RegistryObjects, version: string): Promise<void> {
  requireVersion(version);
  await objects.store.delete([objects.key('versions', version, MANIFEST)]);
  await removeIncomplete(objects, version);
}

/** Removes the artifacts and claim of a version that has no manifest (a crashed or aborted writer). */
export async function removeIncomplete(objects: RegistryObjects, version: string): Promise<void> {
  requireVersion(version);
  const prefix = objects.key('versions', version) + '/';
  const keys = await objects.store.list(prefix);
  if (keys.includes(prefix + MANIFEST)) {
    throw new MlopsError(`${objects.model} ${version} is complete; refusing to remove it as incomplete.`, {
      code: 'MLOPS_INTERNAL_E9000',
      hint: 'This is a bug in mlops. Run again with --verbose and report the output.',
    });
  }
  const artifacts = keys.filter((key) => key !== prefix + CLAIM);
  if (artifacts.length) await objects.store.delete(artifacts);
  await objects.store.delete([prefix + CLAIM]);
}

/** Version numbers claimed without a manifest, with when and by whom they were claimed. */
export async function incompleteVersions(objects: RegistryObjects): Promise<IncompleteVersion[]> {
  const { visible, claimed } = await scanVersions(objects);
  const complete = new Set(visible);
  return mapLimit(
    claimed.filter((v) => !complete.has(v)),
    objects.concurrency,
    async (version) => {
      const claim = await objects
        .readJson<ClaimRecord>(objects.key('versions', version, CLAIM))
        .catch(() => undefined);
      return { version, claimedAt: claim?.at ?? null, claimedBy: claim?.by ?? null };
    },
  );
}
