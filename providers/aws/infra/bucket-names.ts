import { createHash } from 'node:crypto';
import path from 'node:path';

/**
 * S3 bucket names: the rules general purpose buckets must follow, and the names mlops derives when the
 * configuration gives none (the registry bucket in `infra synth`, the state bucket of `infra bootstrap`).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */

const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** What is wrong with a bucket name (one clause), or undefined when S3 accepts it. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `it has ${name.length} characters, not 3-63`;
  if (!/^[a-z0-9.-]+$/.test(name)) return 'only lowercase letters, digits, "." and "-" are allowed';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name))
    return 'it must start and end with a letter or digit';
  if (name.includes('..')) return 'it has two adjacent periods';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'it is formatted as an IP address';
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `the prefix "${prefix}" is reserved by AWS`;
  const suffix = RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `the suffix "${suffix}" is reserved by AWS`;
  return undefined;
}

const HASH_LENGTH = 8;

/**
 * `<project>-<purpose>-<hash>`: bucket names are global across AWS accounts, so a bare project name
 * would collide with every other project of that name. The hash is of the project's directory and
 * name, so it is the same on every run in that project; the project part is shortened to fit 63
 * characters. Project names are DNS labels (schema), which keeps the result valid.
 */
export function derivedBucketName(
  project: string,
  projectDir: string,
  purpose: 'models' | 'tfstate',
): string {
  const hash = createHash('sha256')
    .update(`${path.resolve(projectDir)}\0${project}`)
    .digest('hex')
    .slice(0, HASH_LENGTH);
  const base = RESERVED_PREFIXES.some((p) => project.startsWith(p)) ? `mlops-${project}` : project;
  const room = 63 - purpose.length - HASH_LENGTH - 2;
  return `${base.slice(0, room).replace(/-+$/, '')}-${purpose}-${hash}`;
}
