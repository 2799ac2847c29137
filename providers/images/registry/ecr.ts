import type { ECRClient } from '@aws-sdk/client-ecr';
import { MlopsError } from '../../../src/kernel/errors.js';
import { chainCredentials, injectedCredentials } from '../../aws/credentials.js';
import { quietSdkNodeNotice } from '../../store-factory.js';
import type { Env, RegistryCredentials } from './credentials.js';

/** What the ECR calls need of a client: `send` (an injected fake in tests). */
export type EcrSender = Pick<ECRClient, 'send'>;

const ECR_HOST = /^(\d{12})\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/** The account and region of an ECR registry host, or undefined for any other host. */
export function parseEcrHost(host: string): { account: string; region: string } | undefined {
  const match = ECR_HOST.exec(host);
  return match ? { account: match[1]!, region: match[3]! } : undefined;
}

/** An ECR client for the host's region, with credentials found as the S3 client finds them. */
async function ecrClient(region: string, env: Env): Promise<EcrSender> {
  quietSdkNodeNotice();
  const { ECRClient } = await import('@aws-sdk/client-ecr');
  const credentials = injectedCredentials(env) ?? (env === process.env ? undefined : chainCredentials(env));
  return new ECRClient({ region, maxAttempts: 3, ...(credentials ? { credentials } : {}) });
}

/** Names what went wrong in an AWS error without its request metadata. */
const awsReason = (error: unknown): string =>
  `${(error as { name?: string }).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`;

/**
 * Registry credentials from ECR's GetAuthorizationToken (user `AWS`, a 12-hour password), for the
 * region in the host. The AWS SDK loads only here.
 */
export async function ecrCredentials(
  host: string,
  env: Env,
  client?: EcrSender,
): Promise<RegistryCredentials | undefined> {
  const parsed = parseEcrHost(host);
  if (!parsed) return undefined;
  const { GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
  let token: string | undefined;
  try {
    const sender = client ?? (await ecrClient(parsed.region, env));
    const answer = await sender.send(new GetAuthorizationTokenCommand({}));
    token = answer.authorizationData?.[0]?.authorizationToken;
  } catch (error) {
    throw new MlopsError(`ECR GetAuthorizationToken failed for ${host}: ${awsReason(error)}`, {
      code: 'MLOPS_IMAGE_E7414',
      hint: `Check the AWS credentials (aws sts get-caller-identity) and that they allow ecr:GetAuthorizationToken in ${parsed.region}.`,
    });
  }
  const decoded = Buffer.from(token ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    throw new MlopsError(`ECR GetAuthorizationToken answered no usable token for ${host}.`, {
      code: 'MLOPS_IMAGE_E7414',
      hint: 'Retry; if it persists, check the account and region in the image reference.',
    });
  }
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
    source: 'ECR GetAuthorizationToken (AWS credentials)',
  };
}

export interface EnsureEcrRepositoryOptions {
  /** Turn on ECR's basic scan of every pushed image. @default true */
  readonly scanOnPush?: boolean;
  /** @default process.env */
  readonly env?: Env;
  /** An ECR client (tests); default one for the host's region. */
  readonly client?: EcrSender;
}

/**
 * Creates the ECR repository an image is pushed to (`images.createRepositories`); one that exists
 * already is fine and left as it is. Returns whether it was created.
 */
export async function ensureEcrRepository(
  host: string,
  repository: string,
  options: EnsureEcrRepositoryOptions = {},
): Promise<boolean> {
  const parsed = parseEcrHost(host);
  if (!parsed) {
    throw new MlopsError(
      `${host} is not an ECR registry, so mlops cannot create the repository ${repository} on it.`,
      {
        code: 'MLOPS_IMAGE_E7415',
        hint: 'Create the repository with the registry’s own tools, or turn images.createRepositories off.',
        source: 'config',
      },
    );
  }
  const { CreateRepositoryCommand } = await import('@aws-sdk/client-ecr');
  const sender = options.client ?? (await ecrClient(parsed.region, options.env ?? process.env));
  try {
    await sender.send(
      new CreateRepositoryCommand({
        registryId: parsed.account,
        repositoryName: repository,
        imageScanningConfiguration: { scanOnPush: options.scanOnPush ?? true },
        imageTagMutability: 'MUTABLE',
      }),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'RepositoryAlreadyExistsException') return false;
    throw new MlopsError(`Creating the ECR repository ${repository} on ${host} failed: ${awsReason(error)}`, {
      code: 'MLOPS_IMAGE_E7415',
      hint: `Check that the AWS credentials allow ecr:CreateRepository in ${parsed.region}, or create it: aws ecr create-repository --repository-name ${repository} --region ${parsed.region}.`,
    });
  }
}
