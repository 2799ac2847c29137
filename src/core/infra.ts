import path from 'node:path';
import type { MlopsConfig } from '../config/schema.js';
import { MlopsError, usageError } from '../kernel/errors.js';
import type { IoHost } from '../kernel/io-host.js';
import {
  STACK_NAMES,
  type DerivedSetting,
  type InfraRunner,
  type PlanSummary,
  type ResourceChange,
  type RunnerContext,
  type StackName,
  type StackOutputValue,
  type StackPlan,
  type SynthesizedStack,
} from './ports/infra-runner.js';

/**
 * The `mlops infra` use-cases: synthesize the stacks, plan them in dependency order, apply or destroy
 * them after a confirmation, read their outputs. Terraform itself is behind the InfraRunner port.
 */

export interface InfraOptions {
  readonly config: MlopsConfig;
  /** The directory of the config file: the default synth directory lives under it, derived names hash it. */
  readonly configDir: string;
  readonly io: IoHost;
  readonly runner: InfraRunner;
  /** `--stack NAME`: only this stack. */
  readonly stack?: string;
  /** `--out DIR`; default `<configDir>/.mlops/infra`. */
  readonly outDir?: string;
  /** `--auto-approve`: apply/destroy without asking (required headless). */
  readonly autoApprove?: boolean;
  readonly signal?: AbortSignal;
}

/** Upstream stacks whose outputs a stack reads (through their Terraform state). */
const DEPENDS_ON: Record<StackName, readonly StackName[]> = {
  network: [],
  cluster: ['network'],
  addons: ['network', 'cluster'],
  registry: [],
};

export const defaultInfraDir = (configDir: string): string => path.resolve(configDir, '.mlops', 'infra');

/** `--stack` → the stacks to act on, in dependency order; all of them without `--stack`. */
export function selectStacks(stack: string | undefined): StackName[] {
  if (stack === undefined) return [...STACK_NAMES];
  const known = STACK_NAMES.find((name) => name === stack);
  if (!known) {
    throw usageError(
      `"${stack}" is not a stack`,
      'MLOPS_INFRA_E7003',
      'use --stack with one of: network, cluster, addons, registry',
    );
  }
  return [known];
}

const outDirOf = (options: InfraOptions): string =>
  options.outDir ? path.resolve(options.outDir) : defaultInfraDir(options.configDir);

const context = (options: InfraOptions): RunnerContext => ({ io: options.io, signal: options.signal });

const hasChanges = (s: PlanSummary): boolean => s.add + s.change + s.destroy > 0;

export const describeSummary = (s: PlanSummary): string =>
  `${s.add} to add, ${s.change} to change, ${s.destroy} to destroy`;

const addSummaries = (summaries: readonly PlanSummary[]): PlanSummary =>
  summaries.reduce(
    (t, s) => ({ add: t.add + s.add, change: t.change + s.change, destroy: t.destroy + s.destroy }),
    {
      add: 0,
      change: 0,
      destroy: 0,
    },
  );

/**
 * Runs `work` under a spinner (a wait without a known total: terraform, S3 calls). The spinner stops
 * before anything else can ask a question; lines printed meanwhile (terraform's) go above it.
 */
export async function waiting<T>(io: IoHost, label: string, work: () => Promise<T>): Promise<T> {
  const progress = io.progress(label);
  try {
    return await work();
  } finally {
    progress.done();
  }
}

/**
 * Synthesizes the stacks; `deploy` (everything that runs terraform) first checks that every setting a
 * deployment needs is there, and reports all that are not in one configuration error.
 */
async function synthesize(
  options: InfraOptions,
  stacks: readonly StackName[],
  purpose: 'preview' | 'deploy',
): Promise<{ stacks: SynthesizedStack[]; defaults: readonly DerivedSetting[] }> {
  const only = options.stack === undefined ? undefined : stacks[0];
  const result = await options.runner.synth({
    config: options.config,
    outDir: outDirOf(options),
    stack: only,
    purpose,
    projectDir: options.configDir,
  });
  const synthesized = stacks.map((name) => {
    const stack = result.stacks.find((s) => s.stack === name);
    if (!stack) {
      throw new MlopsError(`synthesis produced no ${name} stack`, {
        code: 'MLOPS_INTERNAL_E9000',
        hint: 'This is a bug in mlops. Run again with --verbose and report the output.',
        source: 'internal',
      });
    }
    return stack;
  });
  return { stacks: synthesized, defaults: result.defaults };
}

