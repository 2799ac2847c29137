import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/kernel/errors.js';
import {
  applyInfra,
  destroyInfra,
  infraOutput,
  planInfra,
  selectStacks,
  synthInfra,
  type InfraOptions,
} from '../../src/core/infra.js';
import { workloadIdentities } from '../../src/manifests/workload-identities.js';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import type {
  InfraRunner,
  PlanSummary,
  StackName,
  StackOutputValue,
  StackPlan,
  SynthesizedStack,
  SynthRequest,
  SynthResult,
} from '../../src/core/ports/infra-runner.js';
import { makeConfig, PersonIoHost } from './fixtures.js';

/** Records what the core asks of the runner; plans come from a table. */
class ScriptedRunner implements InfraRunner {
  readonly calls: string[] = [];
  synthRequests: SynthRequest[] = [];

  constructor(
    private readonly summaries: Partial<Record<StackName, PlanSummary>> = {},
    /** What synthesis throws (a configuration problem), if anything. */
    private readonly refuse?: MlopsError,
    private readonly defaults: SynthResult['defaults'] = [],
  ) {}

  async check(): Promise<{ version: string }> {
    this.calls.push('check');
    return { version: '1.11.4' };
  }

  async synth(request: SynthRequest): Promise<SynthResult> {
    this.synthRequests.push(request);
    if (this.refuse) throw this.refuse;
    const names: StackName[] = request.stack ? [request.stack] : ['network', 'cluster', 'addons', 'registry'];
    return {
      outDir: request.outDir,
      stacks: names.map((stack) => ({
        stack,
        directory: `${request.outDir}/stacks/${stack}`,
        resources: 3,
        dataSources: 0,
        outputs: 1,
      })),
      defaults: this.defaults,
    };
  }

  async init(stack: SynthesizedStack): Promise<void> {
    this.calls.push(`init ${stack.stack}`);
  }

  async plan(stack: SynthesizedStack, options: { destroy?: boolean }): Promise<StackPlan> {
    this.calls.push(`plan${options.destroy ? ' -destroy' : ''} ${stack.stack}`);
    const summary = this.summaries[stack.stack] ?? { add: 0, change: 0, destroy: 0 };
    return {
      stack: stack.stack,
      directory: stack.directory,
      planFile: 'p',
      destroy: options.destroy === true,
      summary,
      changes: [],
    };
  }

  async apply(plan: StackPlan): Promise<void> {
    this.calls.push(`apply${plan.destroy ? ' -destroy' : ''} ${plan.stack}`);
  }

  /** A stack with a scripted plan has been applied before; the others have empty state. */
  async stateResources(stack: SynthesizedStack): Promise<string[]> {
    return this.summaries[stack.stack] ? [`aws_thing.${stack.stack}`] : [];
  }

  async output(stack: SynthesizedStack): Promise<Record<string, StackOutputValue>> {
    this.calls.push(`output ${stack.stack}`);
    return { [`${stack.stack}_id`]: { value: `${stack.stack}-1`, sensitive: false } };
  }
}

const config = makeConfig({ registry: 's3://iris-models', infra: { state: { backend: 'local' } } });
const changes = { add: 2, change: 1, destroy: 0 };

const options = (
  runner: InfraRunner,
  io = new MemoryIoHost(),
  extra: Partial<InfraOptions> = {},
): InfraOptions => ({
  config,
  configDir: '/project',
  io,
  runner,
  ...extra,
});

async function rejection(promise: Promise<unknown>): Promise<MlopsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!MlopsError.is(error)) throw new Error(`expected an MlopsError, got ${String(error)}`);
  return error;
}

describe('stack selection', () => {
  it('orders all stacks by dependency, the registry first', () => {
    expect(selectStacks(undefined)).toEqual(['registry', 'network', 'cluster', 'addons']);
    expect(selectStacks('cluster')).toEqual(['cluster']);
  });

  it('refuses an unknown --stack as a usage error (MLOPS_INFRA_E7003)', async () => {
    const error = await rejection(
      planInfra(options(new ScriptedRunner(), new MemoryIoHost(), { stack: 'vpc' })),
    );
    expect(error.code).toBe('MLOPS_INFRA_E7003');
    expect(error.source).toBe('usage');
    expect(error.hint).toContain('network, cluster, addons, registry');
  });
});

describe('synthInfra', () => {
  it('synthesizes into <configDir>/.mlops/infra by default and reports counts', async () => {
    const runner = new ScriptedRunner();
    const io = new MemoryIoHost();
    const result = await synthInfra(options(runner, io));
    expect(result.outDir).toBe('/project/.mlops/infra');
    expect(result.stacks.map((s) => s.stack)).toEqual(['registry', 'network', 'cluster', 'addons']);
    expect(runner.calls).toEqual([]); // synthesis needs no terraform
    expect(io.events.filter((e) => e.event === 'stack-synthesized')).toHaveLength(4);
  });

  it('passes --stack and --out through', async () => {
    const runner = new ScriptedRunner();
    const result = await synthInfra(
      options(runner, new MemoryIoHost(), { stack: 'addons', outDir: '/tmp/x' }),
    );
    expect(runner.synthRequests[0]).toMatchObject({ outDir: '/tmp/x', stack: 'addons' });
    expect(result.stacks.map((s) => s.stack)).toEqual(['addons']);
  });
});

