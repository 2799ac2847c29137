import { usageError } from '../../kernel/errors.js';
import { defineCommand } from '../command.js';

export interface DeployFlags {
  image?: string;
  alias?: string;
  version?: string;
  context?: string;
  dryRun?: boolean;
  output?: string;
  prune?: boolean;
  forceConflicts?: boolean;
  canary?: string;
  weight?: string;
  canaryPromote?: boolean;
  canaryAbort?: boolean;
  timeout?: string;
}

const conflict = (what: string, hint: string) => usageError(what, 'MLOPS_DEPLOY_E5203', hint);

/** One canary mode per run, one served model, and --output only where manifests are printed. */
function checkFlags(flags: DeployFlags): void {
  if (flags.alias !== undefined && flags.version !== undefined) {
    throw conflict(
      '--alias and --version cannot go together.',
      'Follow an alias (--alias NAME) or pin one version (--version V).',
    );
  }
  const modes = (['canary', 'canaryPromote', 'canaryAbort'] as const).filter((k) => flags[k] !== undefined);
  if (modes.length > 1) {
    throw conflict(
      'Only one of --canary, --canary-promote and --canary-abort can be given.',
      'Start or re-weight a canary with --canary VERSION --weight N, then end it with --canary-promote or --canary-abort.',
    );
  }
  if (flags.weight !== undefined && flags.canary === undefined) {
    throw conflict(
      '--weight only applies to --canary VERSION.',
      'Run mlops deploy --canary VERSION --weight N.',
    );
  }
  if (flags.output !== undefined && flags.output !== 'yaml' && flags.output !== 'json') {
    throw usageError(
      `--output ${flags.output} is not a manifest format.`,
      'MLOPS_DEPLOY_E5204',
      'Use --output yaml (a stream of documents) or --output json (a List); both work with kubectl apply -f -.',
    );
  }
  const printing = flags.dryRun || flags.output !== undefined;
  if (printing && (flags.prune || flags.canaryPromote || flags.canaryAbort)) {
    throw conflict(
      '--dry-run and --output print manifests: --prune, --canary-promote and --canary-abort change the cluster.',
      'Drop --dry-run/--output to apply, or drop the flags that change the cluster.',
    );
  }
}

export default defineCommand<DeployFlags>({
  name: 'deploy',
  summary: 'render and server-side-apply the serving stack to the cluster, and wait for the rollout',
  streaming: true,
  options: [
    {
      flags: '--image <ref>',
      description:
        'serving image (default: images.serving.repository, tagged images.serving.tag or the git commit)',
    },
    { flags: '--alias <name>', description: 'model alias the servers follow (default: serve.alias)' },
    { flags: '--version <version>', description: 'pin the servers to one model version instead of an alias' },
    {
      flags: '--context <name>',
      description: 'kubeconfig context (default: cluster.context, else the current one)',
    },
    {
      flags: '--dry-run',
      description: 'apply nothing: server-side dry run when the cluster is reachable, else render only',
    },
    {
      flags: '--output <format>',
      description: 'print the manifests (yaml or json, for kubectl apply -f -); applies nothing',
    },
    {
      flags: '--prune',
      description: "delete this model's serving objects that mlops applied before and no longer renders",
    },
    { flags: '--force-conflicts', description: 'take over fields another field manager owns' },
    {
      flags: '--canary <version>',
      description: 'run VERSION as a canary beside the stable Deployment (Istio)',
    },
    { flags: '--weight <percent>', description: 'with --canary: the share of traffic it gets, 1-99' },
    {
      flags: '--canary-promote',
      description: "promote the canary's version (the alias) and remove the canary",
    },
    { flags: '--canary-abort', description: 'remove the canary; all traffic to the stable Deployment' },
    {
      flags: '--timeout <seconds>',
      description: 'how long to wait for the rollout (default: deploy.progressDeadlineSeconds + 60)',
    },
  ],
  examples: [
    'mlops deploy',
    'mlops deploy --image ghcr.io/acme/iris-serving:1f2e3d4 --json',
    'mlops deploy --dry-run --output yaml > serving.yaml',
    'mlops deploy --canary v1.3 --weight 10',
    'mlops deploy --canary-promote',
    'mlops deploy --prune',
  ],
  async handler(ctx, _args, flags) {
    checkFlags(flags);
    const run = await import('./deploy-run.js');
    return flags.dryRun || flags.output !== undefined
      ? run.printManifests(ctx, flags)
      : run.deploy(ctx, flags);
  },
});
