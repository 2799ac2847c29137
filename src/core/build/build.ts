import { stat } from 'node:fs/promises';
import path from 'node:path';
import { configError, usageError } from '../../kernel/errors.js';
import { outcome, type IoHost } from '../../kernel/io-host.js';
import type { MlopsConfig } from '../../config/schema.js';
import type { ImageRole } from '../image-ref.js';
import type { BuildResult, ImageBuilder } from '../ports/image-builder.js';
import type { Platform } from '../ports/image-registry.js';
import type { ImageSettings } from './image-config.js';
import { readSource, type SourceInfo } from './source.js';

export interface BuildImagesOptions {
  readonly config: Pick<MlopsConfig, 'name' | 'images'>;
  readonly projectDir: string;
  readonly roles: readonly ImageRole[];
  /**
   * The builder for an image: the one --builder and images.builder name; `auto` gives a tool (buildah,
   * docker) to an image built from its Dockerfile and the built-in oci builder to the others.
   */
  readonly builder: (needs: { readonly dockerfile: boolean }) => Promise<ImageBuilder>;
  /** --tag; default: the commit and images.<role>.tag. */
  readonly tags?: readonly string[];
  readonly platforms?: readonly Platform[];
  readonly push: boolean;
  readonly dryRun: boolean;
  readonly io: IoHost;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** For the `seconds` of each event. */
  readonly now?: () => number;
}

export interface BuiltImage extends BuildResult {
  readonly role: ImageRole;
  readonly builder: string;
  readonly seconds: number;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** What each image runs and exposes (DESIGN.md §5: the serving app listens on 8080 in a container). */
const ROLE_SETTINGS: Record<ImageRole, Pick<ImageSettings, 'entrypoint' | 'env' | 'exposedPorts'>> = {
  serving: {
    entrypoint: ['node', 'serving/server.mjs'],
    env: { NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '8080', DRAIN_DELAY_SECONDS: '5' },
    exposedPorts: ['8080/tcp'],
  },
  training: {
    entrypoint: ['node', 'training/train.mjs'],
    env: { NODE_ENV: 'production' },
    exposedPorts: [],
  },
};

/**
 * `mlops build`: for each role, the repository and tags from the config and git, the image settings,
 * then the builder. Tags default to the commit (what `train` and `deploy` run) plus images.<role>.tag.
 */
export async function buildImages(options: BuildImagesOptions): Promise<BuiltImage[]> {
  const now = options.now ?? Date.now;
  const source = await readSource(options.projectDir, options.env);
  const built: BuiltImage[] = [];
  for (const role of options.roles) {
    const started = now();
    const image = repositoryOf(options.config, role);
    const tags = tagsOf(options, role, source);
    const dockerfile = await dockerfileOf(options, role);
    const builder = await options.builder({ dockerfile: dockerfile !== undefined });
    if (dockerfile && builder.name === 'oci') {
      throw usageError(
        `images.${role}.dockerfile is set, and the built-in oci builder does not run Dockerfiles.`,
        'MLOPS_IMAGE_E7441',
        `Build it with --builder buildah or --builder docker, or remove images.${role}.dockerfile to build the traced files with oci.`,
      );
    }
    const result = await builder.build({
      role,
      projectDir: options.projectDir,
      image,
      base: options.config.images.base,
      tags,
      platforms: options.platforms,
      settings: settingsOf(options.config, role, source, tags),
      ...(dockerfile && { dockerfile }),
      sourceDateEpoch: source.sourceDateEpoch,
      push: options.push,
      dryRun: options.dryRun,
      io: options.io,
    });
    const seconds = Math.round((now() - started) / 10) / 100;
    const done: BuiltImage = { ...result, role, builder: builder.name, seconds };
    built.push(done);
    if (options.dryRun) continue;
    const data = {
      image: result.image,
      digest: result.digest,
      tags: result.tags,
      builder: builder.name,
      seconds,
      ...(result.blobs && { blobs: result.blobs }),
      ...(result.location && { location: result.location }),
    };
    options.io.notify(
      options.push
        ? outcome('pushed', `Pushed ${result.image}:${result.tags.join(', ')}`, data)
        : outcome('built', `Built ${result.image}${result.location ? ` into ${result.location}` : ''}`, data),
    );
  }
  return built;
}

function repositoryOf(config: BuildImagesOptions['config'], role: ImageRole): string {
  const repository = config.images[role]?.repository;
  if (!repository) {
    throw configError(
      `No ${role} image repository: images.${role}.repository is not set in mlops.config.json.`,
      'MLOPS_IMAGE_E7435',
      `Set images.${role}.repository, e.g. ghcr.io/acme/${config.name}-${role} or an ECR repository URI.`,
    );
  }
  return repository;
}

/** images.<role>.dockerfile, resolved in the project and checked to be a file there. */
async function dockerfileOf(options: BuildImagesOptions, role: ImageRole): Promise<string | undefined> {
  const relative = options.config.images[role]?.dockerfile;
  if (relative === undefined) return undefined;
  const file = path.resolve(options.projectDir, relative);
  const inside = !path.relative(options.projectDir, file).startsWith('..');
  const isFile = inside && (await stat(file).catch(() => undefined))?.isFile() === true;
  if (!isFile) {
    throw configError(
      `images.${role}.dockerfile: ${relative} is not a file in the project ${options.projectDir}.`,
      'MLOPS_IMAGE_E7440',
      `Give a path from the project root (e.g. "${role}/Dockerfile", which mlops init writes), or remove images.${role}.dockerfile to build without one.`,
    );
  }
  return file;
}

function tagsOf(options: BuildImagesOptions, role: ImageRole, source: SourceInfo): string[] {
  if (options.tags && options.tags.length > 0) {
    for (const tag of options.tags) {
      if (!TAG.test(tag)) {
        throw usageError(
          `--tag ${tag} is not an image tag.`,
          'MLOPS_IMAGE_E7439',
          'A tag is 1-128 letters, digits, "_", "." and "-", not starting with "." or "-" (e.g. --tag v1.2).',
        );
      }
    }
    return [...new Set(options.tags)];
  }
  const tags = [source.commit, options.config.images[role]?.tag].filter((t): t is string => Boolean(t));
  if (tags.length === 0) {
    throw usageError(
      `No tag for the ${role} image: ${options.projectDir} is not a git work tree with a commit.`,
      'MLOPS_IMAGE_E7434',
      'Commit the project (train and deploy run the image tagged with the commit), or pass --tag.',
    );
  }
  return [...new Set(tags)];
}

function settingsOf(
  config: BuildImagesOptions['config'],
  role: ImageRole,
  source: SourceInfo,
  tags: readonly string[],
): ImageSettings {
  const created = new Date(source.sourceDateEpoch * 1000).toISOString().replace('.000Z', 'Z');
  const version = tags.find((t) => t !== source.commit) ?? source.commit ?? tags[0]!;
  return {
    ...ROLE_SETTINGS[role],
    user: '1000:1000',
    workingDir: '/app',
    created,
    labels: {
      ...(source.url && { 'org.opencontainers.image.source': source.url }),
      ...(source.commit && { 'org.opencontainers.image.revision': source.commit }),
      'org.opencontainers.image.created': created,
      'org.opencontainers.image.version': version,
      'mlops.dev/model': config.name,
    },
  };
}
