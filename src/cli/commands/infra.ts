import type { InfraApplyResult, InfraOptions } from '../../core/infra.js';
import { defineCommand, type OptionSpec } from '../command.js';
import type { CommandContext } from '../context.js';
import { table } from '../terminal.js';

interface InfraFlags {
  stack?: string;
  out?: string;
  autoApprove?: boolean;
}

const STACK: OptionSpec = {
  flags: '--stack <name>',
  description: 'only this stack: network, cluster, addons or registry',
};
const OUT: OptionSpec = {
  flags: '--out <dir>',
  description: 'synthesis directory (default: .mlops/infra beside the config)',
};
const APPROVE: OptionSpec = {
  flags: '--auto-approve',
  description: 'do not ask for confirmation (required headless)',
};

/** The shared inputs of every infra use-case; cdktf and terraform are loaded only here, on demand. */
async function infraOptions(ctx: CommandContext, flags: InfraFlags): Promise<InfraOptions> {
  const [loaded, { createInfraRunner }, path] = await Promise.all([
    ctx.config(),
    import('../../../providers/aws/infra/terraform-runner.js'),
    import('node:path'),
  ]);
  return {
    config: loaded.config,
    configDir: loaded.dir,
    io: ctx.io,
    runner: createInfraRunner(ctx.process.env),
    stack: flags.stack,
    outDir: flags.out ? path.resolve(ctx.process.cwd, flags.out) : undefined,
    autoApprove: flags.autoApprove,
    signal: ctx.process.signal,
  };
}

const summaryCell = (s: { add: number; change: number; destroy: number } | null): string =>
  s ? `+${s.add} ~${s.change} -${s.destroy}` : '-';

export const infraSynth = defineCommand<InfraFlags>({
  name: 'infra synth',
  summary: 'synthesize the CDKTF stacks to Terraform JSON (DIR/stacks/<stack>/cdk.tf.json)',
  options: [STACK, OUT],
  examples: ['mlops infra synth --out cdktf.out', 'mlops infra synth --stack registry --json'],
  async handler(ctx, _args, flags) {
    const { synthInfra } = await import('../../core/infra.js');
    const result = await synthInfra(await infraOptions(ctx, flags));
    return {
      json: result,
      human: (print) => {
        print(
          table(
            ['STACK', 'RESOURCES', 'DATA SOURCES', 'OUTPUTS'],
            result.stacks.map((s) => [
              s.stack,
              String(s.resources),
              String(s.dataSources),
              String(s.outputs),
            ]),
          ),
        );
        print();
        print(`Written to ${result.outDir}/stacks/`);
        if (result.defaults.length === 0) return;
        print();
        print('Not in the config, so derived for this synthesis (`mlops infra plan` needs them set):');
        for (const d of result.defaults) {
          print(`  ${d.setting} = ${d.value}: ${d.reason}.`);
          print(`    To set it: ${d.howToSet}.`);
        }
      },
    };
  },
});

export const infraPlan = defineCommand<InfraFlags>({
  name: 'infra plan',
  summary: 'terraform init + plan every stack in dependency order, with a summary per stack',
  options: [STACK, OUT],
  async handler(ctx, _args, flags) {
    const { planInfra } = await import('../../core/infra.js');
    const result = await planInfra(await infraOptions(ctx, flags));
    return {
      json: result,
      human: (print) => {
        print(
          table(
            ['STACK', 'STATUS', 'CHANGES'],
            result.stacks.map((s) => [
              s.stack,
              s.status,
              s.status === 'deferred' ? (s.reason ?? 'after upstream stacks') : summaryCell(s.summary),
            ]),
          ),
        );
        print();
        print(
          `Total: ${result.total.add} to add, ${result.total.change} to change, ${result.total.destroy} to destroy.`,
        );
      },
    };
  },
});

const applyOutput = (result: InfraApplyResult) => ({
  json: result,
  exitCode: result.completed ? 0 : 1,
  human: (print: (line?: string) => void) =>
    print(
      table(
        ['STACK', 'STATUS', 'CHANGES'],
        result.stacks.map((s) => [s.stack, s.status, summaryCell(s.summary)]),
      ),
    ),
});

