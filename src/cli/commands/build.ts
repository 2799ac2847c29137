import { usageError } from '../../kernel/errors.js';
import type { ImageRole } from '../../core/image-ref.js';
import { defineCommand } from '../command.js';

interface BuildFlags {
  builder?: string;
  push?: boolean;
  tag?: string[];
  platform?: string;
  dryRun?: boolean;
}

const TARGETS: Record<string, readonly ImageRole[]> = {
  training: ['training'],
  serving: ['serving'],
  all: ['training', 'serving'],
};
const BUILDERS = ['auto', 'oci', 'buildah', 'docker'] as const;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export default defineCommand<BuildFlags>({
  name: 'build',
  summary: 'build the training and serving images and push them (tags: the git commit, plus a version tag)',
  arguments: [{ name: '[image]', description: 'training, serving or all (default: all)' }],
  streaming: true,
  options: [
    {
      flags: '--builder <name>',
      description:
        'auto|oci|buildah|docker (default: images.builder; auto = oci, built in, needs no tool; for an image with images.<image>.dockerfile, buildah or docker)',
    },
    {
      flags: '--push',
      description: 'push to images.<image>.repository (without it: oci writes .mlops/images/<image>)',
    },
    {
      flags: '--tag <tag>',
      description: 'tag to push, repeatable (default: the commit and images.<image>.tag)',
      repeatable: true,
    },
    {
      flags: '--platform <list>',
      description: 'e.g. linux/amd64,linux/arm64 (oci pushes an index; default: the base’s)',
    },
    { flags: '--dry-run', description: 'print the planned layers and tags; push nothing' },
  ],
  examples: [
    'mlops build serving --push',
    'mlops build all --push --platform linux/amd64,linux/arm64',
    'mlops build serving --dry-run',
    'mlops build training --builder buildah --push --tag v1.2',
  ],
  async handler(ctx, [target = 'all'], flags) {
    const roles = TARGETS[target];
    if (!roles) {
      throw usageError(
        `build ${target}: no such image.`,
        'MLOPS_USAGE_E1002',
        'Build training, serving or all.',
      );
    }
    if (flags.builder !== undefined && !(BUILDERS as readonly string[]).includes(flags.builder)) {
      throw usageError(
        `--builder ${flags.builder} is not a builder.`,
        'MLOPS_USAGE_E1002',
        `Use one of ${BUILDERS.join(', ')} (oci is built in and needs no tool).`,
      );
    }
    const config = await ctx.config({ 'images.builder': flags.builder });
    const [{ buildImages }, { parsePlatforms }, { openImageBuilder }] = await Promise.all([
      import('../../core/build/build.js'),
      import('../../core/build/platform.js'),
      import('../../../providers/images/builder-factory.js'),
    ]);
    const env = ctx.process.env;
    // At most two builders (with and without a Dockerfile), each opened once: `build all` shares its caches.
    const builders = new Map<boolean, ReturnType<typeof openImageBuilder>>();
    const builder = ({ dockerfile }: { readonly dockerfile: boolean }) => {
      const open =
        builders.get(dockerfile) ??
        openImageBuilder({
          builder: config.config.images.builder,
          dockerfile,
          env,
          registry: (host) => ctx.imageRegistry(host),
          createRepositories: config.config.images.createRepositories,
        });
      builders.set(dockerfile, open);
      return open;
    };
    const built = await buildImages({
      config: config.config,
      projectDir: config.dir,
      roles,
      builder,
      tags: flags.tag,
      platforms: flags.platform ? parsePlatforms(flags.platform) : undefined,
      push: flags.push === true,
      dryRun: flags.dryRun === true,
      io: ctx.io,
      env,
    });
    if (flags.dryRun) {
      for (const image of built) {
        ctx.io.notify({
          level: 'result',
          event: 'build-plan',
          message: `Would build ${image.image}`,
          data: {
            image: image.image,
            tags: image.tags,
            builder: image.builder,
            digest: image.digest,
            layers: image.layers,
          },
        });
      }
    }
    return {
      json: built,
      human: (print, style) => {
        for (const image of built) {
          const verb = flags.dryRun ? 'Would build' : flags.push ? 'Pushed' : 'Built';
          print(
            `${style.bold(verb)} ${image.image}:${image.tags.join(', :')} (${image.builder}${flags.dryRun ? '' : `, ${image.seconds} s`})`,
          );
          if (image.digest) print(`  digest   ${image.digest}`);
          if (image.location) print(`  written  ${image.location}`);
          if (image.blobs)
            print(
              `  blobs    ${image.blobs.uploaded} uploaded, ${image.blobs.mounted} mounted, ${image.blobs.exists} already there`,
            );
          for (const layer of image.layers.filter((l) => !l.fromBase || flags.dryRun)) {
            // A Dockerfile's steps have no size before the tool runs them.
            const sizes =
              layer.size === undefined
                ? ''
                : `: ${mb(layer.size)} compressed${layer.uncompressedSize ? `, ${mb(layer.uncompressedSize)} unpacked` : ''}`;
            print(`  layer    ${layer.comment}${sizes}`);
          }
        }
      },
    };
  },
});
