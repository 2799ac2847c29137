import path from 'node:path';
import { MlopsError } from '../../src/kernel/errors.js';
import { homeDir } from '../../src/kernel/home.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Present for temporary credentials (SSO, assumed roles, IRSA); signed requests must carry it. */
  readonly sessionToken?: string;
}

/**
 * Credentials from the standard AWS chain (environment, profile and SSO, web identity / IRSA, container
 * and instance roles), the SDK's chain loaded only when asked for. An injected environment that is not
 * process.env (the CLI's in-process tests) supplies its AWS_ACCESS_KEY_ID … itself, as for S3.
 * `purpose` completes "No AWS credentials found to …" in the error when the chain comes up empty.
 */
export async function resolveCredentials(purpose: string, env: Env = process.env): Promise<AwsCredentials> {
  const injected = injectedCredentials(env);
  if (injected) return injected;
  try {
    const { accessKeyId, secretAccessKey, sessionToken } = await chainCredentials(env)();
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  } catch (error) {
    // The chain's own failures (nothing configured, a missing profile, an expired SSO session) are the
    // user's to fix; the SDK's message says which, and never contains a secret.
    const name = (error as { name?: unknown }).name;
    if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
      throw new MlopsError(`No AWS credentials found to ${purpose}: ${(error as Error).message}`, {
        code: 'MLOPS_CLUSTER_E7131',
        hint: 'Set AWS_PROFILE (after `aws configure` or `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; in a pod, use the IRSA service account; in GitHub Actions, aws-actions/configure-aws-credentials.',
        cause: error,
      });
    }
    throw error;
  }
}

/** The keys an injected environment (not process.env) carries itself, if any. */
export function injectedCredentials(env: Env): AwsCredentials | undefined {
  if (env === process.env || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

/**
 * The SDK's default chain, loaded on first call. For an injected environment, the profile and the
 * shared files come from it (its HOME, AWS_PROFILE, AWS_CONFIG_FILE …), not from the process's.
 */
export function chainCredentials(env: Env): () => Promise<AwsCredentials> {
  const files =
    env === process.env
      ? {}
      : {
          profile: env.AWS_PROFILE,
          filepath: env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(homeDir(env), '.aws', 'credentials'),
          configFilepath: env.AWS_CONFIG_FILE ?? path.join(homeDir(env), '.aws', 'config'),
        };
  return async () => {
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    return defaultProvider(files)();
  };
}