/** The deploy-mode synthesis, then the terraform check: configuration problems come before tool ones. */
async function prepare(options: InfraOptions, names: readonly StackName[]): Promise<SynthesizedStack[]> {
  const { stacks } = await synthesize(options, names, 'deploy');
  await options.runner.check(context(options));
  return stacks;
}

const initStack = (options: InfraOptions, stack: SynthesizedStack, ctx: RunnerContext): Promise<void> =>
  waiting(options.io, `${stack.stack}: terraform init`, () => options.runner.init(stack, ctx));

const planStack = (
  options: InfraOptions,
  stack: SynthesizedStack,
  destroy: boolean,
  ctx: RunnerContext,
): Promise<StackPlan> =>
  waiting(options.io, `${stack.stack}: terraform plan${destroy ? ' -destroy' : ''}`, () =>
    options.runner.plan(stack, { destroy }, ctx),
  );

// ---------------------------------------------------------------------------------------------- synth

export interface InfraSynthResult {
  readonly outDir: string;
  readonly stacks: readonly SynthesizedStack[];
  /** Values chosen because the config leaves them open (derived bucket name, local state). */
  readonly defaults: readonly DerivedSetting[];
}

/**
 * Writes `DIR/stacks/<stack>/cdk.tf.json` for every (or the selected) stack. Needs no terraform and
 * works in any project: what only a deployment needs (an S3 bucket, a state bucket) is derived when
 * absent, and each derived value is reported with the setting that replaces it.
 */
export async function synthInfra(options: InfraOptions): Promise<InfraSynthResult> {
  const names = selectStacks(options.stack);
  const { stacks, defaults } = await synthesize(options, names, 'preview');
  for (const s of stacks) {
    options.io.notify({
      level: 'info',
      event: 'stack-synthesized',
      message: `${s.stack}: ${s.resources} resources, ${s.dataSources} data sources, ${s.outputs} outputs`,
      data: s,
    });
  }
  for (const d of defaults) {
    options.io.notify({
      level: 'info',
      event: 'setting-derived',
      message: `${d.setting} = ${d.value}: ${d.reason}. Before \`mlops infra plan\`: ${d.howToSet}.`,
      data: d,
    });
  }
  return { outDir: outDirOf(options), stacks, defaults };
}

// ----------------------------------------------------------------------------------------------- plan

export interface StackPlanReport {
  readonly stack: StackName;
  /** `deferred`: an upstream stack has pending changes, so this plan would read stale outputs. */
  readonly status: 'planned' | 'deferred';
  readonly summary: PlanSummary | null;
  readonly changes: readonly ResourceChange[];
  readonly reason?: string;
}

export interface InfraPlanResult {
  readonly outDir: string;
  readonly stacks: readonly StackPlanReport[];
  /** Over the planned stacks. */
  readonly total: PlanSummary;
}

/** terraform init + plan per stack in dependency order, with a summary per stack. */
export async function planInfra(options: InfraOptions): Promise<InfraPlanResult> {
  const names = selectStacks(options.stack);
  const ctx = context(options);
  const stacks = await prepare(options, names);
  const reports: StackPlanReport[] = [];
  const pending = new Set<StackName>();
  for (const stack of stacks) {
    const blockedBy = DEPENDS_ON[stack.stack].filter((up) => pending.has(up));
    if (blockedBy.length > 0) {
      const reason = `planned after ${blockedBy.join(' and ')} ${blockedBy.length > 1 ? 'are' : 'is'} applied (it reads their outputs)`;
      options.io.notify({
        level: 'info',
        event: 'stack-deferred',
        message: `${stack.stack}: ${reason}`,
        data: { stack: stack.stack },
      });
      pending.add(stack.stack);
      reports.push({ stack: stack.stack, status: 'deferred', summary: null, changes: [], reason });
      continue;
    }
    await initStack(options, stack, ctx);
    const plan = await planStack(options, stack, false, ctx);
    if (hasChanges(plan.summary)) pending.add(stack.stack);
    notifyPlan(options.io, plan.stack, plan.summary, false);
    reports.push({ stack: stack.stack, status: 'planned', summary: plan.summary, changes: plan.changes });
  }
  const total = addSummaries(reports.flatMap((r) => (r.summary ? [r.summary] : [])));
  return { outDir: outDirOf(options), stacks: reports, total };
}

