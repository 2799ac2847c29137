import { registryApiHost } from '../../src/core/image-reference.js';
import type { ImageRegistryClient } from '../../src/core/ports/image-registry.js';
import type { EnsureEcrRepositoryOptions } from './registry/ecr.js';

export interface OpenImageRegistryOptions {
  /** The registry host as image references write it: `ghcr.io`, `docker.io`, `127.0.0.1:5000`. */
  readonly host: string;
  /**
   * Decides the credentials (MLOPS_REGISTRY_USERNAME/PASSWORD, GHCR_TOKEN, GITHUB_TOKEN, AWS_*,
   * DOCKER_CONFIG, HOME) and plain-HTTP hosts (MLOPS_INSECURE_REGISTRIES). @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Cancels requests in flight (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Bytes per upload chunk; blobs no larger are sent in one request. @default 8 MiB */
  readonly chunkSize?: number;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?$/;

/** Whether a registry is spoken to over plain HTTP: loopback hosts, and those in MLOPS_INSECURE_REGISTRIES. */
export function isInsecureRegistry(host: string, env: Readonly<Record<string, string | undefined>>): boolean {
  if (LOOPBACK.test(host)) return true;
  const listed = (env.MLOPS_INSECURE_REGISTRIES ?? '').split(',').map((h) => h.trim());
  return listed.includes(host);
}

/**
 * The one way to open the ImageRegistryClient port (the CLI and the library): HTTPS, or HTTP for
 * loopback and MLOPS_INSECURE_REGISTRIES hosts. Nothing is sent yet; credentials are looked up only
 * when the registry first challenges. undici and the client load only here.
 */
export async function openImageRegistry(options: OpenImageRegistryOptions): Promise<ImageRegistryClient> {
  const env = options.env ?? process.env;
  const [{ RegistryTransport }, { DistributionClient }, { findCredentials }] = await Promise.all([
    import('./registry/transport.js'),
    import('./registry/client.js'),
    import('./registry/credentials.js'),
  ]);
  const transport = new RegistryTransport(options.host, {
    protocol: isInsecureRegistry(options.host, env) ? 'http:' : 'https:',
    apiHost: registryApiHost(options.host),
    credentials: () => findCredentials(options.host, env),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return new DistributionClient(transport, options.chunkSize ? { chunkSize: options.chunkSize } : {});
}

/**
 * Creates an ECR repository before a push (`images.createRepositories`), scanning on push; one that
 * exists is left as it is. Returns whether it was created. The AWS SDK loads only here.
 */
export async function ensureEcrRepository(
  host: string,
  repository: string,
  options: EnsureEcrRepositoryOptions = {},
): Promise<boolean> {
  const ecr = await import('./registry/ecr.js');
  return ecr.ensureEcrRepository(host, repository, options);
}
