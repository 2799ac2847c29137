import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV_VARS } from '../../src/config/env.js';
import { binPath, repoRoot, runMlops, type RunResult } from '../support/run-mlops.js';
import { freePort } from '../support/free-port.js';
import { spawnJsonLines } from '../support/json-lines-child.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * Where configuration comes from, through the CLI: --config, --env (and MLOPS_ENV), every MLOPS_*
 * variable of the README, and the precedence flags > MLOPS_* > --env section > file > defaults, each
 * layer shown to win over the next. Commands run from a subdirectory of the project, so that paths
 * from the file (its directory) and from flags and variables (the current directory) resolve apart.
 */

const root = tempDir('mlops-config-sources-');
const project = path.join(root, 'proj');
const sub = path.join(project, 'sub');

const config = {
  name: 'kinds',
  registry: 'file://.mlops/registry',
  region: 'us-west-2',
  data: { source: 'from-file.csv', label: 'width' },
  train: { seed: 42, backend: 'auto' },
  serve: { host: 'localhost', port: 1, alias: 'production' },
  cluster: { context: 'ctx-from-file' },
  environments: { staging: { data: { source: 'from-env-section.csv' } } },
};

interface Failed {
  readonly event: 'failed';
  readonly error: { readonly message: string; readonly code: string };
}

/** Two classes a dense model separates at once; the label is the first column, not the last. */
const kindsCsv = [
  'kind,length,width',
  ...Array.from({ length: 40 }, (_, i) =>
    i % 2 ? `b,${5 + (i % 7) / 10},0.${i % 9}` : `a,${1 + (i % 5) / 10},0.${i % 8}`,
  ),
].join('\n');

const ok = (res: RunResult): RunResult => {
  if (res.code !== 0) throw new Error(`mlops exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
  return res;
};

beforeAll(() => {
  mkdirSync(sub, { recursive: true });
  writeFileSync(path.join(project, 'mlops.config.json'), JSON.stringify(config, null, 2));
  writeFileSync(path.join(sub, 'kinds.csv'), `${kindsCsv}\n`);
});

/** The dataset `train --local` tried to read, from its "failed" event (every source here is missing). */
async function datasetRead(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  const res = await runMlops(['train', '--local', '--json', ...args], { cwd: sub, env });
  const failed = res.lines<Failed>().at(-1)!;
  expect(failed.error.code, res.stdout).toBe('MLOPS_DATA_E3001');
  return /cannot read the dataset (\S+):/.exec(failed.error.message)![1]!;
}

describe('precedence: flags > MLOPS_* > --env section > file > defaults', () => {
  it('defaults: a config file that names no data trains on synthetic data into file://.mlops/registry', async () => {
    const bare = path.join(root, 'bare');
    mkdirSync(bare);
    writeFileSync(path.join(bare, 'mlops.config.json'), JSON.stringify({ name: 'bare' }));
    const res = ok(await runMlops(['train', '--local', '--json', '--param', 'epochs=1'], { cwd: bare }));
    const events = res.lines<{ event: string; source?: string; version?: string }>();
    expect(events.find((e) => e.event === 'dataset')?.source).toBe('synthetic');
    expect(events.at(-1)).toMatchObject({ event: 'registered', version: 'v1.0' });
    const verify = ok(await runMlops(['models', 'verify', '--json'], { cwd: bare }));
    expect(verify.json<{ registry: string }>().registry).toBe(`file://${path.join(bare, '.mlops/registry')}`);
  });

  it('the file wins over the defaults; its relative paths resolve against its own directory', async () => {
    expect(await datasetRead([])).toBe(path.join(project, 'from-file.csv'));
  });

  it('the --env section (or MLOPS_ENV) wins over the file', async () => {
    expect(await datasetRead(['--env', 'staging'])).toBe(path.join(project, 'from-env-section.csv'));
    expect(await datasetRead([], { MLOPS_ENV: 'staging' })).toBe(path.join(project, 'from-env-section.csv'));
  });

  it('an MLOPS_* variable wins over the --env section, and resolves against the current directory', async () => {
    expect(await datasetRead(['--env', 'staging'], { MLOPS_DATA: 'from-var.csv' })).toBe(
      path.join(sub, 'from-var.csv'),
    );
  });

  it('a flag wins over the MLOPS_* variable', async () => {
    expect(
      await datasetRead(['--env', 'staging', '--data', 'from-flag.csv'], { MLOPS_DATA: 'from-var.csv' }),
    ).toBe(path.join(sub, 'from-flag.csv'));
  });
});

