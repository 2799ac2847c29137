import type { MlopsConfig } from '../src/config/schema.js';
import type { ModelStore } from '../src/core/ports/model-store.js';
import { ModelRegistry } from '../src/core/registry.js';
import type { IoHost } from '../src/kernel/io-host.js';
import { MlopsError, usageError } from '../src/kernel/errors.js';

/**
 * How every S3 use (the registry, s3:// training data, `models copy` destinations) reaches S3. One
 * object, built once from the configuration, so that no use can forget the endpoint or the region.
 */
export interface OpenStoreOptions {
  /** The configured AWS region (s3:// stores); default AWS_REGION, else us-east-1. */
  readonly region?: string;
  /**
   * An S3-compatible endpoint (MinIO, Ceph, R2) from the configuration; default AWS_ENDPOINT_URL_S3,
   * else AWS_ENDPOINT_URL. Either way path-style addressing is used.
   */
  readonly endpoint?: string;
  /** For the S3 endpoint (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL) and region; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The AWS SDK warns on every run under Node 20 that its releases after January 2027 need Node 22: a
 * notice for mlops's maintainers (who pin the SDK), not for its users, and noise on their stderr.
 * A user's own setting of the variable wins.
 */
export function quietSdkNodeNotice(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/**
 * Picks the ModelStore implementation for a registry URI (providers are chosen here, never in core).
 * The AWS SDK is imported only when an s3:// registry is used.
 */
export async function openStore(uri: string, options: OpenStoreOptions = {}): Promise<ModelStore> {
  if (uri.startsWith('file://')) {
    const { FsModelStore } = await import('./local/fs-model-store.js');
    return new FsModelStore(uri);
  }
  if (uri.startsWith('s3://')) {
    quietSdkNodeNotice();
    const { S3ModelStore } = await import('./aws/s3-model-store.js');
    return new S3ModelStore(uri, { region: options.region, endpoint: options.endpoint, env: options.env });
  }
  throw usageError(
    `Unsupported registry URI "${uri}".`,
    'MLOPS_REGISTRY_E4005',
    'Use file://PATH or s3://BUCKET/PREFIX.',
  );
}

/**
 * Reads a data file given as a URI (`s3://bucket/key.csv`) for training; the core receives this
 * function, so that it never imports a provider.
 */
export async function readDataUri(uri: string, options: OpenStoreOptions = {}): Promise<Uint8Array> {
  if (!uri.startsWith('s3://')) {
    throw new MlopsError(`the data source ${uri} is not supported`, {
      code: 'MLOPS_DATA_E3007',
      hint: 'give a CSV path, a file:// or s3:// URI, or "synthetic"',
    });
  }
  quietSdkNodeNotice();
  const [{ S3ModelStore }, { parseS3Uri }] = await Promise.all([
    import('./aws/s3-model-store.js'),
    import('./aws/s3-uri.js'),
  ]);
  const { bucket, prefix: key } = parseS3Uri(uri);
  if (!key || uri.endsWith('/')) {
    throw new MlopsError(`the data source ${uri} names a bucket or folder, not a file`, {
      code: 'MLOPS_DATA_E3001',
      hint: 'give the object of the CSV file, e.g. s3://my-bucket/data/train.csv',
    });
  }
  const bytes = await new S3ModelStore(`s3://${bucket}`, {
    region: options.region,
    endpoint: options.endpoint,
    env: options.env,
  }).get(key);
  if (!bytes) {
    throw new MlopsError(`cannot read the dataset ${uri}: no such object`, {
      code: 'MLOPS_DATA_E3001',
      hint: `check the key (aws s3 ls s3://${bucket}/${key.includes('/') ? key.slice(0, key.lastIndexOf('/') + 1) : ''})`,
    });
  }
  return bytes;
}

/** The S3 settings of a configuration: its region and its S3-compatible endpoint (`registry.endpoint`). */
export const storeOptions = (
  config: Pick<MlopsConfig, 'region' | 'registryEndpoint'>,
  env?: OpenStoreOptions['env'],
): OpenStoreOptions => ({ region: config.region, endpoint: config.registryEndpoint, env });

/** One model's registry on the store its URI selects (file:// or s3://): the CLI's and the library's. */
export async function openRegistry(
  uri: string,
  model: string,
  options: OpenStoreOptions & { readonly io?: IoHost } = {},
): Promise<ModelRegistry> {
  return new ModelRegistry(await openStore(uri, options), model, { io: options.io });
}