function notifyPlan(io: IoHost, stack: StackName, summary: PlanSummary, destroy: boolean): void {
  io.notify({
    level: 'info',
    event: 'stack-planned',
    message: `${stack}: ${hasChanges(summary) ? describeSummary(summary) : 'no changes'}`,
    data: { stack, summary, destroy },
  });
}

// ---------------------------------------------------------------------------------------------- apply

export type StackApplyStatus = 'applied' | 'unchanged' | 'declined' | 'skipped';

export interface StackApplyReport {
  readonly stack: StackName;
  readonly status: StackApplyStatus;
  readonly summary: PlanSummary | null;
}

export interface InfraApplyResult {
  readonly outDir: string;
  readonly stacks: readonly StackApplyReport[];
  /** False when a confirmation was declined: later stacks were not touched. */
  readonly completed: boolean;
}

/** Applies a saved plan (which creates or destroys), with an event before and after. */
async function runPlan(
  options: InfraOptions,
  ctx: RunnerContext,
  plan: StackPlan,
  kind: 'apply' | 'destroy',
): Promise<void> {
  const [doing, done] = kind === 'apply' ? ['Applying', 'applied'] : ['Destroying', 'destroyed'];
  options.io.notify({
    level: 'info',
    event: kind === 'apply' ? 'stack-applying' : 'stack-destroying',
    message: `${doing} ${plan.stack}…`,
    data: { stack: plan.stack },
  });
  await waiting(options.io, `${plan.stack}: terraform apply${plan.destroy ? ' (destroy)' : ''}`, () =>
    options.runner.apply(plan, ctx),
  );
  options.io.notify({
    level: 'info',
    event: kind === 'apply' ? 'stack-applied' : 'stack-destroyed',
    message: `${plan.stack} ${done}.`,
    data: { stack: plan.stack, summary: plan.summary },
  });
}

/** Asks for confirmation; headless without --auto-approve is a refusal naming the flag. */
async function confirm(
  io: IoHost,
  request: { kind: 'confirm'; message: string } | { kind: 'input'; message: string; expected: string },
): Promise<boolean> {
  try {
    if (request.kind === 'confirm') {
      return await io.request({ kind: 'confirm', message: request.message, flag: '--auto-approve' });
    }
    const typed = await io.request({
      kind: 'input',
      message: request.message,
      flag: '--auto-approve',
      validate: (value) =>
        value === request.expected || `type "${request.expected}" exactly, or press Ctrl-C`,
    });
    return typed === request.expected;
  } catch (error) {
    if (MlopsError.is(error) && error.code === 'MLOPS_USAGE_E1001') {
      throw new MlopsError(
        'refusing to change infrastructure without a confirmation, and nothing may prompt',
        {
          code: 'MLOPS_INFRA_E7004',
          hint: 'review `mlops infra plan`, then pass --auto-approve',
          source: 'usage',
          cause: error,
        },
      );
    }
    throw error;
  }
}

/**
 * Per stack in dependency order: plan, show the summary, confirm (unless autoApprove), apply the very
 * plan that was confirmed. Stacks plan only once their upstream stacks are applied, so each plan
 * reads real outputs.
 */
export async function applyInfra(options: InfraOptions): Promise<InfraApplyResult> {
  const names = selectStacks(options.stack);
  const ctx = context(options);
  const stacks = await prepare(options, names);
  const reports: StackApplyReport[] = [];
  for (const [index, stack] of stacks.entries()) {
    await initStack(options, stack, ctx);
    const plan = await planStack(options, stack, false, ctx);
    notifyPlan(options.io, stack.stack, plan.summary, false);
    if (!hasChanges(plan.summary)) {
      reports.push({ stack: stack.stack, status: 'unchanged', summary: plan.summary });
      continue;
    }
    const approved =
      options.autoApprove === true ||
      (await confirm(options.io, {
        kind: 'confirm',
        message: `Apply ${stack.stack} (${describeSummary(plan.summary)})?`,
      }));
    if (!approved) {
      reports.push({ stack: stack.stack, status: 'declined', summary: plan.summary });
      for (const rest of stacks.slice(index + 1))
        reports.push({ stack: rest.stack, status: 'skipped', summary: null });
      options.io.notify({
        level: 'warn',
        event: 'apply-declined',
        message: `${stack.stack} not applied; stopping.`,
      });
      return { outDir: outDirOf(options), stacks: reports, completed: false };
    }
    await runPlan(options, ctx, plan, 'apply');
    reports.push({ stack: stack.stack, status: 'applied', summary: plan.summary });
  }
  return { outDir: outDirOf(options), stacks: reports, completed: true };
}

