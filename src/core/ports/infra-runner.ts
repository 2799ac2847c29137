import type { MlopsConfig } from '../../config/schema.js';
import type { IoHost } from '../../kernel/io-host.js';

/**
 * The port between the infra use-cases and whatever turns the stacks into cloud resources (CDKTF +
 * the terraform binary in providers/aws). Core decides order, confirmation and reporting; the runner
 * only synthesizes and runs one stack at a time.
 */

export type StackName = 'network' | 'cluster' | 'addons' | 'registry';

/** Dependency order: network → cluster → addons; registry depends on nothing and nothing on it. */
export const STACK_NAMES: readonly StackName[] = ['registry', 'network', 'cluster', 'addons'];

export interface SynthRequest {
  readonly config: MlopsConfig;
  /** Where `stacks/<stack>/cdk.tf.json` are written (CDKTF's layout). */
  readonly outDir: string;
  /** Only this stack (and, unwritten to the result, the stacks it references); all when absent. */
  readonly stack?: StackName;
  /**
   * `preview` (`infra synth`): settings only a deployment needs may be left open (a registry not on S3
   * gets a derived bucket name, S3 state without a bucket becomes local state), each reported in
   * `defaults`. `deploy` (what terraform runs): every missing or invalid setting is an error, all of
   * them listed at once.
   */
  readonly purpose: 'preview' | 'deploy';
  /** The project directory (of the config file): derived names hash it, so they are stable per project. */
  readonly projectDir: string;
}

/** A value synthesis chose because the configuration leaves it open (`preview` only). */
export interface DerivedSetting {
  /** The config field it stands for, e.g. `infra.bucketName`, `infra.state`. */
  readonly setting: string;
  readonly value: string;
  /** Why it was derived, and what to set instead (plan and up need it set). */
  readonly reason: string;
  readonly howToSet: string;
}

export interface SynthesizedStack {
  readonly stack: StackName;
  /** The stack's working directory, where terraform runs. */
  readonly directory: string;
  readonly resources: number;
  readonly dataSources: number;
  readonly outputs: number;
}

export interface SynthResult {
  readonly outDir: string;
  readonly stacks: readonly SynthesizedStack[];
  readonly defaults: readonly DerivedSetting[];
}

export interface PlanSummary {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
}

export interface ResourceChange {
  readonly address: string;
  /** terraform's actions: create, update, delete, or delete+create for a replacement. */
  readonly actions: readonly string[];
}

export interface StackPlan {
  readonly stack: StackName;
  readonly directory: string;
  /** The saved plan; `apply` runs exactly this, so what was confirmed is what happens. */
  readonly planFile: string;
  readonly destroy: boolean;
  readonly summary: PlanSummary;
  readonly changes: readonly ResourceChange[];
}

export interface StackOutputValue {
  readonly value: unknown;
  readonly sensitive: boolean;
}

export interface RunnerContext {
  readonly io: IoHost;
  readonly signal?: AbortSignal;
}

export interface InfraRunner {
  /** Verifies the engine is usable (terraform present and recent enough); returns its version. */
  check(context: RunnerContext): Promise<{ readonly version: string }>;
  synth(request: SynthRequest): Promise<SynthResult>;
  init(stack: SynthesizedStack, context: RunnerContext): Promise<void>;
  /** A saved plan and its summary; with `destroy`, the plan that removes the stack's resources. */
  plan(
    stack: SynthesizedStack,
    options: { readonly destroy?: boolean },
    context: RunnerContext,
  ): Promise<StackPlan>;
  /** Applies a saved plan (create/update, or destroy when the plan was made with `destroy`). */
  apply(plan: StackPlan, context: RunnerContext): Promise<void>;
  output(stack: SynthesizedStack, context: RunnerContext): Promise<Record<string, StackOutputValue>>;
  /** Addresses of the resources in the stack's state ([] before the first apply). */
  stateResources(stack: SynthesizedStack, context: RunnerContext): Promise<string[]>;
}
