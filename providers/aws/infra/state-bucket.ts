import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type PublicAccessBlockConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import type {
  StateBucketContext,
  StateBucketInspection,
  StateBucketProvisioner,
  StateBucketSetting,
  StateBucketSettingState,
  StateBucketTarget,
} from '../../../src/core/ports/state-bucket.js';
import { MlopsError } from '../../../src/kernel/errors.js';
import { isNetworkErrorCode } from '../../../src/kernel/network-errors.js';
import { quietSdkNodeNotice, type OpenStoreOptions } from '../../store-factory.js';
import { createS3Client } from '../s3-client.js';
import { BAD_KEYS, errorCode, httpStatus } from '../s3-errors.js';
import { tlsOnlyBucketPolicy } from '../stacks/iam-policies.js';
import { partitionOf } from '../stacks/settings.js';
import { bucketNameProblem, derivedBucketName } from './bucket-names.js';

/**
 * The Terraform state bucket as `cdk bootstrap` makes its staging bucket: public access blocked,
 * encrypted by default (SSE-S3; a bucket already on SSE-KMS keeps it), versioned (every state
 * ever written can be restored), and a policy that denies any request not over TLS. Each setting is
 * read first and written only when it differs, so a second run changes nothing. Locking needs no
 * table: terraform ≥ 1.10 locks with a lock file in this bucket (`use_lockfile`).
 */

const WANTED: Record<StateBucketSetting, string> = {
  'public-access-block': 'all four blocks on',
  encryption: 'AES256 (SSE-S3)',
  versioning: 'Enabled',
  'tls-only-policy': 'requests without TLS denied',
};

const BLOCK_ALL: Required<
  Pick<
    PublicAccessBlockConfiguration,
    'BlockPublicAcls' | 'IgnorePublicAcls' | 'BlockPublicPolicy' | 'RestrictPublicBuckets'
  >
> = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

/** Default encryption algorithms that count as encrypted (a customer's KMS key is never downgraded). */
const ENCRYPTED = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);

/** Errors S3 answers a Get… with when the setting was never made. */
const NEVER_SET = new Set([
  'ServerSideEncryptionConfigurationNotFoundError',
  'NoSuchPublicAccessBlockConfiguration',
  'NoSuchBucketPolicy',
]);

interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: string | { readonly AWS?: string | readonly string[] };
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: { readonly Bool?: Record<string, unknown> };
}

interface PolicyDocument {
  readonly Version?: string;
  readonly Statement?: PolicyStatement | readonly PolicyStatement[];
}

const asList = <T>(value: T | readonly T[] | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];

/** Whether a statement denies every S3 action on the bucket and its objects when TLS is not used. */
function deniesInsecureTransport(statement: PolicyStatement, arn: string): boolean {
  const principal = statement.Principal;
  const everyone =
    principal === '*' || (typeof principal === 'object' && asList(principal.AWS).includes('*'));
  const resources = asList(statement.Resource);
  return (
    statement.Effect === 'Deny' &&
    everyone &&
    asList(statement.Action).includes('s3:*') &&
    String(statement.Condition?.Bool?.['aws:SecureTransport']) === 'false' &&
    resources.includes(arn) &&
    resources.includes(`${arn}/*`)
  );
}

const statementsOf = (policy: string): readonly PolicyStatement[] =>
  asList((JSON.parse(policy) as PolicyDocument).Statement);

/** One S3 client for one target, with what its errors need to name. */
interface Session {
  readonly client: S3Client;
  readonly endpoint: string | undefined;
  readonly target: StateBucketTarget;
  readonly signal: AbortSignal | undefined;
}

/** One S3 call: `c.send(new XCommand(…), o)`, so that Ctrl-C aborts it. */
type Call<T> = (client: S3Client, options: { abortSignal?: AbortSignal }) => Promise<T>;

const run = <T>(s: Session, call: Call<T>): Promise<T> =>
  call(s.client, s.signal ? { abortSignal: s.signal } : {});

const SETTINGS: readonly StateBucketSetting[] = [
  'public-access-block',
  'encryption',
  'versioning',
  'tls-only-policy',
];

export class S3StateBucket implements StateBucketProvisioner {
  /** The S3 options of the configuration (`storeOptions(config, env)`): endpoint and environment. */
  constructor(private readonly options: OpenStoreOptions = {}) {}