describe('purpose of synthesis', () => {
  const derived = {
    setting: 'infra.bucketName',
    value: 'iris-models-0123abcd',
    reason: 'the registry is not on S3',
    howToSet: 'set registry to "s3://BUCKET/PREFIX"',
  };

  it('synth previews: it reports each derived setting and how to set it', async () => {
    const runner = new ScriptedRunner({}, undefined, [derived]);
    const io = new MemoryIoHost();
    const result = await synthInfra(options(runner, io));
    expect(runner.synthRequests[0]).toMatchObject({ purpose: 'preview', projectDir: '/project' });
    expect(result.defaults).toEqual([derived]);
    const event = io.events.find((e) => e.event === 'setting-derived');
    expect(event?.data).toEqual(derived);
    expect(event?.message).toContain('iris-models-0123abcd');
    expect(event?.message).toContain('s3://BUCKET/PREFIX');
  });

  it.each([
    ['plan', planInfra],
    ['up', applyInfra],
    ['down', destroyInfra],
    ['output', infraOutput],
  ] as const)(
    '%s synthesizes for a deployment, before terraform is even looked for',
    async (_name, action) => {
      const problem = new MlopsError('2 infrastructure settings are missing or invalid', {
        code: 'MLOPS_INFRA_E7006',
        hint: 'set them',
        source: 'config',
      });
      const runner = new ScriptedRunner({}, problem);
      const error = await rejection(action(options(runner)));
      expect(error).toBe(problem);
      expect(runner.synthRequests[0]?.purpose).toBe('deploy');
      expect(runner.calls).toEqual([]);
    },
  );
});

describe('waits', () => {
  it('show a spinner without a total for each terraform step, stopped before any question', async () => {
    const io = new PersonIoHost([true]);
    await applyInfra(options(new ScriptedRunner({ registry: changes }), io, { stack: 'registry' }));
    expect(io.timeline).toEqual([
      'start registry: terraform init',
      'done registry: terraform init',
      'start registry: terraform plan',
      'done registry: terraform plan',
      'ask Apply registry (2 to add, 1 to change, 0 to destroy)?',
      'start registry: terraform apply',
      'done registry: terraform apply',
    ]);
  });

  it('stop the spinner when terraform fails', async () => {
    const io = new PersonIoHost([]);
    const runner = new ScriptedRunner();
    runner.init = () =>
      Promise.reject(
        new MlopsError('terraform init failed', { code: 'MLOPS_INFRA_E7002', hint: 'see its output' }),
      );
    await rejection(planInfra(options(runner, io, { stack: 'network' })));
    expect(io.timeline).toEqual(['start network: terraform init', 'done network: terraform init']);
  });
});

describe('planInfra', () => {
  it('plans in dependency order and defers stacks whose upstream has pending changes', async () => {
    const runner = new ScriptedRunner({ network: changes, registry: changes });
    const result = await planInfra(options(runner));
    expect(runner.calls).toEqual(['check', 'init registry', 'plan registry', 'init network', 'plan network']);
    expect(result.stacks.map((s) => [s.stack, s.status])).toEqual([
      ['registry', 'planned'],
      ['network', 'planned'],
      ['cluster', 'deferred'],
      ['addons', 'deferred'],
    ]);
    expect(result.stacks[2]!.reason).toContain('network');
    expect(result.total).toEqual({ add: 4, change: 2, destroy: 0 });
  });

  it('plans every stack when the upstream stacks are up to date', async () => {
    const runner = new ScriptedRunner({ addons: changes });
    const result = await planInfra(options(runner));
    expect(result.stacks.every((s) => s.status === 'planned')).toBe(true);
    expect(result.total).toEqual(changes);
  });
});