export const infraUp = defineCommand<InfraFlags>({
  name: 'infra up',
  summary: 'plan, confirm and apply the stacks (headless: --auto-approve)',
  options: [STACK, OUT, APPROVE],
  examples: ['mlops infra up', 'mlops infra up --auto-approve --env production'],
  async handler(ctx, _args, flags) {
    const { applyInfra } = await import('../../core/infra.js');
    return applyOutput(await applyInfra(await infraOptions(ctx, flags)));
  },
});

export const infraDown = defineCommand<InfraFlags>({
  name: 'infra down',
  summary: 'destroy the stacks in reverse order after a typed confirmation (headless: --auto-approve)',
  options: [STACK, OUT, APPROVE],
  async handler(ctx, _args, flags) {
    const { destroyInfra } = await import('../../core/infra.js');
    return applyOutput(await destroyInfra(await infraOptions(ctx, flags)));
  },
});

export const infraOutput = defineCommand<InfraFlags>({
  name: 'infra output',
  summary: "print the stacks' outputs (VPC, cluster endpoint, role ARNs, bucket, repositories)",
  options: [STACK, OUT],
  async handler(ctx, _args, flags) {
    const core = await import('../../core/infra.js');
    const result = await core.infraOutput(await infraOptions(ctx, flags));
    // A sensitive output's value is never printed, in JSON either (`terraform output -raw NAME` shows it).
    const redacted = {
      ...result,
      stacks: Object.fromEntries(
        Object.entries(result.stacks).map(([stack, outputs]) => [
          stack,
          outputs &&
            Object.fromEntries(
              Object.entries(outputs).map(([name, o]) => [name, o.sensitive ? { sensitive: true } : o]),
            ),
        ]),
      ),
    };
    return {
      json: redacted,
      human: (print) => {
        const rows = Object.entries(result.stacks).flatMap(([stack, outputs]) =>
          Object.entries(outputs ?? {}).map(([name, o]) => [
            stack,
            name,
            o.sensitive ? '(sensitive)' : typeof o.value === 'string' ? o.value : JSON.stringify(o.value),
          ]),
        );
        print(
          rows.length
            ? table(['STACK', 'OUTPUT', 'VALUE'], rows)
            : 'No outputs yet: run `mlops infra up` first.',
        );
      },
    };
  },
});

interface KubeconfigFlags extends InfraFlags {
  kubeconfig?: string;
  context?: string;
  setCurrent?: boolean;
}

export const infraKubeconfig = defineCommand<KubeconfigFlags>({
  name: 'infra kubeconfig',
  summary:
    "write or merge a kubeconfig context for the stacks' EKS cluster (its user runs `mlops eks-token`)",
  options: [
    OUT,
    {
      flags: '--kubeconfig <path>',
      description: 'the file to write (default: the first of KUBECONFIG, else ~/.kube/config)',
    },
    { flags: '--context <name>', description: 'the context name (default: mlops-<cluster>-<region>)' },
    { flags: '--no-set-current', description: 'do not make it the current context' },
  ],
  examples: [
    'mlops infra kubeconfig',
    'mlops infra kubeconfig --env production --context prod --no-set-current',
  ],
  async handler(ctx, _args, flags) {
    const { writeKubeconfig } = await import('../../core/kubeconfig.js');
    const result = await writeKubeconfig({
      ...(await infraOptions(ctx, { out: flags.out })),
      env: ctx.process.env,
      cwd: ctx.process.cwd,
      kubeconfig: flags.kubeconfig,
      context: flags.context,
      setCurrent: flags.setCurrent !== false,
    });
    return {
      json: result,
      human: (print) => {
        const what = result.changed ? 'Wrote' : 'Already up to date:';
        print(
          `${what} context ${result.context} (cluster ${result.cluster}, ${result.server}) in ${result.kubeconfig}.`,
        );
        print(
          result.currentContext
            ? 'It is the current context: kubectl and mlops use it from now on.'
            : `Use it with: kubectl --context ${result.context} … (or cluster.context in the config).`,
        );
      },
    };
  },
});