describe('--config and --env', () => {
  it('--config PATH loads that file from anywhere; --data then reads from the current directory', async () => {
    const configPath = path.relative(root, path.join(project, 'mlops.config.json'));
    const verify = ok(await runMlops(['models', 'verify', '--json', '--config', configPath], { cwd: root }));
    expect(verify.json<{ model: string; registry: string }>()).toMatchObject({
      model: 'kinds',
      registry: `file://${path.join(project, '.mlops/registry')}`,
    });
    const res = await runMlops(['train', '--local', '--json', '--config', configPath, '--data', 'big.csv'], {
      cwd: root,
    });
    expect(res.lines<Failed>().at(-1)!.error.message).toContain(path.join(root, 'big.csv'));
  });

  it('--config to a missing file, and --env to a missing section, are configuration errors (exit 2)', async () => {
    const missing = await runMlops(['models', 'list', '--json', '--config', 'nope.json'], { cwd: sub });
    expect(missing.code).toBe(2);
    expect(missing.json<Failed>().error).toMatchObject({
      code: 'MLOPS_CONFIG_E2001',
      message: expect.stringContaining(path.join(sub, 'nope.json')),
    });
    const section = await runMlops(['models', 'list', '--json', '--env', 'prod'], { cwd: sub });
    expect(section.code).toBe(2);
    expect(section.json<{ error: { code: string; hint: string } }>().error).toMatchObject({
      code: 'MLOPS_CONFIG_E2004',
      hint: expect.stringContaining('staging'),
    });
  });
});

