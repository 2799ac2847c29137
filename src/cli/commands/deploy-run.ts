import type { LoadedConfig } from '../../config/load.js';
import type { ClusterClient, KubeObject } from '../../core/ports/cluster.js';
import { MlopsError, usageError } from '../../kernel/errors.js';
import { info } from '../../kernel/io-host.js';
import type { Canary, OptionalApis, ServedModel } from '../../manifests/serving/index.js';
import type { CommandOutput } from '../command.js';
import type { CommandContext } from '../context.js';
import type { DeployFlags } from './deploy.js';

/** What every deploy mode needs: the config, the image, what the servers serve, the pull credentials. */
async function inputs(ctx: CommandContext, flags: DeployFlags) {
  const loaded = await ctx.config();
  const { config } = loaded;
  const [{ imageRef }, { gitCommit }, { registryCredentials }, { canaryWeight, requireVersion }] =
    await Promise.all([
      import('../../core/image-ref.js'),
      import('../../core/git.js'),
      import('../../core/pull-secret.js'),
      import('../../core/deploy/canary.js'),
    ]);
  const image = await imageRef(config, 'serving', {
    image: flags.image,
    commit: () => gitCommit(loaded.dir),
  });
  // a bad --weight is told before the registry is read
  const weight = flags.canary === undefined ? undefined : canaryWeight(flags.weight);
  const needsRegistry = flags.version !== undefined || flags.canary !== undefined;
  const registry = needsRegistry ? await ctx.registry(loaded) : undefined;
  const model: ServedModel | undefined =
    flags.version !== undefined
      ? { version: await requireVersion(registry!, flags.version, '--version') }
      : flags.alias !== undefined
        ? { alias: flags.alias }
        : undefined;
  const canary: Canary | undefined =
    flags.canary !== undefined
      ? {
          version: await requireVersion(registry!, flags.canary, '--canary'),
          weight: weight!,
        }
      : undefined;
  const credentials = await registryCredentials(image, ctx.process.env);
  return { loaded, image, model, canary, credentials };
}

const contextFlag = (flags: DeployFlags) => (flags.context ? ` --context ${flags.context}` : undefined);

function timeoutSeconds(flags: DeployFlags): number | undefined {
  if (flags.timeout === undefined) return undefined;
  const seconds = Number(flags.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw usageError(
      `--timeout ${flags.timeout} is not a number of seconds.`,
      'MLOPS_DEPLOY_E5204',
      'Give the seconds to wait for the rollout, e.g. --timeout 300.',
    );
  }
  return seconds;
}

/** `mlops deploy`: apply, prune, canary, and wait for the rollout. */
export async function deploy(ctx: CommandContext, flags: DeployFlags): Promise<CommandOutput> {
  const timeout = timeoutSeconds(flags);
  const { loaded, image, model, canary, credentials } = await inputs(ctx, flags);
  const { config } = loaded;
  const { deployServing } = await import('../../core/deploy/deploy.js');
  const cluster = await ctx.cluster(loaded, flags.context);
  const alias = flags.alias ?? config.serve.alias;
  const result = await deployServing({
    cluster,
    config,
    io: ctx.io,
    image,
    model,
    canary: canary
      ? { action: 'set', canary }
      : flags.canaryAbort
        ? { action: 'aborted' }
        : flags.canaryPromote
          ? {
              action: 'promoted',
              promote: async (version) => {
                const { promote } = await import('../../core/promote.js');
                return promote({
                  registry: await ctx.registry(loaded),
                  version,
                  alias,
                  actor: ctx.actor(),
                  io: ctx.io,
                });
              },
            }
          : { action: 'keep' },
    credentials,
    forceConflicts: flags.forceConflicts,
    prune: flags.prune,
    timeoutSeconds: timeout,
    env: ctx.globals.env,
    contextFlag: contextFlag(flags),
    signal: ctx.process.signal,
  });
  return {
    json: result,
    human: (print, style) => {
      const { replicas } = result;
      if (!result.changed) {
        print(
          `Nothing changed: ${result.namespace}/${result.deployment} is as rendered (${replicas.available}/${replicas.desired} available).`,
        );
        return;
      }
      print(
        `${style.bold(`${result.namespace}/${result.deployment}`)} rolled out: ${result.image}, ${result.follows}, ${replicas.available}/${replicas.desired} available`,
      );
      const changed = result.applied.filter((a) => a.action !== 'unchanged');
      for (const a of changed) print(`  ${a.kind} ${a.name} ${a.action}`);
      for (const p of result.pruned) print(`  ${p.kind} ${p.name} pruned`);
      for (const r of result.removed) print(`  ${r} removed (canary ended)`);
      if (result.canary) print(`Canary ${result.canary.version}: ${result.canary.weight} % of the traffic.`);
    },
  };
}

