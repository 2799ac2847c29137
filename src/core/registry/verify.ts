import { requireVersion } from '../version.js';
import { artifactProblems, type ArtifactProblem } from './artifacts.js';
import { totalSize, type RegistryObjects } from './objects.js';
import { listVersions, readStoredManifest, versionNotFound } from './versions.js';

/** The verdict on one version: `models verify --json` prints a list of them. */
export interface VersionCheck {
  readonly version: string;
  /** damaged: the manifest cannot be used; mismatch: an artifact is missing or differs from it. */
  readonly status: 'ok' | 'damaged' | 'mismatch';
  /** Why the manifest is damaged. */
  readonly reason?: string;
  readonly artifacts: number;
  readonly bytes: number;
  readonly problems: readonly ArtifactProblem[];
}

/** Checks one version whole: its manifest, and every artifact's size and sha256 (undefined: gone meanwhile). */
async function check(objects: RegistryObjects, version: string): Promise<VersionCheck | undefined> {
  const read = await readStoredManifest(objects, version, 'complete');
  if (read.state === 'absent') return undefined;
  if (read.state === 'damaged')
    return { version, status: 'damaged', reason: read.reason, artifacts: 0, bytes: 0, problems: [] };
  const { manifest } = read;
  const problems = await artifactProblems(objects, manifest, true);
  return {
    version,
    status: problems.length ? 'mismatch' : 'ok',
    artifacts: manifest.artifacts.length,
    bytes: totalSize(manifest.artifacts),
    problems,
  };
}

/**
 * Verifies one version, or every visible one (oldest first, one at a time: each already reads its
 * artifacts in parallel), reading every byte; with `io`, a bar counts the versions.
 */
export async function verifyVersions(objects: RegistryObjects, version?: string): Promise<VersionCheck[]> {
  if (version !== undefined) {
    requireVersion(version);
    const one = await check(objects, version);
    if (!one) throw await versionNotFound(objects, version);
    return [one];
  }
  const versions = await listVersions(objects);
  const progress = objects.io?.progress(`Verifying ${objects.model}`, versions.length);
  const checks: VersionCheck[] = [];
  try {
    for (const [i, name] of versions.entries()) {
      const result = await check(objects, name);
      if (result) checks.push(result);
      progress?.update(i + 1, name);
    }
  } finally {
    progress?.done();
  }
  return checks;
}
