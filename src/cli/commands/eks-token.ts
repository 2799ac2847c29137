import { MlopsError, usageError } from '../../kernel/errors.js';
import { defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';

interface EksTokenFlags {
  cluster?: string;
  region?: string;
}

/** The verifier's own rule for the region label of the STS host (aws-iam-authenticator). */
const REGION = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i;

/**
 * --region, else AWS_REGION / AWS_DEFAULT_REGION, else the project's `region` when a config is found
 * here or above: kubectl runs this from any directory, so a missing config is not an error.
 */
async function signingRegion(ctx: CommandContext, flag: string | undefined): Promise<string> {
  const { env } = ctx.process;
  const region = flag || env.AWS_REGION || env.AWS_DEFAULT_REGION || (await projectRegion(ctx));
  if (!region) {
    throw new MlopsError('No AWS region to sign the EKS token in.', {
      code: 'MLOPS_CLUSTER_E7130',
      hint: 'Pass --region REGION (the cluster’s), or set AWS_REGION.',
      source: 'usage',
    });
  }
  if (!REGION.test(region)) {
    throw usageError(
      `"${region}" is not an AWS region.`,
      'MLOPS_USAGE_E1002',
      'Pass the cluster’s region, e.g. --region us-east-1.',
    );
  }
  return region;
}

async function projectRegion(ctx: CommandContext): Promise<string | undefined> {
  try {
    return (await ctx.config()).config.region;
  } catch (error) {
    if (MlopsError.is(error) && error.code === 'MLOPS_CONFIG_E2001') return undefined;
    throw error;
  }
}

export default defineCommand<EksTokenFlags>({
  name: 'eks-token',
  summary: 'print an ExecCredential with an EKS token for kubectl (as `aws eks get-token`, no AWS CLI)',
  options: [
    { flags: '--cluster <name>', description: 'the EKS cluster name' },
    { flags: '--region <region>', description: 'its region (default: AWS_REGION, else the config’s)' },
  ],
  examples: ['mlops eks-token --cluster iris-cluster --region us-east-1'],
  async handler(ctx, _args, flags) {
    if (!flags.cluster) {
      throw usageError(
        'eks-token needs the cluster name.',
        'MLOPS_USAGE_E1002',
        'Pass --cluster NAME (cluster_name in `mlops infra output --stack cluster`).',
      );
    }
    const region = await signingRegion(ctx, flags.region);
    const [{ eksToken, execCredential, execApiVersion }, { resolveCredentials }] = await Promise.all([
      import('../../../providers/aws/eks-token.js'),
      import('../../../providers/aws/credentials.js'),
    ]);
    const credentials = await resolveCredentials(
      `sign an EKS token for cluster ${flags.cluster}`,
      ctx.process.env,
    );
    const token = await eksToken({ clusterName: flags.cluster, region, credentials });
    const credential = execCredential(token, execApiVersion(ctx.process.env.KUBERNETES_EXEC_INFO));
    // kubectl parses stdout as the credential, so it is JSON with or without --json.
    return { json: credential, human: (print) => print(JSON.stringify(credential)) };
  },
});
