import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Every variable the AWS SDK's default credential chain (and terraform's AWS provider) reads to find
 * credentials: static keys, profiles and the files they live in, web identity (IRSA / OIDC) and the
 * container credentials endpoint (ECS, EKS Pod Identity).
 */
export const AWS_CREDENTIAL_CHAIN = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
] as const;

/**
 * No AWS credentials from anywhere: every variable of the chain removed (`undefined` removes it from
 * an injected environment, from `vi.stubEnv` and from a child's) and the instance metadata service
 * (IMDS, the chain's last resort) not asked. Use it with a HOME that has no ~/.aws.
 */
export const NO_AWS_CREDENTIALS: Env = {
  ...Object.fromEntries(AWS_CREDENTIAL_CHAIN.map((name) => [name, undefined])),
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** An empty home directory for one run of the CLI; `remove()` it once the run is over. */
export function freshHome(): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-home-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The whole environment of a CLI a test starts as a child process: PATH (to find node, npm, terraform
 * …), HOME an empty directory of its own (unless `extra` names one), terraform's upgrade check off,
 * and whatever the test adds (`undefined` removes a variable). Nothing else of the machine gets
 * through — no AWS_*, KUBECONFIG, proxies or npm settings — so what the CLI finds is what the test set.
 * `dispose()` once the child has exited.
 */
export function childEnvironment(extra: Env = {}): { readonly env: Record<string, string>; dispose(): void } {
  const home = extra.HOME === undefined ? freshHome() : undefined;
  const env: Env = {
    PATH: process.env.PATH,
    CHECKPOINT_DISABLE: '1',
    ...extra,
    HOME: extra.HOME ?? home?.dir,
  };
  return {
    env: Object.fromEntries(
      Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    dispose: () => home?.remove(),
  };
}

/** Sets each variable of `env` in this process (`undefined` removes it); `vi.unstubAllEnvs()` restores them. */
export function stubEnv(env: Env): void {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
}
