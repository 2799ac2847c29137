import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LayerBlob } from '../../src/core/build/assemble.js';
import type { BuildRequest } from '../../src/core/ports/image-builder.js';
import { contextDockerfile, type ContextLayerFile } from './context-dockerfile.js';

/**
 * A build context for buildah or docker: the project's layers as archives and the Dockerfile over them,
 * or the project itself and its own Dockerfile (images.<role>.dockerfile).
 */
export interface BuildContext {
  readonly dir: string;
  /** The Dockerfile to build: generated inside `dir`, or the project's. */
  readonly dockerfile: string;
  /** Labels the tool adds to what the Dockerfile sets (none for the generated one, which has them). */
  readonly labels: Readonly<Record<string, string>>;
  /** A temp directory for what the tool writes back (digest, metadata): never the project. */
  readonly scratch: string;
}

/**
 * The project's layers, exactly as the built-in oci builder makes them (the dependencies the entry point
 * reaches, traced; then the app), written as archives into a temp directory with a Dockerfile that ADDs
 * them onto images.base. This is what buildah and docker build by default, rather than the project's
 * `<role>/Dockerfile`: that one runs `npm ci`, which needs npm and a network in the base, and gives an
 * image with other files than the oci builder's. With images.<role>.dockerfile (`request.dockerfile`)
 * the context is the project and its Dockerfile instead, and `layers` is empty. The temp directory is
 * removed after `use`.
 */
export async function withBuildContext<T>(
  request: BuildRequest,
  layers: readonly LayerBlob[],
  use: (context: BuildContext) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `mlops-context-${request.role}-`));
  try {
    if (request.dockerfile !== undefined) {
      const { projectDir, dockerfile, settings } = request;
      return await use({ dir: projectDir, dockerfile, labels: settings.labels, scratch: dir });
    }
    const files: ContextLayerFile[] = [];
    for (const [i, layer] of layers.entries()) {
      const file = `layer-${i + 1}.tar.gz`;
      await writeFile(path.join(dir, file), layer.blob);
      files.push({ file, comment: layer.comment });
    }
    const dockerfile = path.join(dir, 'Dockerfile');
    await writeFile(
      dockerfile,
      contextDockerfile(request.settings, files, `the ${request.role} image of ${request.image}`),
    );
    return await use({ dir, dockerfile, labels: {}, scratch: dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
