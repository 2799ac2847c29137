import { S3Client } from '@aws-sdk/client-s3';
import { chainCredentials, injectedCredentials } from './credentials.js';

export interface S3ClientOptions {
  /** The configured AWS region; the bucket's own region is followed on a redirect anyway. */
  readonly region?: string;
  /** An S3-compatible endpoint (MinIO, Ceph, R2, s3rver); default from the environment. */
  readonly endpoint?: string;
  /** Static credentials (tests); default: the standard AWS chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /**
   * Default: process.env. Read for the endpoint and region, and for keys (AWS_ACCESS_KEY_ID …) when it is
   * not process.env itself (an injected environment, as the CLI's in-process tests use); otherwise
   * credentials come from the SDK's default chain, with an injected environment's HOME and profile.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Attempts per request, including the first (the SDK retries throttling and network errors). */
  readonly maxAttempts?: number;
}

export interface ResolvedS3Client {
  readonly client: S3Client;
  /** The custom endpoint in use, if any (named in error messages). */
  readonly endpoint: string | undefined;
  readonly region: string;
}

/**
 * The endpoint from the SDK's standard variables (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL), unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is set, as the AWS CLI does.
 */
export function endpointFromEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const ignore = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
  if (ignore !== undefined && ignore !== '' && ignore !== 'false') return undefined;
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * An S3 client for the registry: credentials from the default chain (env, profile, SSO, web identity /
 * IRSA, instance roles), region from the configuration, and for a custom endpoint path-style addressing
 * (S3-compatible stores seldom have wildcard DNS for virtual-hosted buckets).
 */
export function createS3Client(options: S3ClientOptions = {}): ResolvedS3Client {
  const env = options.env ?? process.env;
  const endpoint = options.endpoint ?? endpointFromEnv(env);
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const credentials =
    options.credentials ??
    injectedCredentials(env) ??
    (env === process.env ? undefined : chainCredentials(env));
  const client = new S3Client({
    region,
    ...(endpoint
      ? {
          endpoint,
          forcePathStyle: true,
          // The SDK's default CRC32 trailers (aws-chunked bodies) are not understood by many
          // S3-compatible servers; the registry verifies every artifact's sha256 itself.
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
    ...(credentials ? { credentials } : {}),
    // A bucket in another region answers 301; follow it instead of failing on a config detail.
    followRegionRedirects: true,
    maxAttempts: options.maxAttempts ?? 3,
    // Fail fast on an unreachable endpoint; a stalled transfer is cut after two idle minutes.
    requestHandler: { connectionTimeout: 5000, socketTimeout: 120_000 },
  });
  return { client, endpoint, region };
}
