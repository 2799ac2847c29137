import { MlopsError } from '../../src/kernel/errors.js';
import { isNetworkErrorCode } from '../../src/kernel/network-errors.js';

/** What an S3 failure is about, for the message: the operation, the key and where it went. */
export interface S3ErrorContext {
  readonly uri: string;
  readonly bucket: string;
  readonly op: 'read' | 'write' | 'list' | 'delete';
  readonly key: string;
  readonly endpoint: string | undefined;
  readonly region: string;
}

interface SdkErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly Code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly errors?: readonly { readonly code?: string }[];
}

/** S3 error codes of credentials it does not accept (unknown key, wrong secret, expired session). */
export const BAD_KEYS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
]);

const shape = (error: unknown): SdkErrorShape =>
  typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};

/** The S3 error code (`NoSuchKey`, `AccessDenied` …) or the Node network code of an SDK failure. */
export function errorCode(error: unknown): string | undefined {
  const e = shape(error);
  if (e.Code) return e.Code;
  // Node's happy-eyeballs connect may wrap per-address failures in an AggregateError.
  const nodeCode = e.code ?? e.errors?.[0]?.code;
  if (nodeCode) return nodeCode;
  return e.name && e.name !== 'Error' ? e.name : undefined;
}

export const httpStatus = (error: unknown): number | undefined => shape(error).$metadata?.httpStatusCode;

/** A conditional write lost: the key exists (412), or another conditional write to it is in flight (409). */
export function isConditionalFailure(error: unknown): boolean {
  const code = errorCode(error);
  const status = httpStatus(error);
  return (
    code === 'PreconditionFailed' ||
    status === 412 ||
    code === 'ConditionalRequestConflict' ||
    (status === 409 && code !== 'BucketAlreadyExists' && code !== 'OperationAborted')
  );
}

export const isNoSuchKey = (error: unknown): boolean => {
  const code = errorCode(error);
  return code === 'NoSuchKey' || code === 'NotFound';
};

/** Turns an SDK failure into one line of what failed and one of what to do (with a code CI can match). */
export function s3Error(error: unknown, context: S3ErrorContext): MlopsError {
  if (MlopsError.is(error)) return error;
  const code = errorCode(error);
  const status = httpStatus(error);
  const where = context.endpoint ? ` at ${context.endpoint}` : '';
  const detail = shape(error).message;
  const verb = { read: 'read', write: 'write', list: 'list', delete: 'delete' }[context.op];
  const target = context.key ? `${context.key} in ` : '';

  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(detail ?? '')) {
    return new MlopsError(`No AWS credentials found for the registry ${context.uri}.`, {
      code: 'MLOPS_REGISTRY_E4013',
      hint: 'Set AWS_PROFILE (after `aws configure` or `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; in a pod, use the IRSA service account; in GitHub Actions, aws-actions/configure-aws-credentials.',
      cause: error,
    });
  }
  if (code === 'NoSuchBucket') {
    return new MlopsError(
      `The bucket "${context.bucket}" of the registry ${context.uri} does not exist${where}.`,
      {
        code: 'MLOPS_REGISTRY_E4011',
        hint: context.endpoint
          ? `Create it on that server (e.g. aws --endpoint-url ${context.endpoint} s3 mb s3://${context.bucket}) or fix the registry URI.`
          : `Create it with \`mlops infra up --stack registry\` (or aws s3 mb s3://${context.bucket}), or fix the registry URI and region (${context.region}).`,
        cause: error,
      },
    );
  }
  if (code !== undefined && BAD_KEYS.has(code)) {
    return new MlopsError(
      `The registry ${context.uri}${where} refused the AWS credentials (${code}) when trying to ${verb} ${target}the bucket.`,
      {
        code: 'MLOPS_REGISTRY_E4012',
        hint: 'The access key is unknown, the secret is wrong, or the session expired: check AWS_PROFILE / AWS_ACCESS_KEY_ID (aws sts get-caller-identity) or log in again (aws sso login).',
        cause: error,
      },
    );
  }
  if (code === 'AccessDenied' || code === 'AllAccessDisabled' || status === 403) {
    return new MlopsError(`Access denied: cannot ${verb} ${target}${context.uri}${where}.`, {
      code: 'MLOPS_REGISTRY_E4012',
      hint: `The credentials in use (aws sts get-caller-identity) need s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on arn:aws:s3:::${context.bucket} and its objects (the registry stack grants them to the training and serving roles).`,
      cause: error,
    });
  }
  if (isNetworkErrorCode(code)) {
    return new MlopsError(
      `Cannot reach S3${context.endpoint ? ` at ${context.endpoint}` : ` in ${context.region}`} to ${verb} ${target}${context.uri} (${code}).`,
      {
        code: 'MLOPS_REGISTRY_E4010',
        hint: context.endpoint
          ? 'Check that the S3-compatible server is running and that AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL point at it.'
          : 'Check the network or proxy (HTTPS_PROXY) and the region; unset AWS_ENDPOINT_URL_S3 if it points at a stopped local server.',
        cause: error,
      },
    );
  }
  return new MlopsError(
    `Cannot ${verb} ${target}${context.uri}${where}: ${code ?? 'error'}${status ? ` (HTTP ${status})` : ''}${detail && detail !== code ? `: ${detail}` : ''}`,
    {
      code: 'MLOPS_REGISTRY_E4010',
      hint: 'Retry; if it persists, check the bucket, region and endpoint (run with --verbose for details).',
      cause: error,
    },
  );
}
