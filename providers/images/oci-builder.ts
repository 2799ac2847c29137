import path from 'node:path';
import { assemble } from '../../src/core/build/assemble.js';
import { readBaseImage } from '../../src/core/build/base-image.js';
import { pushArtifact } from '../../src/core/build/push.js';
import { parseImageReference } from '../../src/core/image-reference.js';
import type { BuildRequest, BuildResult, ImageBuilder } from '../../src/core/ports/image-builder.js';
import type { ImageRegistryClient } from '../../src/core/ports/image-registry.js';
import { writeOciLayout } from './oci-layout.js';
import { projectLayers } from './project-layers.js';

export interface OciBuilderOptions {
  /** Opens a client for a registry host (the factory of the ImageRegistryClient port). */
  readonly registry: (host: string) => Promise<ImageRegistryClient>;
  /** Called before pushing to a repository (ECR: create it when images.createRepositories is set). */
  readonly beforePush?: (host: string, repository: string) => Promise<void>;
}

/** Where `build` without --push writes the image: an OCI layout per role in the project. */
export const layoutDir = (projectDir: string, role: string) =>
  path.join(projectDir, '.mlops', 'images', role);

/**
 * The built-in builder: no daemon, no tool. It reads the base over the registry API, adds the project
 * as two reproducible layers (dependencies, app), writes the config and manifest, and pushes (or writes
 * an OCI layout).
 */
export function ociBuilder(options: OciBuilderOptions): ImageBuilder {
  // One trace cache per builder: `build all` parses the files both entries reach once.
  const traceCache = {};
  return {
    name: 'oci',
    async build(request: BuildRequest): Promise<BuildResult> {
      const baseRef = parseImageReference(request.base);
      const target = parseImageReference(request.image);
      const baseClient = await options.registry(baseRef.host);
      const [bases, layers] = await Promise.all([
        readBaseImage(baseClient, baseRef, request.platforms),
        projectLayers(request.projectDir, request.role, request.sourceDateEpoch, { traceCache }),
      ]);
      const artifact = assemble(bases, request.settings, layers);
      const summaries = [
        ...bases[0]!.layers.map((l) => ({ comment: 'base', digest: l.digest, size: l.size, fromBase: true })),
        ...layers.map((l) => ({
          comment: l.comment,
          digest: l.digest,
          size: l.size,
          uncompressedSize: l.uncompressedSize,
          fromBase: false,
        })),
      ];
      const top = artifact.index ?? artifact.images[0]!.manifest;
      const result = { image: request.image, tags: request.tags, digest: top.digest, layers: summaries };
      if (request.dryRun) return result;
      const base = { client: baseClient, repository: baseRef.repository };
      if (!request.push) {
        const location = layoutDir(request.projectDir, request.role);
        await writeOciLayout(location, artifact, request.tags, base);
        return { ...result, location };
      }
      const client = target.host === baseRef.host ? baseClient : await options.registry(target.host);
      await options.beforePush?.(target.host, target.repository);
      const pushed = await pushArtifact({
        artifact,
        target: client,
        repository: target.repository,
        base,
        tags: request.tags,
        io: request.io,
      });
      return { ...result, digest: pushed.digest, blobs: pushed.blobs };
    },
  };
}
