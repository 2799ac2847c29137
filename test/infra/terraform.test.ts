import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { destroyInfra, planInfra } from '../../src/core/infra.js';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import type { SynthesizedStack } from '../../src/core/ports/infra-runner.js';
import { TerraformRunner } from '../../providers/aws/infra/terraform-runner.js';
import { runMlops } from '../support/run-mlops.js';
import { NO_AWS_CREDENTIALS, stubEnv } from '../support/sealed-env.js';
import { offlineTerraformEnv, offlineTerraformMissing } from '../support/terraform-mirror.js';
import { tempDir } from '../support/temp-dir.js';
import { makeConfig } from './fixtures.js';

/**
 * terraform init/validate/plan against the synthesized stacks, offline: providers come from the
 * machine's filesystem mirror (DESIGN.md §6) through a CLI config file, and the AWS provider gets
 * fake credentials and its skip switches from the environment, exactly as a user of an AWS emulator
 * would set them. The helm provider is not in the mirror: the addons stack is covered by
 * stacks.test.ts on its synthesized JSON.
 */

const reason = offlineTerraformMissing();
const TIMEOUT = 240_000;

describe.skipIf(reason !== undefined)(`terraform, offline${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const dir = tempDir('mlops-terraform-');
  const outDir = path.join(dir, 'infra');
  const config = makeConfig({
    registry: 's3://iris-models/registry',
    infra: { state: { backend: 'local' } },
  });
  const runner = new TerraformRunner();
  const stacks: Record<string, SynthesizedStack> = {};

  beforeAll(async () => {
    const home = path.join(dir, 'home');
    mkdirSync(home);
    stubEnv({
      // terraform reads ~/.terraformrc and the AWS provider ~/.aws: an empty home of the test's
      HOME: home,
      TF_PLUGIN_CACHE_DIR: undefined,
      ...NO_AWS_CREDENTIALS,
      ...offlineTerraformEnv(dir),
    });
    const result = await runner.synth({ config, outDir, purpose: 'deploy', projectDir: dir });
    for (const s of result.stacks) stacks[s.stack] = s;
  });

  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('finds a terraform recent enough', async () => {
    const { version } = await runner.check();
    expect(version).toMatch(/^1\.(1\d|[2-9]\d)\./);
  });

  it(
    'inits and validates every stack that uses only the AWS provider',
    async () => {
      const io = new MemoryIoHost();
      const names = ['network', 'cluster', 'registry'];
      await Promise.all(names.map((name) => runner.init(stacks[name]!, { io })));
      const reports = await Promise.all(
        names.map(async (name) => {
          const result = await execa('terraform', ['validate', '-json', '-no-color'], {
            cwd: stacks[name]!.directory,
            reject: false,
          });
          const report = JSON.parse(result.stdout) as { valid: boolean; diagnostics: unknown[] };
          return { stack: name, valid: report.valid, diagnostics: report.diagnostics };
        }),
      );
      expect(reports).toEqual(names.map((stack) => ({ stack, valid: true, diagnostics: [] })));
      expect(io.events.some((e) => e.message.includes('Terraform has been successfully initialized'))).toBe(
        true,
      );
      expect(await runner.stateResources(stacks.registry!, { io })).toEqual([]);
      // Nothing applied yet, so `mlops infra down` has nothing to plan or ask.
      const down = await destroyInfra({ config, configDir: dir, outDir, io, runner, stack: 'registry' });
      expect(down.stacks).toEqual([{ stack: 'registry', status: 'unchanged', summary: null }]);
    },
    TIMEOUT,
  );

  it(
    'plans network and registry offline through `mlops infra plan` (planInfra + TerraformRunner)',
    async () => {
      const io = new MemoryIoHost();
      const result = await planInfra({ config, configDir: dir, outDir, io, runner });
      expect(result.stacks.map((s) => [s.stack, s.status, s.summary])).toEqual([
        ['registry', 'planned', { add: 11, change: 0, destroy: 0 }],
        ['network', 'planned', { add: 16, change: 0, destroy: 0 }],
        // Their inputs come from network's state, which does not exist before `up`.
        ['cluster', 'deferred', null],
        ['addons', 'deferred', null],
      ]);
      expect(result.total).toEqual({ add: 27, change: 0, destroy: 0 });
      // Every synthesized resource is in the plan.
      expect(stacks.registry!.resources).toBe(11);
      expect(stacks.network!.resources).toBe(16);
      const planned = (name: string) =>
        result.stacks.find((s) => s.stack === name)!.changes.map((c) => c.address);
      expect(planned('network')).toEqual(
        expect.arrayContaining(['aws_vpc.vpc', 'aws_nat_gateway.nat-us-east-1a']),
      );
      expect(planned('registry')).toEqual(
        expect.arrayContaining([
          'aws_s3_bucket.bucket',
          'aws_s3_bucket_lifecycle_configuration.bucket-lifecycle',
        ]),
      );
      const relayed = io.events
        .filter((e) => e.event === 'terraform' && e.level === 'info')
        .map((e) => e.message);
      expect(relayed).toContain('Plan: 16 to add, 0 to change, 0 to destroy.');
      expect(io.events.filter((e) => e.event === 'stack-planned').map((e) => e.message)).toEqual([
        'registry: 11 to add, 0 to change, 0 to destroy',
        'network: 16 to add, 0 to change, 0 to destroy',
      ]);
    },
    TIMEOUT,
  );

  it(
    '`mlops infra plan` from the CLI plans the same way, configured only by the config file and env',
    async () => {
      const project = path.join(dir, 'project');
      mkdirSync(project, { recursive: true });
      writeFileSync(
        path.join(project, 'mlops.config.json'),
        JSON.stringify({
          name: 'iris',
          registry: 's3://iris-models/registry',
          infra: { state: { backend: 'local' } },
        }),
      );
      const res = await runMlops(['infra', 'plan', '--stack', 'registry', '--json'], {
        cwd: project,
        env: { ...process.env },
      });
      expect(res.code, res.stderr).toBe(0);
      const body = res.json<{ stacks: { stack: string; status: string; summary: unknown }[] }>();
      expect(body.stacks).toEqual([
        expect.objectContaining({
          stack: 'registry',
          status: 'planned',
          summary: { add: 11, change: 0, destroy: 0 },
        }),
      ]);
      expect(existsSync(path.join(project, '.mlops/infra/stacks/registry/cdk.tf.json'))).toBe(true);

      const headless = await runMlops(['infra', 'up', '--stack', 'registry', '--json'], {
        cwd: project,
        env: { ...process.env },
      });
      expect(headless.code).toBe(2);
      expect(headless.json<{ error: { code: string } }>().error.code).toBe('MLOPS_INFRA_E7004');
    },
    TIMEOUT,
  );
});
