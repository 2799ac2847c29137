import { MlopsError } from '../../kernel/errors.js';
import { formatImageReference, manifestReference, type ImageReference } from '../image-reference.js';
import type { Descriptor, ImageRegistryClient, Platform } from '../ports/image-registry.js';
import { familyOf, isIndex, type MediaTypes } from './media-types.js';
import { formatPlatform, hostPlatform, matchesPlatform } from './platform.js';

/** The base image for one platform: what a new image starts from. */
export interface BaseImage {
  readonly platform: Platform;
  readonly types: MediaTypes;
  readonly config: Record<string, unknown>;
  readonly layers: readonly Descriptor[];
}

interface ManifestJson {
  readonly mediaType?: string;
  readonly manifests?: readonly Descriptor[];
  readonly config?: Descriptor;
  readonly layers?: readonly Descriptor[];
}

/**
 * Reads the base image over the distribution API (index → manifest → config) for every platform asked
 * for (none asked: a single-platform base as it is, this machine's platform from an index). A platform
 * the base lacks is an error here, before anything is pushed.
 */
export async function readBaseImage(
  client: ImageRegistryClient,
  base: ImageReference,
  requested: readonly Platform[] | undefined,
): Promise<BaseImage[]> {
  const top = await fetchManifest(client, base, manifestReference(base));
  if (!isIndex(top.mediaType)) {
    const image = await readImage(client, base, top.json, top.mediaType);
    const missing = (requested ?? []).filter((p) => !matchesPlatform(image.platform, p));
    if (missing.length > 0) throw platformMissing(base, missing, [image.platform]);
    return [image];
  }
  const entries = top.json.manifests ?? [];
  const platforms = requested ?? [hostPlatform()];
  const chosen = platforms.map((wanted) => ({
    wanted,
    entry: entries.find((entry) => matchesPlatform(entry.platform, wanted)),
  }));
  const missing = chosen.filter((c) => c.entry === undefined).map((c) => c.wanted);
  if (missing.length > 0) {
    throw platformMissing(
      base,
      missing,
      entries.flatMap((e) => (e.platform ? [e.platform] : [])),
    );
  }
  return Promise.all(
    chosen.map(async ({ entry }) => {
      const manifest = await fetchManifest(client, base, entry!.digest);
      return readImage(client, base, manifest.json, manifest.mediaType);
    }),
  );
}

async function fetchManifest(client: ImageRegistryClient, base: ImageReference, reference: string) {
  try {
    const fetched = await client.getManifest(base.repository, reference);
    const json = JSON.parse(new TextDecoder().decode(fetched.bytes)) as ManifestJson;
    return { json, mediaType: fetched.mediaType || json.mediaType || '' };
  } catch (error) {
    if (MlopsError.is(error) && error.code === 'MLOPS_IMAGE_E7406') {
      throw new MlopsError(`The base image ${formatImageReference(base)} does not exist.`, {
        code: 'MLOPS_IMAGE_E7430',
        hint: 'Check images.base in mlops.config.json (a reference the registry has, e.g. node:22-bookworm-slim).',
        cause: error,
      });
    }
    if (MlopsError.is(error) && error.code === 'MLOPS_IMAGE_E7402') {
      // Same code and message: only the way out differs for the base (a mirror the build can reach).
      throw new MlopsError(error.message, {
        code: error.code,
        hint: `${error.hint} Or point images.base at a copy of the base on a registry you can reach (e.g. your ECR or a local mirror).`,
        source: error.source,
        cause: error,
      });
    }
    throw error;
  }
}

async function readImage(
  client: ImageRegistryClient,
  base: ImageReference,
  manifest: ManifestJson,
  mediaType: string,
): Promise<BaseImage> {
  if (!manifest.config) {
    throw new MlopsError(`The base image ${formatImageReference(base)} has a manifest without a config.`, {
      code: 'MLOPS_IMAGE_E7431',
      hint: 'Use a base image in the OCI or Docker v2 format (schema 2), e.g. node:22-bookworm-slim.',
    });
  }
  const config = JSON.parse(
    new TextDecoder().decode(await client.getBlob(base.repository, manifest.config.digest)),
  ) as Record<string, unknown>;
  const platform: Platform = {
    os: String(config.os ?? 'linux'),
    architecture: String(config.architecture ?? ''),
    ...(typeof config.variant === 'string' && { variant: config.variant }),
  };
  return { platform, types: familyOf(mediaType), config, layers: manifest.layers ?? [] };
}

function platformMissing(base: ImageReference, missing: readonly Platform[], has: readonly Platform[]) {
  return new MlopsError(
    `The base image ${formatImageReference(base)} has no ${missing.map(formatPlatform).join(', ')} image (it has ${has.map(formatPlatform).join(', ') || 'none'}).`,
    {
      code: 'MLOPS_IMAGE_E7433',
      hint: 'Build for the platforms the base has (--platform), or choose a multi-platform base in images.base.',
    },
  );
}
