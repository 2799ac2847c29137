import path from 'node:path';
import { execa } from 'execa';
import { MlopsError } from '../../../src/kernel/errors.js';
import type { Level } from '../../../src/kernel/io-host.js';
import type {
  InfraRunner,
  RunnerContext,
  StackOutputValue,
  StackPlan,
  SynthesizedStack,
  SynthRequest,
  SynthResult,
} from '../../../src/core/ports/infra-runner.js';
import { stateAddresses, summarizePlan } from './terraform-json.js';
import {
  isAtLeast,
  MIN_TERRAFORM_VERSION,
  parseTerraformVersion,
  TERRAFORM_INSTALL_HINT,
} from './terraform-version.js';

export interface TerraformRunnerOptions {
  /** The terraform executable, a name looked up on PATH or a path; default `terraform`. */
  readonly terraform?: string;
  /**
   * terraform's environment; default this process's, read at each run, so that whatever the user
   * set (AWS credentials and profiles, AWS_ENDPOINT_URL*, TF_CLI_CONFIG_FILE, TF_VAR_*, proxies)
   * applies exactly as it would to a terraform they ran themselves.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Outputs CDKTF adds to wire stacks together; plumbing, not something to show users. */
const CROSS_STACK_OUTPUT = /^cross-stack-output-/;

/** Lines worth showing without --verbose: resource progress and the result of each command. */
const NOTABLE =
  /^(Plan: |No changes\.|Apply complete!|Destroy complete!|\S+: (Creating|Creation complete|Modifying|Modifications complete|Destroying|Destruction complete|Still )|Terraform has been successfully initialized)/;

/** The InfraRunner of the CLI and the library: `terraform` from PATH, with the given environment. */
export function createInfraRunner(env: TerraformRunnerOptions['env']): InfraRunner {
  return new TerraformRunner({ env });
}

/** The InfraRunner on the `terraform` binary: CDKTF synthesis in-process, terraform via execa. */
export class TerraformRunner implements InfraRunner {
  private readonly terraform: string;
  private readonly env: TerraformRunnerOptions['env'];

  constructor(options: TerraformRunnerOptions = {}) {
    this.terraform = options.terraform ?? 'terraform';
    this.env = options.env;
  }

  async check(_context?: RunnerContext): Promise<{ version: string }> {
    const result = await execa(this.terraform, ['version', '-json'], {
      env: this.environment(),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: 30_000,
    });
    if (result.failed) {
      const missing = spawnFailed(result.cause);
      throw new MlopsError(
        missing
          ? `terraform was not found (${this.terraform})`
          : `"${this.terraform} version" failed: ${firstLine(result.stderr)}`,
        { code: 'MLOPS_INFRA_E7001', hint: TERRAFORM_INSTALL_HINT, cause: result.cause },
      );
    }
    const version = parseTerraformVersion(result.stdout);
    if (!version || !isAtLeast(version, MIN_TERRAFORM_VERSION)) {
      throw new MlopsError(
        `terraform ${version ?? '(unknown version)'} is older than ${MIN_TERRAFORM_VERSION}`,
        {
          code: 'MLOPS_INFRA_E7001',
          hint: TERRAFORM_INSTALL_HINT,
        },
      );
    }
    return { version };
  }

  async synth(request: SynthRequest): Promise<SynthResult> {
    // Loaded on demand: CDKTF and the provider bindings are the heaviest modules mlops has.
    const { synthStacks } = await import('./synth.js');
    return synthStacks(request);
  }

  async init(stack: SynthesizedStack, context: RunnerContext): Promise<void> {
    await this.run(stack, ['init', '-input=false', '-no-color'], context);
  }

  async plan(
    stack: SynthesizedStack,
    options: { readonly destroy?: boolean },
    context: RunnerContext,
  ): Promise<StackPlan> {
    const destroy = options.destroy === true;
    const planFile = path.join(stack.directory, destroy ? 'destroy.tfplan' : 'apply.tfplan');
    await this.run(
      stack,
      ['plan', '-input=false', '-no-color', `-out=${planFile}`, ...(destroy ? ['-destroy'] : [])],
      context,
    );
    const shown = await this.run(stack, ['show', '-json', '-no-color', planFile], context, { quiet: true });
    const { summary, changes } = summarizePlan(shown);
    return { stack: stack.stack, directory: stack.directory, planFile, destroy, summary, changes };
  }

