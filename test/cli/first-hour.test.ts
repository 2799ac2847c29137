import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mlopsDependency } from '../../src/core/init.js';
import { repoRoot, runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

const root = tempDir();
// npm (the offline install) and nothing else of this machine: runMlops gives each run its own HOME.
const env = { PATH: process.env.PATH };

interface JsonError {
  readonly error: { readonly message: string; readonly hint: string; readonly code: string };
}

describe('a scaffolded project runs the mlops that made it', () => {
  it('from a checkout: a file: link, installed offline, so npx mlops stays local', async () => {
    const dir = path.join(root, 'linked');
    const res = await runMlops(['init', dir, '--yes', '--json'], { cwd: root, env });
    expect(res.code).toBe(0);
    const result = res.json<{ mlopsDependency: string; installed: boolean }>();
    expect(result.mlopsDependency).toMatch(/^file:/);
    expect(result.installed).toBe(true);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const linked = path.resolve(dir, pkg.dependencies.mlops!.slice('file:'.length));
    expect(realpathSync(linked)).toBe(realpathSync(repoRoot));
    expect(realpathSync(path.join(dir, 'node_modules', 'mlops'))).toBe(realpathSync(repoRoot));
    expect(existsSync(path.join(dir, 'node_modules', '.bin', 'mlops'))).toBe(true);
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    expect(readme).not.toContain('npmjs.com');
    expect(readme).toContain('npx mlops predict --wait 10 --file data/iris.csv');
  }, 60_000);

  it('installed from a registry: the published version range', () => {
    expect(mlopsDependency('/home/me/p', '/home/me/app/node_modules/mlops', '1.4.2')).toBe('^1.4.2');
    expect(mlopsDependency('/work/demo', '/work/mlops', '0.1.0')).toBe('file:../mlops');
    expect(mlopsDependency('/work/mlops/demo', '/work/mlops', '0.1.0')).toBe('file:..');
  });

  it.each([
    ['synthetic', `--data '[0.1, 0.2, 0.3, 0.4]'`],
    ['s3://bucket/data/train.csv', '--file rows.csv'],
  ])('the project README predicts in a way that fits --dataset %s', async (dataset, line) => {
    const dir = path.join(root, `readme-${dataset.length}`);
    const res = await runMlops(['init', dir, '--yes', '--dataset', dataset], {
      cwd: root,
      env: { PATH: '/nonexistent' },
    });
    expect(res.code).toBe(0);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain(
      `npx mlops predict --wait 10 ${line}`,
    );
  });

  it('without npm at hand, init still succeeds and says what to run', async () => {
    const dir = path.join(root, 'no-npm');
    const res = await runMlops(['init', dir, '--yes'], { cwd: root, env: { PATH: '/nonexistent' } });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`run npm install in ${dir}`);
    expect(res.stdout).toContain('npm install && npx mlops train --local');
  });
});

describe('errors that say what to do (--json: {"error":{"message","hint","code"}}, exit 2)', () => {
  const project = path.join(root, 'errors');
  const usage = async (args: string[], cwd = project) => {
    const res = await runMlops([...args, '--json'], { cwd });
    expect(res.code, res.stdout + res.stderr).toBe(2);
    const { error } = res.json<JsonError>();
    expect(error.hint.length).toBeGreaterThan(5);
    return error;
  };

  it('init onto a regular file', async () => {
    const file = path.join(root, 'a-file');
    writeFileSync(file, 'not a directory');
    const error = await usage(['init', file, '--yes'], root);
    expect(error).toMatchObject({ code: 'MLOPS_USAGE_E1005', message: expect.stringContaining('is a file') });
    expect(readFileSync(file, 'utf8')).toBe('not a directory');
  });

  it('a directory given as --config', async () => {
    expect((await runMlops(['init', project, '--yes'], { cwd: root })).code).toBe(0);
    const error = await usage(['models', 'list', '--config', project], root);
    expect(error.code).toBe('MLOPS_USAGE_E1005');
    expect(error.hint).toContain(path.join(project, 'mlops.config.json'));
  });

  it.each([
    [['serve', '--port', '70000'], '--port 8080'],
    [['serve', '--port', 'http'], '--port 8080'],
    [['serve', '--drain-delay', '-1'], '--drain-delay 5'],
    [['predict', '--data', '[1,2,3,4]', '--batch-size', '0'], '--batch-size 500'],
    [['predict', '--data', '[1,2,3,4]', '--protocol', 'grpc'], '--protocol simple'],
    [['models', 'gc', '--keep', '2.5', '--yes'], '--keep 10'],
  ])('%j', async (args, example) => {
    const error = await usage(args);
    expect(error.code).toBe('MLOPS_USAGE_E1002');
    expect(error.hint).toContain(example);
  });
});

describe('one line per fact', () => {
  it('train --local says "Registered" once (stdout), not again on stderr', async () => {
    const dir = path.join(root, 'once');
    expect((await runMlops(['init', dir, '--yes'], { cwd: root })).code).toBe(0);
    const res = await runMlops(['train', '--local', '--param', 'epochs=20'], { cwd: dir });
    expect(res.code).toBe(0);
    const said = `${res.stdout}\n${res.stderr}`.match(/registered/gi) ?? [];
    expect(said).toHaveLength(1);
  }, 60_000);
});
