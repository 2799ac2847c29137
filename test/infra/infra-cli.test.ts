import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketNameProblem } from '../../providers/aws/infra/bucket-names.js';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * `mlops infra` for a new user: a project straight from `mlops init` (a file:// registry, no
 * infra.state) synthesizes, and plan/up list every setting a deployment still needs in one error.
 * No terraform is involved: synthesis is in-process, and the settings are checked before terraform
 * is looked for (PATH has none here).
 */

interface SynthJson {
  outDir: string;
  stacks: { stack: string; resources: number }[];
  defaults: { setting: string; value: string; reason: string; howToSet: string }[];
}

interface ErrorJson {
  error: { code: string; message: string; hint: string };
}

const root = tempDir('mlops-infra-cli-');
const project = path.join(root, 'iris');
const noTerraform = { CI: '1', PATH: path.join(root, 'no-tools') };

beforeAll(async () => {
  const init = await runMlops(['init', project, '--yes', '--name', 'iris'], { cwd: root });
  expect(init.code, init.stderr).toBe(0);
});

describe('infra synth in a freshly initialized project', () => {
  it('writes all four stacks, with a derived, valid bucket name and local state, and says so', async () => {
    const res = await runMlops(['infra', 'synth', '--json'], { cwd: project, env: noTerraform });
    expect(res.code, res.stderr).toBe(0);
    const body = res.json<SynthJson>();
    expect(body.stacks.map((s) => s.stack)).toEqual(['registry', 'network', 'cluster', 'addons']);
    for (const stack of ['registry', 'network', 'cluster', 'addons']) {
      expect(existsSync(path.join(project, '.mlops/infra/stacks', stack, 'cdk.tf.json'))).toBe(true);
    }
    const bucket = body.defaults.find((d) => d.setting === 'infra.bucketName');
    expect(bucket?.value).toMatch(/^iris-models-[0-9a-f]{8}$/);
    expect(bucketNameProblem(bucket!.value)).toBeUndefined();
    expect(body.defaults.find((d) => d.setting === 'infra.state')?.value).toBe('local');

    // The same name on every run in this project.
    const again = await runMlops(['infra', 'synth', '--json', '--stack', 'registry'], {
      cwd: project,
      env: noTerraform,
    });
    expect(again.json<SynthJson>().defaults.find((d) => d.setting === 'infra.bucketName')?.value).toBe(
      bucket?.value,
    );
  });

  it('tells a person which values were derived and how to set them', async () => {
    const res = await runMlops(['infra', 'synth', '--stack', 'registry'], { cwd: project, env: noTerraform });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/infra\.bucketName = iris-models-[0-9a-f]{8}: the registry \(file:/);
    expect(res.stdout).toContain('To set it: set registry to "s3://BUCKET/PREFIX"');
    expect(res.stdout).toContain('infra.state = local');
    expect(res.stdout).toContain('To set it: run `mlops infra bootstrap`');
  });
});

describe('infra plan and up with settings missing', () => {
  const incomplete = path.join(root, 'incomplete');

  beforeAll(() => {
    mkdirSync(incomplete, { recursive: true });
    writeFileSync(
      path.join(incomplete, 'mlops.config.json'),
      JSON.stringify({
        name: 'iris',
        registry: 'file://.mlops/registry',
        infra: { vpcCidr: '10.0.0.0/8', state: { backend: 's3', region: 'mars-1' } },
      }),
    );
  });

  it.each([['plan'], ['up', '--auto-approve']])(
    '%s lists every missing or invalid setting at once (exit 2), before looking for terraform',
    async (...command) => {
      const res = await runMlops(['infra', ...command, '--json'], { cwd: incomplete, env: noTerraform });
      expect(res.code).toBe(2);
      const { error } = res.json<ErrorJson>();
      expect(error.code).toBe('MLOPS_INFRA_E7006');
      const listed = error.message.split('\n').slice(1);
      expect(listed).toHaveLength(4);
      expect(listed[0]).toMatch(/^ {2}- infra\.vpcCidr: "10\.0\.0\.0\/8" is not an IPv4 network/);
      expect(listed[1]).toMatch(
        /^ {2}- registry: file:\/\/\.mlops\/registry is not on S3.*s3:\/\/BUCKET\/PREFIX/,
      );
      expect(listed[2]).toMatch(/^ {2}- infra\.state\.region: "mars-1" is not an AWS region/);
      expect(listed[3]).toMatch(/^ {2}- infra\.state\.bucket: not set.*mlops infra bootstrap/);
      expect(error.hint).toContain('mlops.config.json');
      // Nothing was synthesized for terraform to run.
      expect(existsSync(path.join(incomplete, '.mlops/infra/stacks'))).toBe(false);
    },
  );

  it('prints the list for a person, one setting per line', async () => {
    const res = await runMlops(['infra', 'plan'], { cwd: incomplete, env: noTerraform });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      'Error: 4 infrastructure settings are missing or invalid:\n  - infra.vpcCidr',
    );
    expect(res.stderr).toContain('\n  - infra.state.bucket: not set');
  });
});
