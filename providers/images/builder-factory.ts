import type { BuilderName, ImageBuilder } from '../../src/core/ports/image-builder.js';
import type { ImageRegistryClient } from '../../src/core/ports/image-registry.js';

export interface OpenImageBuilderOptions {
  /** `auto` is the built-in oci builder: it needs no tool and no daemon. */
  readonly builder: BuilderName | 'auto';
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Opens a registry client for a host (the oci builder reads the base and pushes through it). */
  readonly registry: (host: string) => Promise<ImageRegistryClient>;
  /** images.createRepositories: create an ECR repository before the first push to it. */
  readonly createRepositories?: boolean;
}

const ECR_HOST = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** The one way to open the ImageBuilder port, for the CLI and the library. Builders load lazily. */
export async function openImageBuilder(options: OpenImageBuilderOptions): Promise<ImageBuilder> {
  switch (options.builder) {
    case 'buildah':
      return (await import('./buildah-builder.js')).buildahBuilder(options.env);
    case 'docker':
      return (await import('./docker-builder.js')).dockerBuilder();
    case 'auto':
    case 'oci': {
      const { ociBuilder } = await import('./oci-builder.js');
      return ociBuilder({
        registry: options.registry,
        async beforePush(host, repository) {
          if (!options.createRepositories || !ECR_HOST.test(host)) return;
          const { ensureEcrRepository } = await import('./registry-factory.js');
          await ensureEcrRepository(host, repository, { env: options.env });
        },
      });
    }
  }
}
