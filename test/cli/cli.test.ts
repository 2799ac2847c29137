import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runMlops, type RunResult } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

const root = tempDir();

describe('help and usage', () => {
  it('--help lists every command of the design', async () => {
    const { code, stdout } = await runMlops('--help', { cwd: root });
    expect(code).toBe(0);
    for (const name of [
      'init',
      'quickstart',
      'doctor',
      'infra',
      'build',
      'train',
      'models',
      'promote',
      'rollback',
      'deploy',
      'serve',
      'predict',
      'status',
    ]) {
      expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    }
    for (const flag of ['--json', '--yes', '--config', '--env', '--verbose', '--quiet', '--no-color'])
      expect(stdout).toContain(flag);
  });

  it('an unknown command or option is a usage error (exit 2), also as JSON', async () => {
    expect((await runMlops('frobnicate', { cwd: root })).code).toBe(2);
    const res = await runMlops('promote --bogus --json', { cwd: root });
    expect(res.code).toBe(2);
    expect(res.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'MLOPS_USAGE_E1002',
      message: expect.stringContaining('--bogus'),
    });
  });

  it('a missing config is a configuration error with a hint, never a stack trace', async () => {
    const res = await runMlops('models list', { cwd: root });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('No mlops.config.json');
    expect(res.stderr).toContain('mlops init');
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('init', () => {
  it('headless: writes the project from flags and defaults', async () => {
    const dir = path.join(root, 'proj');
    const res = await runMlops(
      [
        'init',
        dir,
        '--yes',
        '--name',
        'wine-quality',
        '--dataset',
        'wine',
        '--region',
        'eu-west-1',
        '--json',
      ],
      { cwd: root },
    );
    expect(res.code).toBe(0);
    const result = res.json<{ name: string; files: string[] }>();
    expect(result.name).toBe('wine-quality');
    for (const file of [
      'mlops.config.json',
      'README.md',
      '.gitignore',
      '.dockerignore',
      'package.json',
      'data/wine.csv',
      'training/train.mjs',
      'training/Dockerfile',
      'serving/server.mjs',
      'serving/Dockerfile',
      '.github/workflows/mlops.yml',
    ]) {
      expect(existsSync(path.join(dir, file)), file).toBe(true);
    }
    const config = JSON.parse(readFileSync(path.join(dir, 'mlops.config.json'), 'utf8'));
    expect(config).toMatchObject({
      $schema: expect.stringContaining('mlops.config.schema.json'),
      name: 'wine-quality',
      region: 'eu-west-1',
      data: { source: 'data/wine.csv' },
    });
    // the written config is valid for the loader
    expect((await runMlops('models list --json', { cwd: dir })).code).toBe(0);
  });

  it('never overwrites without --force; headless it names the flag', async () => {
    const dir = path.join(root, 'proj2');
    expect((await runMlops(['init', dir, '--yes'], { cwd: root })).code).toBe(0);
    writeFileSync(path.join(dir, 'README.md'), 'mine');
    const res = await runMlops(['init', dir], { cwd: root });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--force');
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('mine');
    expect((await runMlops(['init', dir, '--force', '--yes'], { cwd: root })).code).toBe(0);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).not.toBe('mine');
  });

  it('rejects an invalid name and an unknown dataset with exit 2', async () => {
    expect((await runMlops(['init', path.join(root, 'p3'), '--name', 'Bad Name'], { cwd: root })).code).toBe(
      2,
    );
    const res = await runMlops(['init', path.join(root, 'p4'), '--dataset', 'mnist', '--json'], {
      cwd: root,
    });
    expect(res.code).toBe(2);
    expect(res.json<{ error: { hint: string } }>().error.hint).toContain(
      'iris, wine, breast_cancer, synthetic',
    );
    expect(existsSync(path.join(root, 'p4', 'mlops.config.json'))).toBe(false);
    const registry = await runMlops(['init', path.join(root, 'p5'), '--registry', 'ftp://x', '--json'], {
      cwd: root,
    });
    expect(registry.code).toBe(2);
    expect(registry.json<{ error: { message: string; hint: string } }>().error).toMatchObject({
      message: expect.stringContaining('--registry "ftp://x"'),
      hint: expect.stringContaining('s3://BUCKET'),
    });
  });
});

describe('the local lifecycle: quickstart, train, list, show, promote, rollback', () => {
  const demo = path.join(root, 'demo');
  let quickstart: RunResult;
  beforeAll(async () => {
    quickstart = await runMlops(['quickstart', demo, '--yes', '--json'], { cwd: root });
    if (quickstart.code !== 0)
      throw new Error(`quickstart failed: ${quickstart.stdout}\n${quickstart.stderr}`);
  }, 120_000);

  it('quickstart served v1.0 and printed its prediction for the first row of the data', () => {
    const { prediction } = quickstart.json<{
      prediction: { label: string; probabilities: Record<string, number> };
    }>();
    expect(prediction).toMatchObject({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      // templates/datasets/iris.csv, line 2: a setosa
      row: { sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 },
      model_version: 'v1.0',
      label: 'setosa',
    });
    // the label printed is the most probable class
    const [top] = Object.entries(prediction.probabilities).sort((a, b) => b[1] - a[1]);
    expect(top?.[0]).toBe('setosa');
  });

  it('quickstart registered v1.0 and promoted it to production', async () => {
    const list = await runMlops('models list --json', { cwd: demo });
    expect(list.code).toBe(0);
    const body = list.json<{
      model: string;
      aliases: Record<string, string>;
      versions: { version: string; createdAt: string; metrics: Record<string, number>; aliases: string[] }[];
    }>();
    expect(body.model).toBe('demo');
    expect(body.aliases).toEqual({ production: 'v1.0' });
    expect(body.versions).toHaveLength(1);
    expect(body.versions[0]).toMatchObject({ version: 'v1.0', aliases: ['production'] });
    expect(body.versions[0]!.metrics.accuracy).toBeGreaterThan(0.9);
    expect(Date.parse(body.versions[0]!.createdAt)).not.toBeNaN();
  });

  it('train --local --json streams epoch events and ends with "registered"', async () => {
    const res = await runMlops(['train', '--local', '--json', '--param', 'epochs=20'], { cwd: demo });
    expect(res.code).toBe(0);
    const events = res.lines<{ event: string; [k: string]: unknown }>();
    expect(events.filter((e) => e.event === 'epoch').length).toBeGreaterThan(0);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ event: 'registered', model: 'demo', version: 'v1.1' });
    // within [0, 1]: NaN would pass a `number` type check
    expect((last.metrics as Record<string, number>).accuracy).toBeGreaterThanOrEqual(0);
    expect((last.metrics as Record<string, number>).accuracy).toBeLessThanOrEqual(1);
  });

  it('a bad --param fails before training with the field named', async () => {
    const res = await runMlops(['train', '--local', '--json', '--param', 'epochs=-3'], { cwd: demo });
    expect(res.code).toBe(2);
    const failed = res.lines<{ event: string; error: { message: string; code: string } }>().at(-1)!;
    expect(failed.event).toBe('failed');
    expect(failed.error.code).toBe('MLOPS_CONFIG_E2003');
    expect(failed.error.message).toContain('train.epochs');
  });

  it('train on a broken CSV fails with the line number (exit 1)', async () => {
    writeFileSync(path.join(demo, 'broken.csv'), 'a,b,label\n1,2,x\n3,oops,y\n');
    const res = await runMlops(['train', '--local', '--data', 'broken.csv'], { cwd: demo });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/row 2 \(line 3\) of \S*broken\.csv: .*"b".*"oops"/);
  });

  it('models show prints metrics, the confusion matrix and the loss curve', async () => {
    const res = await runMlops('models show v1.0', { cwd: demo });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('demo v1.0');
    expect(res.stdout).toContain('Confusion matrix');
    expect(res.stdout).toMatch(/Loss\s+[▁▂▃▄▅▆▇█]+/);
    const json = (await runMlops('models show production --json', { cwd: demo })).json<{
      version: string;
      artifacts: unknown[];
    }>();
    expect(json.version).toBe('v1.0');
    expect(json.artifacts.length).toBeGreaterThanOrEqual(4);
  });

  it('promote, rollback and the history behave as DESIGN.md §4 says', async () => {
    const promoted = await runMlops('promote v1.1 --json', { cwd: demo });
    expect(promoted.code).toBe(0);
    expect(promoted.json()).toMatchObject({
      alias: 'production',
      version: 'v1.1',
      previous: 'v1.0',
      changed: true,
    });
    const back = await runMlops('rollback --json', { cwd: demo });
    expect(back.json()).toMatchObject({ alias: 'production', version: 'v1.0', previous: 'v1.1' });
    const again = await runMlops('rollback --json', { cwd: demo });
    expect(again.code).toBe(1);
    expect(again.json<{ error: { code: string } }>().error.code).toBe('MLOPS_REGISTRY_E4004');
    const show = (await runMlops('models show v1.1 --json', { cwd: demo })).json<{
      aliasHistory: { action: string }[];
    }>();
    expect(show.aliasHistory.map((h) => h.action)).toEqual(['promote', 'rollback']);
  });

  it('promote of an unknown version fails with the known versions in the hint', async () => {
    const res = await runMlops('promote v9.0 --json', { cwd: demo });
    expect(res.code).toBe(1);
    expect(res.json<{ error: { code: string; hint: string } }>().error).toMatchObject({
      code: 'MLOPS_REGISTRY_E4001',
      hint: expect.stringContaining('v1.0'),
    });
  });

  it('doctor --json reports every check with a status, and the backend in use', async () => {
    const res = await runMlops('doctor --json', { cwd: demo, env: { PATH: process.env.PATH, HOME: root } });
    const body = res.json<{ ok: boolean; checks: { name: string; status: string; detail: string }[] }>();
    // Nothing here can fail: what is missing from this sealed environment (terraform's state, a
    // kubeconfig, AWS credentials, an image builder) is a warning.
    expect(body.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(body.ok).toBe(true);
    expect(res.code).toBe(0);
    expect(body.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'node',
        'config',
        'ml backend',
        'terraform',
        'kubernetes',
        'image builder',
        'aws credentials',
        'registry',
      ]),
    );
    expect(body.checks.find((c) => c.name === 'ml backend')!.detail).toMatch(/^(tfjs-node|wasm|cpu)/);
    expect(body.checks.find((c) => c.name === 'registry')).toMatchObject({ status: 'ok' });
    expect(body.checks.find((c) => c.name === 'aws credentials')).toMatchObject({ status: 'warn' });
  });

  it('doctor exits 1 and says which check failed when one does (a damaged alias)', async () => {
    const dir = path.join(root, 'doctor-fails');
    expect((await runMlops(['init', dir, '--yes', '--name', 'broken'], { cwd: root })).code).toBe(0);
    const aliases = path.join(dir, '.mlops', 'registry', 'broken', 'aliases');
    mkdirSync(aliases, { recursive: true });
    writeFileSync(path.join(aliases, 'production.json'), '{"version":');
    const res = await runMlops('doctor --json', { cwd: dir, env: { PATH: process.env.PATH, HOME: root } });
    expect(res.code).toBe(1);
    const body = res.json<{ ok: boolean; checks: { name: string; status: string }[] }>();
    expect(body.ok).toBe(false);
    expect(body.checks.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual(['registry']);
  });

  it('headless promote without a version fails fast and names what to pass', async () => {
    const res = await runMlops('promote', { cwd: demo });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('mlops promote <version>');
  });
});
