import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import type { BuilderName, ImageBuilder } from '../../src/core/ports/image-builder.js';
import { MlopsError } from '../../src/kernel/errors.js';
import type { ImageRegistryClient } from '../../src/core/ports/image-registry.js';

export interface OpenImageBuilderOptions {
  /**
   * `auto` is the built-in oci builder, which needs no tool and no daemon; for an image built from its
   * Dockerfile (`dockerfile`), buildah, else docker, whichever is installed.
   */
  readonly builder: BuilderName | 'auto';
  /** The image is built from images.<role>.dockerfile. */
  readonly dockerfile?: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Opens a registry client for a host (the oci builder reads the base and pushes through it). */
  readonly registry: (host: string) => Promise<ImageRegistryClient>;
  /** images.createRepositories: create an ECR repository before the first push to it. */
  readonly createRepositories?: boolean;
}

const ECR_HOST = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** The one way to open the ImageBuilder port, for the CLI and the library. Builders load lazily. */
export async function openImageBuilder(options: OpenImageBuilderOptions): Promise<ImageBuilder> {
  const builder =
    options.builder === 'auto' && options.dockerfile ? await installedTool(options.env) : options.builder;
  switch (builder) {
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

/** The tool `auto` builds a Dockerfile with: buildah (daemonless), else docker. */
async function installedTool(env: OpenImageBuilderOptions['env']): Promise<'buildah' | 'docker'> {
  for (const tool of ['buildah', 'docker'] as const) if (await onPath(tool, env)) return tool;
  throw new MlopsError(
    'Building from a Dockerfile (images.<image>.dockerfile) needs buildah or docker; neither is on PATH.',
    {
      code: 'MLOPS_IMAGE_E7437',
      hint: 'Install buildah (apt-get install buildah) or docker, or remove images.<image>.dockerfile to build the traced files with the built-in oci builder.',
    },
  );
}

async function onPath(name: string, env: OpenImageBuilderOptions['env']): Promise<boolean> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const found = await access(path.join(dir, name), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (found) return true;
  }
  return false;
}