  defaultName(project: string, projectDir: string): string {
    return derivedBucketName(project, projectDir, 'tfstate');
  }

  nameProblem(name: string): string | undefined {
    return bucketNameProblem(name);
  }

  async inspect(target: StateBucketTarget, context: StateBucketContext): Promise<StateBucketInspection> {
    const region = await this.session(target, context, async (s) => {
      try {
        const head = await run(s, (c, o) => c.send(new HeadBucketCommand({ Bucket: target.bucket }), o));
        return head.BucketRegion ?? target.region;
      } catch (error) {
        if (httpStatus(error) === 404 || errorCode(error) === 'NotFound') return undefined;
        throw stateBucketError(error, s, 'HeadBucket');
      }
    });
    if (region === undefined) {
      const absent = (setting: StateBucketSetting): StateBucketSettingState => ({
        setting,
        status: 'change',
        current: 'none (no bucket yet)',
        wanted: WANTED[setting],
      });
      return { ...target, exists: false, settings: SETTINGS.map(absent) };
    }
    const existing = { bucket: target.bucket, region };
    const settings = await this.session(existing, context, (s) =>
      Promise.all(SETTINGS.map((setting) => readSetting(s, setting))),
    );
    return { ...existing, exists: true, settings };
  }

  async create(target: StateBucketTarget, context: StateBucketContext): Promise<void> {
    await this.session(target, context, createBucket);
  }

  async set(
    target: StateBucketTarget,
    setting: StateBucketSetting,
    context: StateBucketContext,
  ): Promise<StateBucketSettingState> {
    return this.session(target, context, (s) => writeSetting(s, setting));
  }

  private async session<T>(
    target: StateBucketTarget,
    context: StateBucketContext,
    work: (session: Session) => Promise<T>,
  ): Promise<T> {
    const { client, endpoint } = createS3Client({
      region: target.region,
      endpoint: this.options.endpoint,
      env: this.options.env,
    });
    try {
      return await work({ client, endpoint, target, signal: context.signal });
    } finally {
      client.destroy();
    }
  }
}

/** The provisioner for the CLI and the library: the S3 options of the configuration. */
export function createStateBucketProvisioner(options: OpenStoreOptions): StateBucketProvisioner {
  quietSdkNodeNotice();
  return new S3StateBucket(options);
}

/**
 * The S3-compatible server does not implement the operation (501 NotImplemented, or 405 for a
 * subresource it has no route for). Tolerated only off AWS (a custom endpoint: MinIO, s3rver …),
 * where the setting is reported as unsupported; AWS implements them all, and its 405 means something
 * else (see stateBucketError).
 */
const unsupportedHere = (s: Session, error: unknown): boolean => {
  const code = errorCode(error);
  const status = httpStatus(error);
  return (
    s.endpoint !== undefined &&
    (code === 'NotImplemented' || status === 501 || code === 'MethodNotAllowed' || status === 405)
  );
};

const unsupported = (setting: StateBucketSetting, operation: string): StateBucketSettingState => ({
  setting,
  status: 'unsupported',
  current: `unknown (the server does not implement ${operation})`,
  wanted: WANTED[setting],
  operation,
});

/** A Get…: undefined when the setting was never made, 'unsupported' where the server lacks it. */
async function read<T>(s: Session, operation: string, call: Call<T>): Promise<T | undefined | 'unsupported'> {
  try {
    return await run(s, call);
  } catch (error) {
    if (NEVER_SET.has(errorCode(error) ?? '')) return undefined;
    if (unsupportedHere(s, error)) return 'unsupported';
    throw stateBucketError(error, s, operation);
  }
}

