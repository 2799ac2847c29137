import { createHash, type Hash } from 'node:crypto';
import { registryError } from './errors.js';

const ALGORITHMS: Readonly<Record<string, string>> = { sha256: 'sha256', sha512: 'sha512' };

/** A hash for a digest's algorithm (`sha256:…`, `sha512:…`); other algorithms are not verifiable. */
export function hashFor(digest: string): Hash {
  const algorithm = ALGORITHMS[digest.slice(0, digest.indexOf(':'))];
  if (!algorithm) {
    throw registryError(
      `The digest ${digest} uses an algorithm mlops cannot verify.`,
      'MLOPS_IMAGE_E7408',
      'Use sha256 digests (what docker, buildah and mlops write).',
    );
  }
  return createHash(algorithm);
}

/** `sha256:<hex>` of some bytes. */
export const sha256Digest = (bytes: Uint8Array): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The digest of `bytes` in the algorithm of `expected`. */
export const digestLike = (expected: string, bytes: Uint8Array): string =>
  `${expected.slice(0, expected.indexOf(':'))}:${hashFor(expected).update(bytes).digest('hex')}`;

export const digestMismatch = (what: string, host: string, expected: string, actual: string) =>
  registryError(
    `The ${what} from ${host} does not match its digest: expected ${expected}, got ${actual}.`,
    'MLOPS_IMAGE_E7408',
    'The content changed in transit or in the registry: retry; if it persists, the registry or a proxy alters content.',
  );

/** Whether a string is a content digest (`algorithm:encoded`) rather than a tag. */
export const isDigest = (reference: string): boolean =>
  /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(reference);
