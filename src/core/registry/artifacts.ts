import { createHash } from 'node:crypto';
import { MlopsError } from '../../kernel/errors.js';
import type { ArtifactEntry, VersionManifest } from '../registry-types.js';
import { mapLimit } from './map-limit.js';
import { totalSize, TRANSFER_CONCURRENCY, type RegistryObjects } from './objects.js';
import { readManifest } from './versions.js';

export interface LoadedVersion {
  readonly manifest: VersionManifest;
  readonly artifacts: Record<string, Uint8Array>;
}

/** What is wrong with one artifact of a version. */
export interface ArtifactProblem {
  readonly artifact: string;
  /** e.g. "is missing", "has 12 bytes where its manifest records 40" */
  readonly problem: string;
}

const MISSING = 'is missing';
const MISMATCH = 'does not match its sha256 in the manifest';

function artifactError(objects: RegistryObjects, version: string, name: string, problem: string): MlopsError {
  return new MlopsError(
    `Artifact ${name} of ${objects.model} ${version} in ${objects.store.uri} ${problem}; refusing to load it.`,
    {
      code: 'MLOPS_REGISTRY_E4002',
      hint: 'The registry was modified outside mlops. Register a new version or restore the object.',
    },
  );
}

/**
 * One artifact as a stream, hashed while it flows (never held whole): the stream fails at its end when
 * the sha256 or size differs from the manifest, and as soon as it grows past the recorded size.
 */
export async function* artifactStream(
  objects: RegistryObjects,
  version: string,
  entry: ArtifactEntry,
  onBytes?: (received: number) => void,
): AsyncGenerator<Uint8Array> {
  const source = await objects.readStream(objects.key('versions', version, entry.name));
  if (!source) throw artifactError(objects, version, entry.name, MISSING);
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > entry.size)
      throw artifactError(objects, version, entry.name, 'is larger than its manifest says');
    hash.update(chunk);
    onBytes?.(size);
    yield chunk;
  }
  if (size !== entry.size || hash.digest('hex') !== entry.sha256) {
    throw artifactError(objects, version, entry.name, MISMATCH);
  }
}

/** One artifact read whole into a buffer of its recorded size, verified as it arrives. */
async function readArtifact(
  objects: RegistryObjects,
  version: string,
  entry: ArtifactEntry,
  onBytes?: (received: number) => void,
): Promise<Uint8Array> {
  // one buffer of the recorded size, filled as chunks arrive: no second whole-file copy
  const bytes = new Uint8Array(entry.size);
  let offset = 0;
  for await (const chunk of artifactStream(objects, version, entry, onBytes)) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Loads every artifact of a version and refuses any whose sha256 or size differs from the manifest. */
export async function loadVersion(objects: RegistryObjects, version: string): Promise<LoadedVersion> {
  const manifest = await readManifest(objects, version);
  const meter = objects.meter(`Downloading ${objects.model} ${version}`, totalSize(manifest.artifacts));
  try {
    const loaded = await mapLimit(manifest.artifacts, TRANSFER_CONCURRENCY, async (entry) => {
      const bytes = await readArtifact(objects, version, entry, (n) => meter.report(entry.name, n));
      return [entry.name, bytes] as const;
    });
    return { manifest, artifacts: Object.fromEntries(loaded) };
  } finally {
    meter.done();
  }
}

/** One named artifact of a version (verified), or undefined when the manifest lists none by that name. */
export async function loadArtifact(
  objects: RegistryObjects,
  manifest: VersionManifest,
  name: string,
): Promise<Uint8Array | undefined> {
  const entry = manifest.artifacts.find((a) => a.name === name);
  return entry && readArtifact(objects, manifest.version, entry);
}

/** Streams one artifact through its size and sha256 checks, keeping nothing. */
async function drain(objects: RegistryObjects, version: string, entry: ArtifactEntry): Promise<void> {
  for await (const _chunk of artifactStream(objects, version, entry)) {
    // only the hash matters
  }
}

/** Re-reads the artifacts of a version from the store and checks them against `entries` (streaming). */
export async function verifyArtifacts(
  objects: RegistryObjects,
  version: string,
  entries: readonly ArtifactEntry[],
): Promise<void> {
  await mapLimit(entries, TRANSFER_CONCURRENCY, (entry) => drain(objects, version, entry));
}

/**
 * What is wrong with each artifact of a version: its presence and size from a stat each (constant time
 * in the model's size), and with `full` its sha256 too (every byte is read).
 */
export async function artifactProblems(
  objects: RegistryObjects,
  manifest: VersionManifest,
  full: boolean,
): Promise<ArtifactProblem[]> {
  const found = await mapLimit(
    manifest.artifacts,
    full ? TRANSFER_CONCURRENCY : objects.concurrency,
    async (entry) => {
      const problem = await artifactProblem(objects, manifest.version, entry, full);
      return problem === undefined ? undefined : { artifact: entry.name, problem };
    },
  );
  return found.filter((p) => p !== undefined);
}

async function artifactProblem(
  objects: RegistryObjects,
  version: string,
  entry: ArtifactEntry,
  full: boolean,
): Promise<string | undefined> {
  const size = (await objects.store.stat(objects.key('versions', version, entry.name)))?.size;
  if (size === undefined) return MISSING;
  if (size !== entry.size) return `has ${size} bytes where its manifest records ${entry.size}`;
  if (full && !(await hashMatches(objects, version, entry))) return MISMATCH;
  return undefined;
}

/** Whether the stored bytes of an artifact of the recorded size hash to its manifest's sha256. */
async function hashMatches(
  objects: RegistryObjects,
  version: string,
  entry: ArtifactEntry,
): Promise<boolean> {
  try {
    await drain(objects, version, entry);
    return true;
  } catch (error) {
    if (MlopsError.is(error) && error.code === 'MLOPS_REGISTRY_E4002') return false;
    throw error;
  }
}

/** Refuses a version with a missing artifact or one whose size differs from the manifest (a stat each). */
export async function checkArtifactSizes(objects: RegistryObjects, manifest: VersionManifest): Promise<void> {
  const [first] = await artifactProblems(objects, manifest, false);
  if (first) throw artifactError(objects, manifest.version, first.artifact, first.problem);
}