async function readSetting(s: Session, setting: StateBucketSetting): Promise<StateBucketSettingState> {
  const Bucket = s.target.bucket;
  const state = (ok: boolean, current: string): StateBucketSettingState => ({
    setting,
    status: ok ? 'ok' : 'change',
    current,
    wanted: WANTED[setting],
  });
  switch (setting) {
    case 'public-access-block': {
      const out = await read(s, 'GetPublicAccessBlock', (c, o) =>
        c.send(new GetPublicAccessBlockCommand({ Bucket }), o),
      );
      if (out === 'unsupported') return unsupported(setting, 'GetPublicAccessBlock');
      const config = out?.PublicAccessBlockConfiguration;
      const off = (Object.keys(BLOCK_ALL) as (keyof typeof BLOCK_ALL)[]).filter((k) => config?.[k] !== true);
      return state(
        off.length === 0,
        !config ? 'none' : off.length ? `${off.join(', ')} off` : WANTED[setting],
      );
    }
    case 'encryption': {
      const out = await read(s, 'GetBucketEncryption', (c, o) =>
        c.send(new GetBucketEncryptionCommand({ Bucket }), o),
      );
      if (out === 'unsupported') return unsupported(setting, 'GetBucketEncryption');
      const algorithm =
        out?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
      return state(algorithm !== undefined && ENCRYPTED.has(algorithm), algorithm ?? 'none');
    }
    case 'versioning': {
      const out = await read(s, 'GetBucketVersioning', (c, o) =>
        c.send(new GetBucketVersioningCommand({ Bucket }), o),
      );
      if (out === 'unsupported') return unsupported(setting, 'GetBucketVersioning');
      return state(out?.Status === 'Enabled', out?.Status ?? 'never enabled');
    }
    case 'tls-only-policy': {
      const out = await read(s, 'GetBucketPolicy', (c, o) =>
        c.send(new GetBucketPolicyCommand({ Bucket }), o),
      );
      if (out === 'unsupported') return unsupported(setting, 'GetBucketPolicy');
      if (!out?.Policy) return state(false, 'no policy');
      const arn = bucketArn(s);
      const ok = statementsOf(out.Policy).some((st) => deniesInsecureTransport(st, arn));
      return state(ok, ok ? WANTED[setting] : 'a policy without a TLS-only statement');
    }
  }
}

const bucketArn = (s: Session): string => `arn:${partitionOf(s.target.region)}:s3:::${s.target.bucket}`;

/**
 * The bucket policy with the TLS-only statement added: an existing policy keeps its other statements
 * (a statement of the same Sid is replaced), so bootstrap never drops what someone else granted.
 */
async function policyWithTlsOnly(s: Session): Promise<string> {
  const ours = JSON.parse(tlsOnlyBucketPolicy(partitionOf(s.target.region), s.target.bucket)) as {
    Version: string;
    Statement: PolicyStatement[];
  };
  const current = await read(s, 'GetBucketPolicy', (c, o) =>
    c.send(new GetBucketPolicyCommand({ Bucket: s.target.bucket }), o),
  );
  if (current === 'unsupported' || !current?.Policy) return JSON.stringify(ours);
  const sids = new Set(ours.Statement.map((st) => st.Sid));
  const kept = statementsOf(current.Policy).filter((st) => st.Sid === undefined || !sids.has(st.Sid));
  return JSON.stringify({ Version: ours.Version, Statement: [...kept, ...ours.Statement] });
}

async function writeSetting(s: Session, setting: StateBucketSetting): Promise<StateBucketSettingState> {
  const Bucket = s.target.bucket;
  const write = async (operation: string, call: Call<unknown>): Promise<StateBucketSettingState> => {
    try {
      await run(s, call);
      return { setting, status: 'ok', current: WANTED[setting], wanted: WANTED[setting] };
    } catch (error) {
      if (unsupportedHere(s, error)) return unsupported(setting, operation);
      throw stateBucketError(error, s, operation);
    }
  };
  switch (setting) {
    case 'public-access-block':
      return write('PutPublicAccessBlock', (c, o) =>
        c.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: BLOCK_ALL }), o),
      );
    case 'encryption':
      return write('PutBucketEncryption', (c, o) =>
        c.send(
          new PutBucketEncryptionCommand({
            Bucket,
            ServerSideEncryptionConfiguration: {
              Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
            },
          }),
          o,
        ),
      );
    case 'versioning':
      return write('PutBucketVersioning', (c, o) =>
        c.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }), o),
      );
    case 'tls-only-policy': {
      const Policy = await policyWithTlsOnly(s);
      return write('PutBucketPolicy', (c, o) => c.send(new PutBucketPolicyCommand({ Bucket, Policy }), o));
    }
  }
}