/** Whether the cluster answers; the reason when not (then the render is client-side). */
async function reachable(
  ctx: CommandContext,
  loaded: LoadedConfig,
  flags: DeployFlags,
): Promise<{ cluster: ClusterClient } | { reason: string }> {
  try {
    const cluster = await ctx.cluster(loaded, flags.context);
    await cluster.serverVersion(ctx.process.signal);
    return { cluster };
  } catch (error) {
    if (MlopsError.is(error) && error.code.startsWith('MLOPS_CLUSTER_')) return { reason: error.message };
    throw error;
  }
}

/** `--dry-run` / `--output yaml|json`: the manifests deploy would apply, with the pull secret redacted. */
export async function printManifests(ctx: CommandContext, flags: DeployFlags): Promise<CommandOutput> {
  const { loaded, image, model, canary, credentials } = await inputs(ctx, flags);
  const { config } = loaded;
  const [serving, { namespaceObject }, { discoverApis, readDashboard }, { pullSecretName }] =
    await Promise.all([
      import('../../manifests/serving/index.js'),
      import('../../manifests/namespace.js'),
      import('../../core/deploy/plan.js'),
      import('../../core/pull-secret.js'),
    ]);
  const namespace = config.cluster.servingNamespace;
  const target = await reachable(ctx, loaded, flags);
  const apis: OptionalApis =
    'cluster' in target
      ? await discoverApis(target.cluster, namespace, ctx.process.signal)
      : { monitoring: true, istio: config.deploy.expose === 'istio' || canary !== undefined };
  if (canary && !apis.istio) {
    throw usageError(
      "A canary needs Istio, and the cluster does not serve Istio's networking.istio.io CRDs (VirtualService, DestinationRule).",
      'MLOPS_DEPLOY_E5206',
      'Install Istio (mlops infra up --stack addons), or deploy the version for everyone with mlops promote VERSION.',
    );
  }
  const secretName = credentials ? pullSecretName(config.name) : undefined;
  const objects: KubeObject[] = [
    namespaceObject(namespace, config.name),
    ...(credentials
      ? [
          serving.redactedPullSecret({
            name: secretName!,
            namespace,
            model: config.name,
            registry: credentials.host,
          }),
        ]
      : []),
    ...serving.renderServingStack({
      config,
      image,
      model,
      canary,
      pullSecretName: secretName,
      apis,
      env: ctx.globals.env,
      dashboardJson: apis.monitoring ? await readDashboard() : undefined,
    }),
  ];
  let mode: 'server' | 'client';
  let said: string;
  if ('cluster' in target) {
    for (const object of objects)
      await target.cluster.apply(object, { dryRun: true, signal: ctx.process.signal });
    mode = 'server';
    said = `Server-side dry run against ${target.cluster.server}: the API server accepted all ${objects.length} objects; nothing was applied.`;
  } else {
    mode = 'client';
    said = `Client-side dry run (rendered only, not checked by a server: ${target.reason}); nothing was applied.`;
  }
  ctx.io.notify(info('dry-run', said, { mode, objects: objects.map((o) => `${o.kind}/${o.metadata.name}`) }));
  const format = flags.output;
  const text =
    format === 'json'
      ? JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)
      : format === 'yaml'
        ? await yamlStream(objects)
        : undefined;
  return {
    json: { mode, objects },
    human: (print) => {
      if (text !== undefined) print(text);
      else for (const o of objects) print(`${o.kind} ${o.metadata.name}`);
    },
  };
}

async function yamlStream(objects: readonly KubeObject[]): Promise<string> {
  const { stringify } = await import('yaml');
  return objects.map((o) => `---\n${stringify(o).trimEnd()}`).join('\n');
}
