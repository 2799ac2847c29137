import { MlopsError } from '../../src/kernel/errors.js';

export interface S3Location {
  readonly bucket: string;
  /** The key prefix without leading or trailing `/` ('' for the bucket root). */
  readonly prefix: string;
}

/** `s3://bucket/some/prefix/` → { bucket, prefix: 'some/prefix' }. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  const bucket = match?.[1];
  if (!bucket || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new MlopsError(`"${uri}" is not an S3 URI with a valid bucket name.`, {
      code: 'MLOPS_REGISTRY_E4005',
      hint: 'Write it as s3://BUCKET/PREFIX (bucket names are 3-63 lowercase letters, digits, "." and "-").',
      source: 'usage',
    });
  }
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket, prefix };
}