  async apply(plan: StackPlan, context: RunnerContext): Promise<void> {
    // A saved plan applies without a prompt, and exactly as planned (terraform refuses a stale one).
    await this.run(
      { stack: plan.stack, directory: plan.directory },
      ['apply', '-input=false', '-no-color', plan.planFile],
      context,
    );
  }

  async output(stack: SynthesizedStack, context: RunnerContext): Promise<Record<string, StackOutputValue>> {
    const json = await this.run(stack, ['output', '-json', '-no-color'], context, { quiet: true });
    const parsed = JSON.parse(json || '{}') as Record<string, { value: unknown; sensitive?: boolean }>;
    return Object.fromEntries(
      Object.entries(parsed)
        .filter(([name]) => !CROSS_STACK_OUTPUT.test(name))
        .map(([name, o]) => [name, { value: o.value, sensitive: o.sensitive === true }]),
    );
  }

  async stateResources(stack: SynthesizedStack, context: RunnerContext): Promise<string[]> {
    // `show -json` rather than `state list`: it answers an absent state with an empty document
    // instead of failing, on every backend.
    const json = await this.run(stack, ['show', '-json', '-no-color'], context, { quiet: true });
    return stateAddresses(json);
  }

  private environment(): Record<string, string | undefined> {
    const base = this.env ?? process.env;
    return {
      // Terraform's upgrade check phones home on every run; off unless the user says otherwise.
      CHECKPOINT_DISABLE: '1',
      ...base,
      TF_IN_AUTOMATION: '1', // no "run terraform apply next" advice in the output we relay
      TF_INPUT: '0',
    };
  }

  /**
   * Runs one terraform command in the stack's directory, relaying each output line to the IoHost
   * (quiet commands: only collected, their stdout returned). Failure → MLOPS_INFRA_E7002 naming the
   * first terraform error.
   */
  private async run(
    stack: Pick<SynthesizedStack, 'stack' | 'directory'>,
    args: readonly string[],
    context: RunnerContext,
    options: { readonly quiet?: boolean } = {},
  ): Promise<string> {
    const command = args[0] ?? '';
    const subprocess = execa(this.terraform, args, {
      cwd: stack.directory,
      env: this.environment(),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      all: true,
      maxBuffer: 512 * 1024 * 1024, // a JSON plan of a large stack runs to many megabytes
      cancelSignal: context.signal,
      // Terraform stops cleanly on SIGINT (finishes in-flight calls, writes state, releases the lock);
      // a SIGKILL mid-apply can lose state, so there is no forced kill after a delay.
      killSignal: 'SIGINT',
      forceKillAfterDelay: false,
    });
    const errors: string[] = [];
    if (!options.quiet) {
      for await (const line of subprocess.iterable({ from: 'all' })) {
        if (/^\s*Error: /.test(line)) errors.push(line.trim());
        const level: Level = NOTABLE.test(line) ? 'info' : 'debug';
        if (line.trim() !== '') {
          context.io.notify({
            level,
            event: 'terraform',
            message: line,
            data: { stack: stack.stack, command },
          });
        }
      }
    }
    const result = await subprocess;
    if (spawnFailed(result.cause)) {
      throw new MlopsError(`terraform was not found (${this.terraform})`, {
        code: 'MLOPS_INFRA_E7001',
        hint: TERRAFORM_INSTALL_HINT,
        cause: result.cause,
      });
    }
    if (result.isCanceled) {
      throw new MlopsError(`terraform ${command} of the ${stack.stack} stack was interrupted`, {
        code: 'MLOPS_INTERRUPTED',
        hint: 'run the command again; terraform released its state lock',
      });
    }
    if (result.failed) {
      const detail =
        errors[0] ??
        result.stderr
          .split('\n')
          .map((l) => l.trim())
          .find((l) => l.startsWith('Error: ')) ??
        firstLine(result.stderr);
      throw new MlopsError(`terraform ${command} failed for the ${stack.stack} stack: ${detail}`, {
        code: 'MLOPS_INFRA_E7002',
        hint: `see terraform's output above (--verbose shows all of it), or run "terraform ${command}" in ${stack.directory}`,
      });
    }
    return result.stdout;
  }
}

/** The executable could not be started at all (absent, not executable), as opposed to failing. */
const spawnFailed = (cause: unknown): boolean => {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return code === 'ENOENT' || code === 'EACCES';
};

const firstLine = (text: string): string =>
  text
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim() ?? '(no output)';
