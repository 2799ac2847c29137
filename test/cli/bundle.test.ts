import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliEnv } from '../../src/cli/context.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { binPath, repoRoot } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

type Run = (argv: readonly string[], cli: CliEnv) => Promise<number>;

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

async function capture(run: Run, argv: readonly string[], cwd: string) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await run(argv, { stdout, stderr, stdin: new PassThrough(), env: { HOME: cwd }, cwd });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const cwd = tempDir();

describe('the bundled CLI front (dist/cli.mjs)', () => {
  // scripts/bundle-cli.mjs as `npm run build` runs it, into a directory of its own inside dist/ (the
  // bundle finds the package root, templates and the compiled files by walking up from where it is).
  let out: string;
  let bundled: Run;
  let compiled: Run;

  beforeAll(async () => {
    out = mkdtempSync(path.join(repoRoot, 'dist', '.bundle-test-'));
    execFileSync(process.execPath, ['scripts/bundle-cli.mjs', '--outfile', path.join(out, 'cli.mjs')], {
      cwd: repoRoot,
    });
    const load = async (file: string) => ((await import(pathToFileURL(file).href)) as { run: Run }).run;
    [bundled, compiled] = await Promise.all([
      load(path.join(out, 'cli.mjs')),
      load(path.join(repoRoot, 'dist', 'src', 'cli', 'main.js')),
    ]);
  }, 60_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('is one file: every module of ours it does not hold is an import() of a compiled file that exists', () => {
    const text = readFileSync(path.join(out, 'cli.mjs'), 'utf8');
    const staticImports = [...text.matchAll(/^import .* from ["']([^"']+)["'];$/gm)].map((m) => m[1]);
    expect(staticImports.filter((s) => s?.startsWith('.'))).toEqual([]);
    const lazy = [...text.matchAll(/\bimport\("(\.[^"]+)"\)/g)].map((m) => m[1] ?? '');
    expect(lazy).toContain('../src/core/init.js');
    expect(lazy.filter((s) => !existsSync(path.resolve(out, s)))).toEqual([]);
    // no package loads on start: commander is inside, the packages of handlers are import()s
    expect(staticImports.filter((s) => !s?.startsWith('node:'))).toEqual([]);
  });

  it('prints the same help as the compiled sources, for the program and every command', async () => {
    const argvs = [['--help'], ['--version'], ...COMMANDS.map((c) => [...c.name.split(' '), '--help'])];
    for (const argv of argvs) {
      const [a, b] = [await capture(bundled, argv, cwd), await capture(compiled, argv, cwd)];
      expect(a, argv.join(' ')).toEqual(b);
      expect(a.code).toBe(0);
    }
  });

  it('reports usage errors as the compiled sources do', async () => {
    for (const argv of [['trian'], ['predict', '--protocol'], ['--json', 'models', 'nope']]) {
      const [a, b] = [await capture(bundled, argv, cwd), await capture(compiled, argv, cwd)];
      expect(a, argv.join(' ')).toEqual(b);
      expect(a.code).toBe(2);
    }
  });

  it('reports every problem of a bad configuration as the compiled sources do (through its config chunk)', () => {
    const dir = path.join(cwd, 'bad-config');
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, 'mlops.config.json'),
      JSON.stringify({
        name: 'Bad_Name',
        registry: 'ftp://models',
        trian: {},
        train: { epochs: 0, backend: 'gpu', hiddenUnits: [64, 'x'] },
        serve: { port: 'eighty' },
        deploy: { autoscaling: { minReplicas: 5, maxReplicas: 2 } },
      }),
    );
    // One process each: zod keeps its settings (the chunk's `jitless`) on globalThis.
    const runner =
      'const cli = await import(process.argv[1]); process.exitCode = await cli.run(process.argv.slice(2), cli.processEnv());';
    const predict = (cli: string) =>
      spawnSync(
        process.execPath,
        ['--input-type=module', '-e', runner, pathToFileURL(cli).href, 'predict', '--data', '[1]', '--json'],
        { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: cwd } },
      );
    const bundledRun = predict(path.join(out, 'cli.mjs'));
    const compiledRun = predict(path.join(repoRoot, 'dist', 'src', 'cli', 'main.js'));
    expect(bundledRun.status, bundledRun.stderr).toBe(2);
    const { error } = JSON.parse(bundledRun.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('MLOPS_CONFIG_E2003');
    for (const field of ['name', 'registry', 'trian', 'train.epochs', 'train.backend', 'serve.port']) {
      expect(error.message).toContain(field);
    }
    expect(error.message).toContain('minReplicas must not exceed maxReplicas');
    expect({ ...bundledRun, pid: 0 }).toEqual({ ...compiledRun, pid: 0 });
  });

  it('runs a handler through its lazy import (init writes a project)', async () => {
    const dir = path.join(cwd, 'p');
    const res = await capture(bundled, ['init', dir, '--yes', '--name', 'p', '--json'], cwd);
    expect(res.code, res.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'mlops.config.json'))).toBe(true);
  });
});

describe('bin/mlops', () => {
  // A package of bin/mlops and two stand-in CLIs that say which one ran.
  const fake = path.join(cwd, 'fake');
  const bundle = path.join(fake, 'dist', 'cli.mjs');
  const sources = path.join(fake, 'dist', 'src', 'cli', 'main.js');
  const standIn = (name: string) =>
    `export const processEnv = () => ({});\nexport const run = async () => (process.stdout.write('${name}'), 0);\n`;
  const ran = () => execFileSync(process.execPath, [path.join(fake, 'bin', 'mlops')], { encoding: 'utf8' });
  const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);

  beforeAll(() => {
    mkdirSync(path.dirname(sources), { recursive: true });
    mkdirSync(path.join(fake, 'bin'));
    copyFileSync(binPath, path.join(fake, 'bin', 'mlops'));
    writeFileSync(path.join(fake, 'package.json'), '{"type":"module"}');
    writeFileSync(bundle, standIn('bundle'));
    writeFileSync(sources, standIn('compiled'));
  });

  it('runs the bundle when it is as new as the compiled sources or newer (npm pack gives both one time)', () => {
    at(sources, 1_000_000);
    at(bundle, 1_000_000);
    expect(ran()).toBe('bundle');
    at(bundle, 1_000_100);
    expect(ran()).toBe('bundle');
  });

  it('runs the compiled sources when a tsc alone rebuilt them after the bundle, or there is none', () => {
    at(bundle, 1_000_000);
    at(sources, 1_000_200);
    expect(ran()).toBe('compiled');
    rmSync(bundle);
    expect(ran()).toBe('compiled');
  });
});