async function createBucket(s: Session): Promise<void> {
  const { bucket, region } = s.target;
  try {
    await run(s, (c, o) =>
      c.send(
        new CreateBucketCommand({
          Bucket: bucket,
          // us-east-1 is the one region that takes no location constraint.
          CreateBucketConfiguration:
            region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint },
          // ACLs off: access is decided by IAM and the bucket policy only (the S3 default since 2023).
          ObjectOwnership: 'BucketOwnerEnforced',
        }),
        o,
      ),
    );
  } catch (error) {
    // Created by these credentials between inspect and now: carry on and harden it.
    if (errorCode(error) === 'BucketAlreadyOwnedByYou') return;
    throw stateBucketError(error, s, 'CreateBucket');
  }
}

/** An SDK failure as one line of what failed and one of what to do; Ctrl-C passes through (exit 130). */
function stateBucketError(error: unknown, s: Session, operation: string): unknown {
  if (s.signal?.aborted || MlopsError.is(error)) return error;
  const code = errorCode(error);
  const status = httpStatus(error);
  const { bucket, region } = s.target;
  const where = s.endpoint ? ` at ${s.endpoint}` : ` in ${region}`;
  const detail = error instanceof Error ? error.message : undefined;
  const fail = (message: string, hint: string, errorCodeName: 'MLOPS_INFRA_E7007' | 'MLOPS_INFRA_E7008') =>
    new MlopsError(message, { code: errorCodeName, hint, cause: error });
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(detail ?? '')) {
    return fail(
      'No AWS credentials were found to bootstrap the state bucket.',
      'Set AWS_PROFILE (after `aws configure` or `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; in GitHub Actions, aws-actions/configure-aws-credentials.',
      'MLOPS_INFRA_E7008',
    );
  }
  if (code !== undefined && BAD_KEYS.has(code)) {
    return fail(
      `S3${where} refused the AWS credentials (${code}) at ${operation}.`,
      'The access key is unknown, the secret is wrong, or the session expired: check them (aws sts get-caller-identity) or log in again.',
      'MLOPS_INFRA_E7008',
    );
  }
  if (operation === 'CreateBucket' && code === 'BucketAlreadyExists') {
    return fail(
      `The bucket name "${bucket}" is taken by another AWS account.`,
      'Bucket names are global across AWS accounts: pass --bucket with another name.',
      'MLOPS_INFRA_E7007',
    );
  }
  // S3 answers bucket policy calls from an account that does not own the bucket with 405.
  if (code === 'MethodNotAllowed' && operation.endsWith('BucketPolicy')) {
    return fail(
      `The bucket "${bucket}"${where} belongs to another AWS account (S3 refused ${operation} with MethodNotAllowed).`,
      'The state bucket must be owned by the account terraform runs in: pass --bucket with a name of your own.',
      'MLOPS_INFRA_E7007',
    );
  }
  if (operation === 'HeadBucket' && (status === 403 || code === 'AccessDenied' || code === 'Forbidden')) {
    return fail(
      `The bucket "${bucket}" exists${where} but these credentials cannot use it (another account's bucket, or a policy denies access).`,
      'Pass --bucket with a name of your own, or get s3:ListBucket and the bucket settings permissions on it from its owner.',
      'MLOPS_INFRA_E7007',
    );
  }
  if (status === 403 || code === 'AccessDenied') {
    return fail(
      `Access denied: ${operation} on the bucket "${bucket}"${where}.`,
      `The credentials need s3:CreateBucket, s3:PutBucketPublicAccessBlock, s3:PutEncryptionConfiguration, s3:PutBucketVersioning, s3:PutBucketPolicy and their Get… counterparts on arn:${partitionOf(region)}:s3:::${bucket}.`,
      'MLOPS_INFRA_E7008',
    );
  }
  if (isNetworkErrorCode(code)) {
    return fail(
      `Cannot reach S3${where} for ${operation} (${code}).`,
      s.endpoint
        ? 'Check that the S3-compatible server is running and that registry.endpoint / AWS_ENDPOINT_URL_S3 point at it.'
        : 'Check the network or proxy (HTTPS_PROXY) and the region.',
      'MLOPS_INFRA_E7008',
    );
  }
  return fail(
    `${operation} failed for the bucket "${bucket}"${where}: ${code ?? 'error'}${status ? ` (HTTP ${status})` : ''}${detail && detail !== code ? `: ${detail}` : ''}`,
    'Retry; if it persists, check the bucket name, region and credentials (--verbose shows the details).',
    'MLOPS_INFRA_E7008',
  );
}
