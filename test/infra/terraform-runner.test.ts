import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/kernel/errors.js';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import { stateAddresses, summarizePlan } from '../../providers/aws/infra/terraform-json.js';
import { TerraformRunner } from '../../providers/aws/infra/terraform-runner.js';
import { isAtLeast, parseTerraformVersion } from '../../providers/aws/infra/terraform-version.js';
import { tempDir } from '../support/temp-dir.js';

describe('summarizePlan', () => {
  it('counts like terraform: a replacement is one add and one destroy; reads and no-ops count nothing', () => {
    const plan = {
      format_version: '1.2',
      resource_changes: [
        { address: 'aws_vpc.a', mode: 'managed', change: { actions: ['create'] } },
        { address: 'aws_vpc.b', mode: 'managed', change: { actions: ['update'] } },
        { address: 'aws_vpc.c', mode: 'managed', change: { actions: ['delete'] } },
        { address: 'aws_vpc.d', mode: 'managed', change: { actions: ['delete', 'create'] } },
        { address: 'aws_vpc.e', mode: 'managed', change: { actions: ['create', 'delete'] } },
        { address: 'aws_vpc.f', mode: 'managed', change: { actions: ['no-op'] } },
        { address: 'data.aws_x.g', mode: 'data', change: { actions: ['read'] } },
      ],
    };
    const { summary, changes } = summarizePlan(JSON.stringify(plan));
    expect(summary).toEqual({ add: 3, change: 1, destroy: 3 });
    expect(changes.map((c) => c.address)).toEqual([
      'aws_vpc.a',
      'aws_vpc.b',
      'aws_vpc.c',
      'aws_vpc.d',
      'aws_vpc.e',
    ]);
  });

  it('reads an empty plan as no changes', () => {
    expect(summarizePlan('{"format_version":"1.2"}').summary).toEqual({ add: 0, change: 0, destroy: 0 });
  });
});

describe('stateAddresses', () => {
  it('lists managed resources of a state, and none of an absent one', () => {
    expect(stateAddresses('{"format_version":"1.0"}')).toEqual([]);
    const state = {
      format_version: '1.0',
      values: {
        root_module: {
          resources: [
            { address: 'aws_vpc.vpc', mode: 'managed' },
            { address: 'data.terraform_remote_state.x', mode: 'data' },
          ],
          child_modules: [{ resources: [{ address: 'module.m.aws_subnet.a', mode: 'managed' }] }],
        },
      },
    };
    expect(stateAddresses(JSON.stringify(state))).toEqual(['aws_vpc.vpc', 'module.m.aws_subnet.a']);
  });
});

describe('terraform version', () => {
  it('parses `terraform version -json` and compares against the 1.10 floor', () => {
    expect(parseTerraformVersion('{"terraform_version":"1.11.4","platform":"linux_amd64"}')).toBe('1.11.4');
    expect(parseTerraformVersion('Terraform v1.5.7')).toBeUndefined();
    expect(isAtLeast('1.11.4')).toBe(true);
    expect(isAtLeast('1.10.0')).toBe(true);
    expect(isAtLeast('1.12.0-alpha20250101')).toBe(true);
    expect(isAtLeast('1.9.8')).toBe(false);
    expect(isAtLeast('0.15.5')).toBe(false);
    expect(isAtLeast('2.0.0')).toBe(true);
  });
});

/** A stand-in `terraform` executable (as a user's `terraform` option could name any binary). */
function fakeTerraform(dir: string, script: string): string {
  const file = path.join(dir, 'terraform');
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return file;
}

async function rejection(promise: Promise<unknown>): Promise<MlopsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!MlopsError.is(error)) throw new Error(`expected an MlopsError, got ${String(error)}`);
  return error;
}

describe('TerraformRunner', () => {
  const dir = tempDir('mlops-fake-tf-');
  const stackDir = path.join(dir, 'stacks', 'network');
  mkdirSync(stackDir, { recursive: true });
  const stack = { stack: 'network' as const, directory: stackDir, resources: 1, dataSources: 0, outputs: 0 };

  it('reports a missing terraform as MLOPS_INFRA_E7001 with an install hint', async () => {
    const error = await rejection(
      new TerraformRunner({ terraform: path.join(dir, 'absent', 'terraform') }).check(),
    );
    expect(error.code).toBe('MLOPS_INFRA_E7001');
    expect(error.message).toContain('not found');
    expect(error.hint).toContain('https://developer.hashicorp.com/terraform/install');
  });

  it('reports a terraform older than 1.10 as MLOPS_INFRA_E7001', async () => {
    const old = fakeTerraform(path.join(dir), `echo '{"terraform_version":"1.5.7"}'`);
    const error = await rejection(new TerraformRunner({ terraform: old }).check());
    expect(error.code).toBe('MLOPS_INFRA_E7001');
    expect(error.message).toContain('1.5.7');
  });

  it('streams output lines to the IoHost and turns a failure into MLOPS_INFRA_E7002 naming the error', async () => {
    const tfDir = path.join(dir, 'failing');
    mkdirSync(tfDir, { recursive: true });
    const failing = fakeTerraform(
      tfDir,
      [
        'echo "Initializing the backend..."',
        'echo "Terraform has been successfully initialized!"',
        'echo "TF_IN_AUTOMATION=$TF_IN_AUTOMATION MY_SETTING=$MY_SETTING cwd=$(pwd)"',
        'echo "" >&2',
        'echo "Error: Invalid provider configuration" >&2',
        'exit 1',
      ].join('\n'),
    );
    const io = new MemoryIoHost();
    const runner = new TerraformRunner({ terraform: failing, env: { ...process.env, MY_SETTING: 'kept' } });
    const error = await rejection(runner.init(stack, { io }));
    expect(error.code).toBe('MLOPS_INFRA_E7002');
    expect(error.message).toBe(
      'terraform init failed for the network stack: Error: Invalid provider configuration',
    );
    const lines = io.events.filter((e) => e.event === 'terraform');
    // stdout in order; stderr interleaves wherever the pipes deliver it.
    expect(lines.filter((e) => !e.message.startsWith('Error')).map((e) => [e.level, e.message])).toEqual([
      ['debug', 'Initializing the backend...'],
      ['info', 'Terraform has been successfully initialized!'],
      ['debug', `TF_IN_AUTOMATION=1 MY_SETTING=kept cwd=${stackDir}`],
    ]);
    expect(lines.map((e) => e.message)).toContain('Error: Invalid provider configuration');
    expect(lines[0]!.data).toEqual({ stack: 'network', command: 'init' });
  });
});