// -------------------------------------------------------------------------------------------- destroy

/**
 * Destroys in reverse dependency order (add-ons before the cluster before the network, the registry
 * last: its bucket refuses to go while it holds models). All destroy plans are made first and
 * confirmed once: interactively by typing the cluster (or project) name.
 */
export async function destroyInfra(options: InfraOptions): Promise<InfraApplyResult> {
  const names = selectStacks(options.stack).reverse();
  const ctx = context(options);
  const stacks = await prepare(options, names);
  const plans: StackPlan[] = [];
  for (const stack of stacks) {
    await initStack(options, stack, ctx);
    // A stack never applied has nothing to destroy, and planning it would fail on the missing outputs
    // of the stacks it reads (after a partial `up`, say).
    const applied = await waiting(options.io, `${stack.stack}: terraform show`, () =>
      options.runner.stateResources(stack, ctx),
    );
    if (applied.length === 0) {
      options.io.notify({
        level: 'info',
        event: 'stack-planned',
        message: `${stack.stack}: nothing to destroy`,
        data: { stack: stack.stack },
      });
      continue;
    }
    const plan = await planStack(options, stack, true, ctx);
    notifyPlan(options.io, stack.stack, plan.summary, true);
    plans.push(plan);
  }
  const unchanged = (stack: StackName): StackApplyReport => ({ stack, status: 'unchanged', summary: null });
  const total = addSummaries(plans.map((p) => p.summary));
  if (!hasChanges(total)) {
    return { outDir: outDirOf(options), stacks: names.map(unchanged), completed: true };
  }
  if (options.autoApprove !== true) {
    // The cluster's name for anything that takes the cluster down, the project's for the registry alone.
    const expected = names.some((n) => n !== 'registry')
      ? (options.config.infra.clusterName ?? `${options.config.name}-cluster`)
      : options.config.name;
    const approved = await confirm(options.io, {
      kind: 'input',
      message: `This destroys ${total.destroy} resources (${names.join(', ')}). Type "${expected}" to confirm:`,
      expected,
    });
    if (!approved) {
      options.io.notify({ level: 'warn', event: 'destroy-declined', message: 'Nothing was destroyed.' });
      return {
        outDir: outDirOf(options),
        stacks: names.map((stack) => {
          const plan = plans.find((p) => p.stack === stack);
          return plan ? { stack, status: 'declined', summary: plan.summary } : unchanged(stack);
        }),
        completed: false,
      };
    }
  }
  const reports: StackApplyReport[] = [];
  for (const plan of plans) {
    if (!hasChanges(plan.summary)) {
      reports.push({ stack: plan.stack, status: 'unchanged', summary: plan.summary });
      continue;
    }
    await runPlan(options, ctx, plan, 'destroy');
    reports.push({ stack: plan.stack, status: 'applied', summary: plan.summary });
  }
  return {
    outDir: outDirOf(options),
    stacks: names.map((stack) => reports.find((r) => r.stack === stack) ?? unchanged(stack)),
    completed: true,
  };
}

// --------------------------------------------------------------------------------------------- output

export interface InfraOutputResult {
  readonly stacks: Partial<Record<StackName, Record<string, StackOutputValue>>>;
}

/** The stacks' outputs (VPC id, cluster endpoint, role ARNs, bucket, repository URLs …). */
export async function infraOutput(options: InfraOptions): Promise<InfraOutputResult> {
  const names = selectStacks(options.stack);
  const ctx = context(options);
  const stacks = await prepare(options, names);
  const result: Partial<Record<StackName, Record<string, StackOutputValue>>> = {};
  for (const stack of stacks) {
    await initStack(options, stack, ctx);
    result[stack.stack] = await waiting(options.io, `${stack.stack}: terraform output`, () =>
      options.runner.output(stack, ctx),
    );
  }
  return { stacks: result };
}
