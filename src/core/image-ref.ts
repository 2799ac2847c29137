import type { MlopsConfig } from '../config/schema.js';
import { usageError } from '../kernel/errors.js';
import type { MessageCode } from '../kernel/messages.js';

export type ImageRole = 'training' | 'serving';

const ROLES: Record<
  ImageRole,
  { missing: MessageCode; untagged: MessageCode; then: string; example: string }
> = {
  training: {
    missing: 'MLOPS_TRAIN_E5101',
    untagged: 'MLOPS_TRAIN_E5102',
    then: 'mlops train',
    example: '123456789012.dkr.ecr.us-east-1.amazonaws.com/iris-training',
  },
  serving: {
    missing: 'MLOPS_DEPLOY_E5201',
    untagged: 'MLOPS_DEPLOY_E5202',
    then: 'mlops deploy',
    example: 'ghcr.io/acme/iris-serving',
  },
};

/**
 * The image a training Job or the serving Deployment runs: `--image`, else `images.<role>.repository`
 * with `images.<role>.tag`, else the project's commit (the tag `mlops build <role> --push` pushes). The
 * commit is asked for only when it is the tag.
 */
export async function imageRef(
  config: Pick<MlopsConfig, 'images'>,
  role: ImageRole,
  options: { readonly image?: string; readonly commit: () => Promise<string | null> },
): Promise<string> {
  if (options.image) return options.image;
  const { missing, untagged, then, example } = ROLES[role];
  const image = config.images[role];
  if (!image?.repository) {
    throw usageError(
      `No ${role} image: images.${role}.repository is not set in mlops.config.json and --image is not given.`,
      missing,
      `Set images.${role}.repository (e.g. ${example}), run \`mlops build ${role} --push\`, then ${then}.`,
    );
  }
  const tag = image.tag ?? (await options.commit());
  if (!tag) {
    throw usageError(
      `No tag for the ${role} image ${image.repository}: this is not a git work tree with a commit and images.${role}.tag is not set.`,
      untagged,
      `Commit the project (mlops build tags images with the commit), set images.${role}.tag, or pass --image REF.`,
    );
  }
  return `${image.repository}:${tag}`;
}
