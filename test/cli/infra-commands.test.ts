import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runMlops, type RunResult } from '../support/run-mlops.js';
import { offlineTerraformEnv, offlineTerraformMissing } from '../support/terraform-mirror.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * `mlops infra synth`, `output` and `down` through the CLI. synth needs no terraform; output and down
 * run the real terraform offline (provider mirror), on a local state written here: outputs terraform
 * reads back, and one built-in terraform_data resource that a destroy removes without any cloud.
 */

const root = tempDir('mlops-infra-commands-');
const noTools = path.join(root, 'no-tools');
const project = path.join(root, 'iris');
const stateFile = path.join(project, '.mlops/infra/state/registry.tfstate');
const STACKS = ['registry', 'network', 'cluster', 'addons'];

interface ErrorJson {
  readonly error: { readonly code: string; readonly message: string; readonly hint: string };
}

const ok = (res: RunResult): RunResult => {
  if (res.code !== 0) throw new Error(`mlops exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
  return res;
};

const countOf = (block: unknown): number =>
  Object.values((block ?? {}) as Record<string, Record<string, unknown>>).reduce(
    (n, byName) => n + Object.keys(byName).length,
    0,
  );

beforeAll(() => {
  mkdirSync(noTools, { recursive: true });
  mkdirSync(path.dirname(stateFile), { recursive: true });
  writeFileSync(
    path.join(project, 'mlops.config.json'),
    JSON.stringify({
      name: 'iris',
      registry: 's3://iris-models-0a1b2c3d/registry',
      region: 'eu-west-1',
      infra: { state: { backend: 'local' } },
    }),
  );
});

describe('infra synth', () => {
  it('--out DIR writes every stack to DIR/stacks/<stack>/cdk.tf.json and prints what each holds', async () => {
    const res = ok(
      await runMlops(['infra', 'synth', '--out', 'synth-out'], { cwd: project, env: { PATH: noTools } }),
    );
    expect(res.stdout).toContain(`Written to ${path.join(project, 'synth-out', 'stacks')}`);
    for (const stack of STACKS) {
      const json = JSON.parse(
        readFileSync(path.join(project, 'synth-out/stacks', stack, 'cdk.tf.json'), 'utf8'),
      ) as { resource?: unknown; data?: unknown; output?: Record<string, unknown> };
      const row = new RegExp(
        `^${stack} +${countOf(json.resource)} +${countOf(json.data)} +${Object.keys(json.output ?? {}).length}$`,
        'm',
      );
      expect(res.stdout, stack).toMatch(row);
    }
  });

  it('--stack S synthesizes that stack only; --json reports it', async () => {
    const res = ok(
      await runMlops(['infra', 'synth', '--stack', 'network', '--out', 'one', '--json'], {
        cwd: project,
        env: { PATH: noTools },
      }),
    );
    expect(res.json<{ stacks: { stack: string; resources: number }[] }>().stacks).toEqual([
      expect.objectContaining({ stack: 'network', resources: expect.any(Number) }),
    ]);
    expect(() => readFileSync(path.join(project, 'one/stacks/registry/cdk.tf.json'))).toThrow();
  });
});

describe('infra output and down need the deployment settings first', () => {
  it.each([['output'], ['down', '--auto-approve']])(
    '%s in a project on a file:// registry: every missing setting at once (exit 2), before terraform',
    async (...command) => {
      const local = path.join(root, 'local');
      mkdirSync(local, { recursive: true });
      writeFileSync(path.join(local, 'mlops.config.json'), JSON.stringify({ name: 'iris' }));
      const res = await runMlops(['infra', ...command, '--json'], {
        cwd: local,
        env: { CI: '1', PATH: noTools },
      });
      expect(res.code).toBe(2);
      const { error } = res.json<ErrorJson>();
      expect(error.code).toBe('MLOPS_INFRA_E7006');
      expect(error.message).toMatch(/- registry: .*s3:\/\/BUCKET\/PREFIX/);
      expect(error.message).toMatch(/- infra\.state\.bucket: not set/);
    },
  );
});

const terraformMissing = offlineTerraformMissing();

describe.skipIf(terraformMissing !== undefined)(
  `infra output and down with terraform, offline${terraformMissing ? ` (skipped: ${terraformMissing})` : ''}`,
  () => {
    let env: Record<string, string | undefined>;

    beforeAll(() => {
      env = { CI: '1', PATH: process.env.PATH, HOME: root, ...offlineTerraformEnv(root) };
      writeFileSync(
        stateFile,
        JSON.stringify({
          version: 4,
          terraform_version: '1.10.0',
          serial: 1,
          lineage: '0b7c1d9e-5a3f-4e21-8c6d-2f4a9b1e7c30',
          outputs: {
            bucket: { value: 'iris-models-0a1b2c3d', type: 'string' },
            ecr_serving: {
              value: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/iris-serving',
              type: 'string',
            },
            db_password: { value: 'hunter2-do-not-print', type: 'string', sensitive: true },
          },
          resources: [
            {
              mode: 'managed',
              type: 'terraform_data',
              name: 'marker',
              provider: 'provider["terraform.io/builtin/terraform"]',
              instances: [
                {
                  schema_version: 0,
                  attributes: { id: 'marker-1', input: null, output: null, triggers_replace: null },
                  sensitive_attributes: [],
                },
              ],
            },
          ],
          check_results: null,
        }),
      );
    });

    it('output: the outputs terraform holds for the stack, as JSON and as a table, a sensitive value in neither', async () => {
      const json = ok(
        await runMlops(['infra', 'output', '--stack', 'registry', '--json'], { cwd: project, env }),
      );
      expect(json.json()).toEqual({
        stacks: {
          registry: {
            bucket: { value: 'iris-models-0a1b2c3d', sensitive: false },
            ecr_serving: {
              value: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/iris-serving',
              sensitive: false,
            },
            db_password: { sensitive: true },
          },
        },
      });
      expect(json.stdout).not.toContain('hunter2');
      const table = ok(await runMlops(['infra', 'output', '--stack', 'registry'], { cwd: project, env }));
      expect(table.stdout).toMatch(/^registry +bucket +iris-models-0a1b2c3d$/m);
      expect(table.stdout).toMatch(/^registry +db_password +\(sensitive\)$/m);
      expect(table.stdout + table.stderr).not.toContain('hunter2');
    }, 120_000);

    it('down --auto-approve (headless) destroys what the state holds and reports the stack applied', async () => {
      const res = ok(
        await runMlops(['infra', 'down', '--stack', 'registry', '--auto-approve', '--json'], {
          cwd: project,
          env,
        }),
      );
      expect(res.json<{ stacks: unknown[] }>().stacks).toEqual([
        { stack: 'registry', status: 'applied', summary: { add: 0, change: 0, destroy: 1 } },
      ]);
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { resources: unknown[] };
      expect(state.resources).toEqual([]);
    }, 180_000);
  },
);