describe('applyInfra', () => {
  it('refuses headless without --auto-approve (MLOPS_INFRA_E7004) and applies nothing', async () => {
    const runner = new ScriptedRunner({ registry: changes });
    const error = await rejection(applyInfra(options(runner)));
    expect(error.code).toBe('MLOPS_INFRA_E7004');
    expect(error.source).toBe('usage');
    expect(error.hint).toContain('--auto-approve');
    expect(runner.calls.filter((c) => c.startsWith('apply'))).toEqual([]);
  });

  it('applies headless with autoApprove, stack by stack, skipping unchanged ones', async () => {
    const runner = new ScriptedRunner({ network: changes, cluster: changes });
    const result = await applyInfra(options(runner, new MemoryIoHost(), { autoApprove: true }));
    expect(runner.calls).toEqual([
      'check',
      'init registry',
      'plan registry',
      'init network',
      'plan network',
      'apply network',
      'init cluster',
      'plan cluster',
      'apply cluster',
      'init addons',
      'plan addons',
    ]);
    expect(result.stacks.map((s) => s.status)).toEqual(['unchanged', 'applied', 'applied', 'unchanged']);
    expect(result.completed).toBe(true);
  });

  it('confirms each changing stack with its summary; a "no" stops before anything downstream', async () => {
    const runner = new ScriptedRunner({ registry: changes, network: changes, cluster: changes });
    const io = new PersonIoHost([true, false]);
    const result = await applyInfra(options(runner, io));
    expect(io.asked.map((r) => [r.kind, r.flag])).toEqual([
      ['confirm', '--auto-approve'],
      ['confirm', '--auto-approve'],
    ]);
    expect(io.asked[0]!.message).toContain('registry (2 to add, 1 to change, 0 to destroy)');
    expect(runner.calls.filter((c) => c.startsWith('apply'))).toEqual(['apply registry']);
    expect(result.stacks.map((s) => s.status)).toEqual(['applied', 'declined', 'skipped', 'skipped']);
    expect(result.completed).toBe(false);
  });
});

describe('destroyInfra', () => {
  const everything = { add: 0, change: 0, destroy: 5 };

  it('plans all destroys in reverse order, asks once for the typed cluster name, then destroys', async () => {
    const runner = new ScriptedRunner({
      network: everything,
      cluster: everything,
      addons: everything,
      registry: everything,
    });
    const io = new PersonIoHost(['iris-cluster']);
    const result = await destroyInfra(options(runner, io));
    expect(runner.calls).toEqual([
      'check',
      'init addons',
      'plan -destroy addons',
      'init cluster',
      'plan -destroy cluster',
      'init network',
      'plan -destroy network',
      'init registry',
      'plan -destroy registry',
      'apply -destroy addons',
      'apply -destroy cluster',
      'apply -destroy network',
      'apply -destroy registry',
    ]);
    const question = io.asked[0]!;
    expect(question).toMatchObject({ kind: 'input', flag: '--auto-approve' });
    expect(question.message).toContain('20 resources');
    if (question.kind !== 'input') throw new Error('expected an input request');
    expect(question.validate?.('iris')).not.toBe(true);
    expect(question.validate?.('iris-cluster')).toBe(true);
    expect(result.completed).toBe(true);
  });

  it('skips stacks that were never applied (nothing to plan, nothing to ask)', async () => {
    const runner = new ScriptedRunner({ network: everything });
    const io = new PersonIoHost(['iris-cluster']);
    const result = await destroyInfra(options(runner, io));
    expect(runner.calls.filter((c) => c.startsWith('plan') || c.startsWith('apply'))).toEqual([
      'plan -destroy network',
      'apply -destroy network',
    ]);
    expect(result.stacks.map((s) => [s.stack, s.status])).toEqual([
      ['addons', 'unchanged'],
      ['cluster', 'unchanged'],
      ['network', 'applied'],
      ['registry', 'unchanged'],
    ]);
    const none = await destroyInfra(options(new ScriptedRunner(), new PersonIoHost([])));
    expect(none.stacks.every((s) => s.status === 'unchanged')).toBe(true);
  });

  it('destroys nothing when the typed name does not match', async () => {
    const runner = new ScriptedRunner({ registry: everything });
    const result = await destroyInfra(options(runner, new PersonIoHost(['wrong']), { stack: 'registry' }));
    expect(runner.calls.filter((c) => c.startsWith('apply'))).toEqual([]);
    expect(result.completed).toBe(false);
  });

  it('asks for the project name when only the registry goes', async () => {
    const io = new PersonIoHost(['iris']);
    await destroyInfra(options(new ScriptedRunner({ registry: everything }), io, { stack: 'registry' }));
    expect(io.asked[0]!.message).toContain('"iris"');
  });

  it('refuses headless without --auto-approve (MLOPS_INFRA_E7004)', async () => {
    const runner = new ScriptedRunner({ network: everything });
    const error = await rejection(destroyInfra(options(runner)));
    expect(error.code).toBe('MLOPS_INFRA_E7004');
    expect(runner.calls.filter((c) => c.startsWith('apply'))).toEqual([]);
  });
});

describe('infraOutput and workload identities', () => {
  it('collects the outputs of each stack', async () => {
    const result = await infraOutput(
      options(new ScriptedRunner(), new MemoryIoHost(), { stack: 'registry' }),
    );
    expect(result.stacks).toEqual({ registry: { registry_id: { value: 'registry-1', sensitive: false } } });
  });

  it('names the service accounts the IRSA roles trust', () => {
    expect(workloadIdentities(config)).toEqual({
      training: { namespace: 'training', serviceAccount: 'iris-training' },
      serving: { namespace: 'serving', serviceAccount: 'iris-serving' },
    });
  });
});
