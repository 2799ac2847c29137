import { isEcrHost } from '../../../src/core/pull-secret.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** A user name and password (or token) for one registry host; never printed, logged or put in errors. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
  /** Where they came from, for messages: `MLOPS_REGISTRY_USERNAME`, `GHCR_TOKEN`, a config file. */
  readonly source: string;
}

/**
 * The credentials for a registry host, first found wins: MLOPS_REGISTRY_USERNAME/PASSWORD (any host);
 * GHCR_TOKEN or GITHUB_TOKEN for ghcr.io; ECR's GetAuthorizationToken for an ECR host; then
 * ~/.docker/config.json (credential helpers, credsStore, auths). Undefined: anonymous. Asked only
 * when the registry challenges, so a public pull never reads a credential.
 */
export async function findCredentials(host: string, env: Env): Promise<RegistryCredentials | undefined> {
  if (env.MLOPS_REGISTRY_USERNAME && env.MLOPS_REGISTRY_PASSWORD) {
    return {
      username: env.MLOPS_REGISTRY_USERNAME,
      password: env.MLOPS_REGISTRY_PASSWORD,
      source: 'MLOPS_REGISTRY_USERNAME/MLOPS_REGISTRY_PASSWORD',
    };
  }
  if (host === 'ghcr.io') {
    const name = env.GHCR_TOKEN ? 'GHCR_TOKEN' : env.GITHUB_TOKEN ? 'GITHUB_TOKEN' : undefined;
    if (name) return { username: env.GITHUB_ACTOR || 'x-access-token', password: env[name]!, source: name };
  }
  if (isEcrHost(host)) {
    const { ecrCredentials } = await import('./ecr.js');
    return ecrCredentials(host, env);
  }
  const { dockerConfigCredentials } = await import('./docker-config.js');
  return dockerConfigCredentials(host, env);
}
