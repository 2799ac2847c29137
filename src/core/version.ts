import { usageError } from '../kernel/errors.js';
import { refusePathLike } from './registry/names.js';

/** A registry version `v<major>.<minor>`. */
export interface VersionName {
  readonly major: number;
  readonly minor: number;
}

const PATTERN = /^v(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;

export function parseVersion(text: string): VersionName | undefined {
  const match = PATTERN.exec(text);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

export function requireVersion(text: string): VersionName {
  refusePathLike(text, 'version');
  const version = parseVersion(text);
  if (!version) {
    throw usageError(
      `"${text}" is not a version name.`,
      'MLOPS_REGISTRY_E4006',
      'Versions look like v1.0, v1.1, v2.0.',
    );
  }
  return version;
}

export const formatVersion = (v: VersionName): string => `v${v.major}.${v.minor}`;

export const compareVersions = (a: VersionName, b: VersionName): number =>
  a.major - b.major || a.minor - b.minor;

/** The version after all of `taken`: the next minor, or with `major` the next major's .0. v1.0 first. */
export function nextVersion(taken: readonly VersionName[], major = false): VersionName {
  const latest = [...taken].sort(compareVersions).at(-1);
  if (!latest) return { major: 1, minor: 0 };
  return major ? { major: latest.major + 1, minor: 0 } : { major: latest.major, minor: latest.minor + 1 };
}