describe('every MLOPS_* variable the README lists', () => {
  it('the README lists exactly the variables mlops reads', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const sentence = /Variables: ([^.]+)\./.exec(readme.replace(/\n/g, ' '))![1]!;
    const listed = [...sentence.matchAll(/`(MLOPS_[A-Z_]+)`/g)].map((m) => m[1]);
    expect(listed.sort()).toEqual(Object.keys(ENV_VARS).sort());
  });

  it('MLOPS_DATA, MLOPS_LABEL, MLOPS_SEED, MLOPS_BACKEND: what train reads, and what the version records', async () => {
    const env = { MLOPS_DATA: 'kinds.csv', MLOPS_LABEL: 'kind', MLOPS_SEED: '7', MLOPS_BACKEND: 'cpu' };
    const res = ok(await runMlops(['train', '--local', '--json', '--param', 'epochs=2'], { cwd: sub, env }));
    const events = res.lines<{ event: string; [field: string]: unknown }>();
    expect(events.find((e) => e.event === 'dataset')).toMatchObject({
      source: path.join(sub, 'kinds.csv'),
      label: 'kind',
      features: ['length', 'width'],
      backend: 'cpu',
    });
    expect(events.at(-1)).toMatchObject({ event: 'registered', model: 'kinds', version: 'v1.0' });
    const show = ok(await runMlops(['models', 'show', 'v1.0', '--json'], { cwd: sub }));
    expect(show.json<{ parameters: Record<string, unknown> }>().parameters).toMatchObject({
      seed: 7,
      backend: 'cpu',
      label: 'kind',
    });
  });

  it('MLOPS_SERVE_HOST, MLOPS_SERVE_PORT, MLOPS_ALIAS: where serve listens and what it follows; predict finds it', async () => {
    ok(await runMlops(['promote', 'v1.0', '--alias', 'staging'], { cwd: sub }));
    const port = await freePort();
    const env = { MLOPS_SERVE_HOST: '127.0.0.1', MLOPS_SERVE_PORT: String(port), MLOPS_ALIAS: 'staging' };
    const server = spawnJsonLines(process.execPath, [binPath, 'serve', '--json'], {
      cwd: sub,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    try {
      const serving = await server.next('serving');
      expect(serving).toMatchObject({ url: `http://127.0.0.1:${port}`, alias: 'staging', version: 'v1.0' });
      // predict's default URL comes from the same variables
      const predicted = ok(await runMlops(['predict', '--data', '[1.2, 0.3]', '--json'], { cwd: sub, env }));
      expect(predicted.json<{ model_version: string }>().model_version).toBe('v1.0');
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });

  it('MLOPS_REGISTRY: the registry, a relative file:// one resolved against the current directory', async () => {
    const res = ok(
      await runMlops(['models', 'verify', '--json'], {
        cwd: sub,
        env: { MLOPS_REGISTRY: 'file://elsewhere' },
      }),
    );
    expect(res.json<{ registry: string; versions: unknown[] }>()).toEqual(
      expect.objectContaining({ registry: `file://${path.join(sub, 'elsewhere')}`, versions: [] }),
    );
  });

  it('MLOPS_REGION: the region the stacks are synthesized for', async () => {
    const regionOf = async (env: Record<string, string>, out: string) => {
      ok(
        await runMlops(['infra', 'synth', '--stack', 'registry', '--json', '--out', out], { cwd: sub, env }),
      );
      const stack = JSON.parse(readFileSync(path.join(sub, out, 'stacks/registry/cdk.tf.json'), 'utf8')) as {
        provider: { aws: { region: string }[] };
      };
      return stack.provider.aws[0]!.region;
    };
    expect(await regionOf({}, 'synth-file')).toBe('us-west-2');
    expect(await regionOf({ MLOPS_REGION: 'eu-west-3' }, 'synth-var')).toBe('eu-west-3');
  });

  it('MLOPS_KUBE_CONTEXT: the kubeconfig context doctor checks', async () => {
    const kubeconfig = path.join(root, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: { token: 'not-a-secret' } }],
        contexts: ['ctx-from-file', 'ctx-from-env'].map((name) => ({
          name,
          context: { cluster: 'c', user: 'u' },
        })),
        'current-context': 'ctx-from-file',
      }),
    );
    const res = await runMlops(['doctor', '--json'], {
      cwd: sub,
      env: {
        PATH: path.dirname(process.execPath),
        HOME: root,
        KUBECONFIG: kubeconfig,
        MLOPS_KUBE_CONTEXT: 'ctx-from-env',
      },
    });
    const details = res.json<{ checks: { name: string; detail: string }[] }>().checks.map((c) => c.detail);
    expect(details.some((d) => d.includes('ctx-from-env'))).toBe(true);
    expect(details.some((d) => d.includes('ctx-from-file'))).toBe(false);
  });

  it.each([
    ['MLOPS_SERVE_PORT', '99999', 'MLOPS_CONFIG_E2003', 'serve.port'],
    ['MLOPS_SERVE_PORT', 'http', 'MLOPS_CONFIG_E2005', 'not a number'],
    ['MLOPS_SEED', 'x', 'MLOPS_CONFIG_E2005', 'not a number'],
    ['MLOPS_REGION', 'mars', 'MLOPS_CONFIG_E2003', 'region'],
    ['MLOPS_BACKEND', 'gpu', 'MLOPS_CONFIG_E2003', 'train.backend'],
  ])('%s=%s is a configuration error that names the variable (exit 2)', async (name, value, code, field) => {
    const res = await runMlops(['models', 'list', '--json'], { cwd: sub, env: { [name]: value } });
    expect(res.code).toBe(2);
    const { error } = res.json<Failed>();
    expect(error.code).toBe(code);
    expect(error.message).toContain(name);
    expect(error.message).toContain(field);
  });
});
