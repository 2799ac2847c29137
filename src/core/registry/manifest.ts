import { isArtifactName, isRecord } from './objects.js';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * What is wrong with a stored manifest, or undefined when it can be used. `summary`: what listing reads
 * (version, creation time, metrics, artifact list); otherwise also what loading and showing read.
 * Artifact names are checked as names too: a manifest must not point outside its version.
 */
export function manifestProblem(
  value: unknown,
  expected: { readonly model: string; readonly version: string },
  level: 'summary' | 'complete',
): string | undefined {
  if (!isRecord(value)) return 'it is not a JSON object';
  if (value.version !== expected.version)
    return `its version field is ${JSON.stringify(value.version)}, not "${expected.version}"`;
  if (typeof value.createdAt !== 'string') return 'it has no createdAt';
  if (!isRecord(value.metrics) || !Object.values(value.metrics).every((m) => typeof m === 'number'))
    return 'its metrics are not a map of numbers';
  if (!Array.isArray(value.artifacts)) return 'it has no artifact list';
  for (const [i, entry] of value.artifacts.entries()) {
    if (!isRecord(entry) || typeof entry.name !== 'string') return `artifact ${i + 1} has no name`;
    if (!isArtifactName(entry.name)) return `artifact name ${JSON.stringify(entry.name)} is not allowed`;
    if (typeof entry.sha256 !== 'string' || !SHA256.test(entry.sha256))
      return `artifact ${entry.name} has no sha256`;
    if (typeof entry.size !== 'number' || !Number.isSafeInteger(entry.size) || entry.size < 0)
      return `artifact ${entry.name} has no size`;
  }
  if (level === 'summary') return undefined;
  if (value.model !== expected.model)
    return `its model field is ${JSON.stringify(value.model)}, not "${expected.model}"`;
  if (typeof value.createdBy !== 'string') return 'it has no createdBy';
  if (!isRecord(value.data) || typeof value.data.source !== 'string') return 'it has no data source';
  if (!isRecord(value.parameters)) return 'it has no parameters';
  return undefined;
}
