import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../kernel/errors.js';
import { homeDir } from '../kernel/home.js';
import { imageRegistryHost } from './pod-problems.js';

/** Credentials for one registry host, as a dockerconfigjson `auths` entry carries them. */
export interface RegistryCredentials {
  readonly host: string;
  /** base64 of `user:password`; never printed or logged. */
  readonly auth: string;
  /** Where they came from, for messages: `GHCR_TOKEN`, `~/.docker/config.json`. */
  readonly source: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The pull secret's name, in the serving and the training namespace alike. */
export const pullSecretName = (model: string): string => `${model}-pull`;

/** ECR on EKS needs no pull secret: the node role pulls. */
export const isEcrHost = (host: string): boolean =>
  /^\d+\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(host);

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

/**
 * The credentials the cluster needs to pull `image`, found as `mlops build` finds them to push: none for
 * ECR (the node role pulls); `GHCR_TOKEN` or `GITHUB_TOKEN` (user `GITHUB_ACTOR`) for ghcr.io; else the
 * `auths[host].auth` of ~/.docker/config.json (what `docker login` wrote). Credential helpers
 * (`credsStore`, `credHelpers`) are not asked. Undefined: the registry is taken to be public.
 */
export async function registryCredentials(image: string, env: Env): Promise<RegistryCredentials | undefined> {
  const host = imageRegistryHost(image);
  if (isEcrHost(host)) return undefined;
  if (host === 'ghcr.io') {
    const name = env.GHCR_TOKEN ? 'GHCR_TOKEN' : env.GITHUB_TOKEN ? 'GITHUB_TOKEN' : undefined;
    if (name) return { host, auth: basic(env.GITHUB_ACTOR || 'mlops', env[name]!), source: name };
  }
  return dockerConfigAuth(host, env);
}

async function dockerConfigAuth(host: string, env: Env): Promise<RegistryCredentials | undefined> {
  const file = path.join(env.DOCKER_CONFIG || path.join(homeDir(env), '.docker'), 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let auths: Record<string, { auth?: unknown } | undefined>;
  try {
    auths = ((JSON.parse(text) as { auths?: typeof auths }).auths ?? {}) as typeof auths;
  } catch {
    throw usageError(
      `${file} is not valid JSON, so the pull credentials for ${host} cannot be read.`,
      'MLOPS_DEPLOY_E5215',
      'Fix the file (docker login rewrites it), or remove it if the registry is public.',
    );
  }
  // docker writes Docker Hub as its v1 URL; other hosts as themselves (sometimes with https://)
  const keys =
    host === 'docker.io' ? ['https://index.docker.io/v1/', 'docker.io'] : [host, `https://${host}`];
  const auth = keys.map((k) => auths[k]?.auth).find((a): a is string => typeof a === 'string' && a !== '');
  return auth ? { host, auth, source: file } : undefined;
}

/** The `.dockerconfigjson` of a pull secret holding these credentials. */
export const dockerConfigJson = (credentials: RegistryCredentials): string =>
  JSON.stringify({ auths: { [credentials.host]: { auth: credentials.auth } } });
