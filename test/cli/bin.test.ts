import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { completion, repoRoot, runBin, spawnBin } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

const root = tempDir();
const HEAVY = [
  '@tensorflow',
  'cdktf',
  '@cdktf',
  '@kubernetes',
  '@aws-sdk',
  'zod',
  '@inquirer',
  'execa',
  'undici',
];

describe('the built executable', () => {
  it('`mlops --help` loads no heavy module', async () => {
    const res = await runBin(['--help'], {
      cwd: root,
      nodeArgs: ['--import', path.join(repoRoot, 'test/support/trace-imports.mjs')],
    });
    expect(res.code, res.stderr).toBe(0);
    const out = res.stdout;
    const imported = out.split('\n').filter((l) => l.startsWith('IMPORT '));
    // the tracer saw bin/mlops and the CLI it runs (one bundled file after `npm run build`)
    expect(imported.length).toBeGreaterThan(1);
    for (const heavy of HEAVY) {
      expect(
        imported.filter((l) => l.includes(`/node_modules/${heavy}`)),
        heavy,
      ).toEqual([]);
    }
    expect(out).toContain('Usage: mlops');
  });

  it('headless (stdin not a TTY): a question without a default fails fast, naming the flag', async () => {
    const dir = path.join(root, 'p');
    expect((await runBin(['init', dir, '--name', 'p'], { cwd: root })).code).toBe(0);
    // stdin stays open and silent: a CLI that waited for an answer would never end by itself (the
    // guard of `completion` would kill it, exit 1), so exit 2 means it did not wait for input.
    const child = spawnBin(['init', dir], { cwd: root });
    const res = await completion(child, 30_000);
    expect(child.stdin.writableEnded).toBe(false);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('Pass --force');
  });

  it('CI=true never prompts even when flags are missing', async () => {
    const res = await runBin(['promote', '--json'], { cwd: path.join(root, 'p'), env: { CI: 'true' } });
    expect(res.code).toBe(2);
    expect(JSON.parse(res.stdout).error).toMatchObject({
      code: 'MLOPS_USAGE_E1001',
      hint: expect.stringContaining('mlops promote <version>'),
    });
  });

  it('--version prints the package version', async () => {
    const res = await runBin(['--version'], { cwd: root });
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('Ctrl-C during training exits 130 and registers nothing', async () => {
    const dir = path.join(root, 'sigint');
    expect((await runBin(['init', dir, '--yes', '--dataset', 'breast_cancer'], { cwd: root })).code).toBe(0);
    const child = spawnBin(
      ['train', '--local', '--json', '--param', 'epochs=100000', '--param', 'patience=100000'],
      { cwd: dir },
    );
    child.stdin.end();
    let out = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!interrupted && out.includes('"event":"epoch"')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    // Never leave a runaway trainer behind if the expectation fails.
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(guard);
    expect(code).toBe(130);
    const list = await runBin(['models', 'list', '--json'], { cwd: dir });
    expect(JSON.parse(list.stdout).versions).toEqual([]);
  });
});
