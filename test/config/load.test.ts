import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, resolveRegistryUri } from '../../src/config/load.js';
import { errorOf } from '../support/error-code.js';
import { tempDir } from '../support/temp-dir.js';

const root = tempDir();
let n = 0;
function project(config: unknown): string {
  const dir = path.join(root, `p${n++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'mlops.config.json'),
    typeof config === 'string' ? config : JSON.stringify(config),
  );
  return dir;
}

describe('loadConfig', () => {
  it('applies defaults to a minimal file', () => {
    const dir = project({ name: 'iris' });
    const { config, file } = loadConfig({ cwd: dir });
    expect(file).toBe(path.join(dir, 'mlops.config.json'));
    expect(config).toMatchObject({
      name: 'iris',
      registry: 'file://.mlops/registry',
      region: 'us-east-1',
      data: { source: 'synthetic' },
      serve: { host: '127.0.0.1', alias: 'production' },
      retention: { days: 90 },
    });
    expect(config.train.seed).toBe(42);
  });

  it('finds the config file from a subdirectory', () => {
    const dir = project({ name: 'iris' });
    const sub = path.join(dir, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    expect(loadConfig({ cwd: sub }).dir).toBe(dir);
  });

  it('precedence: flags > MLOPS_* env > --env section > file > defaults', () => {
    const dir = project({
      name: 'iris',
      region: 'eu-west-1',
      train: { epochs: 10, seed: 1 },
      environments: {
        prod: { region: 'eu-central-1', train: { epochs: 20 }, registry: 's3://prod-bucket/models' },
      },
    });
    const fileOnly = loadConfig({ cwd: dir }).config;
    expect([fileOnly.region, fileOnly.train.epochs, fileOnly.train.batchSize]).toEqual(['eu-west-1', 10, 32]);

    const withEnvSection = loadConfig({ cwd: dir, envName: 'prod' }).config;
    expect([withEnvSection.region, withEnvSection.train.epochs, withEnvSection.train.seed]).toEqual([
      'eu-central-1',
      20,
      1,
    ]);

    const withVars = loadConfig({
      cwd: dir,
      envName: 'prod',
      env: { MLOPS_REGION: 'us-west-2', MLOPS_SEED: '7' },
    }).config;
    expect([withVars.region, withVars.train.seed, withVars.registry]).toEqual([
      'us-west-2',
      7,
      's3://prod-bucket/models',
    ]);

    const withFlags = loadConfig({
      cwd: dir,
      envName: 'prod',
      env: { MLOPS_REGION: 'us-west-2' },
      overrides: { region: 'ap-south-1', 'train.epochs': 5 },
    }).config;
    expect([withFlags.region, withFlags.train.epochs]).toEqual(['ap-south-1', 5]);
  });

  it('MLOPS_ENV selects the environment section', () => {
    const dir = project({ name: 'iris', environments: { staging: { region: 'eu-west-3' } } });
    expect(loadConfig({ cwd: dir, env: { MLOPS_ENV: 'staging' } }).config.region).toBe('eu-west-3');
  });

  it('names every bad field, its value and what is allowed, all at once', () => {
    const dir = project({
      name: 'Iris Model',
      train: { epochs: 0, task: 'clustering', batchSize: 'big' },
      colour: 'red',
    });
    const error = errorOf(() => loadConfig({ cwd: dir }));
    expect(error.code).toBe('MLOPS_CONFIG_E2003');
    expect(error.source).toBe('config');
    expect(error.message).toContain('mlops.config.json: name: got "Iris Model", a DNS-1123 label');
    expect(error.message).toContain('train.epochs: got 0, must be ≥ 1');
    expect(error.message).toContain('train.task: got "clustering", allowed: "classification", "regression"');
    expect(error.message).toContain('train.batchSize: got "big", expected number');
    expect(error.message).toContain('unknown field "colour"');
    expect(error.message).toContain('(5 problems)');
  });

  it('blames the layer a bad value came from', () => {
    const dir = project({ name: 'iris', environments: { prod: { train: { epochs: -1 } } } });
    expect(errorOf(() => loadConfig({ cwd: dir, envName: 'prod' })).message).toContain(
      'mlops.config.json: environments.prod.train.epochs: got -1, must be ≥ 1',
    );
    const ok = project({ name: 'iris' });
    expect(errorOf(() => loadConfig({ cwd: ok, env: { MLOPS_REGISTRY: 'ftp://x' } })).message).toContain(
      'MLOPS_REGISTRY: registry: got "ftp://x", file://PATH or s3://BUCKET[/PREFIX]',
    );
    expect(errorOf(() => loadConfig({ cwd: ok, env: { MLOPS_SEED: 'abc' } })).code).toBe(
      'MLOPS_CONFIG_E2005',
    );
    expect(errorOf(() => loadConfig({ cwd: ok, overrides: { 'train.epochs': 'many' } })).message).toContain(
      'flag for train.epochs: train.epochs: got "many"',
    );
  });

  it('reports a missing file, bad JSON and an unknown --env', () => {
    expect(errorOf(() => loadConfig({ cwd: path.join(root, 'nowhere-' + n++) })).code).toBe(
      'MLOPS_CONFIG_E2001',
    );
    expect(errorOf(() => loadConfig({ cwd: root, configPath: 'missing.json' })).code).toBe(
      'MLOPS_CONFIG_E2001',
    );
    const bad = errorOf(() => loadConfig({ cwd: project('{ "name": "iris", }') }));
    expect(bad.code).toBe('MLOPS_CONFIG_E2002');
    const envError = errorOf(() =>
      loadConfig({ cwd: project({ name: 'iris', environments: { prod: {} } }), envName: 'dev' }),
    );
    expect(envError.code).toBe('MLOPS_CONFIG_E2004');
    expect(envError.hint).toContain('prod');
  });

  it('accepts the registry as a URI or as {uri, endpoint}, and checks the endpoint', () => {
    const plain = loadConfig({ cwd: project({ name: 'iris', registry: 's3://my-bucket/p' }) }).config;
    expect([plain.registry, plain.registryEndpoint]).toEqual(['s3://my-bucket/p', undefined]);
    const withEndpoint = loadConfig({
      cwd: project({
        name: 'iris',
        registry: { uri: 's3://my-bucket/p', endpoint: 'http://127.0.0.1:9000' },
      }),
    }).config;
    expect([withEndpoint.registry, withEndpoint.registryEndpoint]).toEqual([
      's3://my-bucket/p',
      'http://127.0.0.1:9000',
    ]);
    const bad = errorOf(() =>
      loadConfig({
        cwd: project({ name: 'iris', registry: { uri: 's3://my-bucket/p', endpoint: 'minio' } }),
      }),
    );
    expect(bad.message).toContain('registry');
  });

  it('resolves file:// registries against the config directory', () => {
    expect(resolveRegistryUri('file://.mlops/registry', '/proj')).toBe('file:///proj/.mlops/registry');
    expect(resolveRegistryUri('file:///abs/reg', '/proj')).toBe('file:///abs/reg');
    expect(resolveRegistryUri('s3://my-bucket/p', '/proj')).toBe('s3://my-bucket/p');
  });
});

describe('unknown fields', () => {
  it('suggests the field an unknown key most likely misspells, wherever it is', () => {
    const dir = project({ name: 'iris', trian: { epochs: 5 }, train: { epochz: 5 } });
    const error = errorOf(() => loadConfig({ cwd: dir }));
    expect(error.code).toBe('MLOPS_CONFIG_E2003');
    expect(error.message).toContain('mlops.config.json: trian: unknown field "trian", did you mean "train"?');
    expect(error.message).toContain(
      'mlops.config.json: train.epochz: unknown field "epochz", did you mean "epochs"?',
    );
    const inEnv = project({ name: 'iris', environments: { prod: { serve: { prot: 1 } } } });
    expect(errorOf(() => loadConfig({ cwd: inEnv })).message).toContain(
      'environments.prod.serve.prot: unknown field "prot", did you mean "port"?',
    );
  });

  it('lists the known fields when nothing is close', () => {
    const error = errorOf(() => loadConfig({ cwd: project({ name: 'iris', data: { wholly: 'x' } }) }));
    expect(error.message).toContain('data.wholly: unknown field "wholly", known fields: source, label');
  });

  it('blames a flag for an unknown key it set', () => {
    const dir = project({ name: 'iris' });
    expect(errorOf(() => loadConfig({ cwd: dir, overrides: { 'train.seeed': 1 } })).message).toContain(
      'flag for train.seeed: train.seeed: unknown field "seeed", did you mean "seed"?',
    );
  });
});

describe('relative paths', () => {
  it('resolve against the config directory in the file, against cwd from a flag or a variable', () => {
    const dir = project({ name: 'iris', data: { source: 'data/in-file.csv' } });
    const elsewhere = path.join(root, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    const configPath = path.join(dir, 'mlops.config.json');
    const fromFile = loadConfig({ cwd: elsewhere, configPath });
    expect(fromFile.config.data.source).toBe('data/in-file.csv');
    expect(fromFile.dir).toBe(dir);
    const fromFlag = loadConfig({ cwd: elsewhere, configPath, overrides: { 'data.source': 'big.csv' } });
    expect(fromFlag.config.data.source).toBe(path.join(elsewhere, 'big.csv'));
    const fromEnv = loadConfig({ cwd: elsewhere, configPath, env: { MLOPS_DATA: '../d.csv' } });
    expect(fromEnv.config.data.source).toBe(path.join(root, 'd.csv'));
    const registry = loadConfig({ cwd: elsewhere, configPath, env: { MLOPS_REGISTRY: 'file://reg' } });
    expect(registry.config.registry).toBe(`file://${path.join(elsewhere, 'reg')}`);
  });

  it('leave synthetic data, URIs and absolute paths alone', () => {
    const dir = project({ name: 'iris' });
    for (const source of ['synthetic', 's3://bucket/d.csv', 'file:///abs/d.csv', '/abs/d.csv']) {
      expect(
        loadConfig({
          cwd: root,
          configPath: path.join(dir, 'mlops.config.json'),
          overrides: { 'data.source': source },
        }).config.data.source,
      ).toBe(source);
    }
  });
});
