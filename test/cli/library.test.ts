import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { installPacked } from '../support/packed-install.js';
import { repoRoot } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * mlops as a library, as a user gets it: the packed tarball installed into a new project, imported
 * through the package's exports map (never this checkout's src/). Needs dist/ (npx tsc -p
 * tsconfig.build.json) and the npm cache of the checkout's `npm ci`; the one slow file (~30 s).
 */

const exec = promisify(execFile);
const root = tempDir('mlops-library-');
let app: string;
let project: string;
const classes = ['setosa', 'versicolor', 'virginica'];

/** Runs an ES module script in the project; resolves with what it printed. */
async function script(name: string, text: string): Promise<string> {
  const file = path.join(project, name);
  writeFileSync(file, text);
  const { stdout } = await exec(process.execPath, [file], {
    cwd: project,
    env: { PATH: process.env.PATH, HOME: root },
    timeout: 60_000,
  });
  return stdout;
}

beforeAll(async () => {
  app = await installPacked(root);
  project = path.join(app, 'iris');
  mkdirSync(project);
}, 240_000);

describe('the library API of the README, from the installed package', () => {
  it('the package is installed from its tarball, not linked to this checkout', () => {
    const installed = path.join(app, 'node_modules', 'mlops');
    expect(existsSync(path.join(installed, 'src'))).toBe(false);
    expect(existsSync(path.join(installed, 'dist/src/index.d.ts'))).toBe(true);
    expect(existsSync(path.join(installed, 'dist/src/cli.d.ts'))).toBe(true);
  });

  it('scaffolds, trains and promotes with initProject, loadConfig, openRegistry, trainLocal, promote', async () => {
    const out = await script(
      'setup.mjs',
      `import { initProject, loadConfig, openRegistry, trainLocal, promote, MemoryIoHost } from 'mlops';

const io = new MemoryIoHost();
await initProject({ dir: process.cwd(), io, name: 'iris', dataset: 'iris' });
const { config, dir } = loadConfig({ cwd: process.cwd(), overrides: { 'train.epochs': 40 } });
const registry = await openRegistry(\`file://\${dir}/.mlops/registry\`, config.name);
const trained = await trainLocal({ config, configDir: dir, io, registry, actor: 'library-test' });
const promoted = await promote({ registry, version: trained.version, alias: 'production', actor: 'library-test', io });
console.log(JSON.stringify({ version: trained.version, accuracy: trained.metrics.accuracy, promoted, events: io.events.map((e) => e.event) }));
`,
    );
    const result = JSON.parse(out) as {
      version: string;
      accuracy: number;
      promoted: { alias: string; version: string };
      events: string[];
    };
    expect(result.version).toBe('v1.0');
    expect(result.accuracy).toBeGreaterThan(0.5);
    expect(result.promoted).toMatchObject({ alias: 'production', version: 'v1.0' });
    expect(result.events).toEqual(
      expect.arrayContaining(['initialized', 'dataset', 'registered', 'promoted']),
    );
  });

  it('the README example runs as written and predicts', async () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const example = /## Using it as a library\s+```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(example).toContain("from 'mlops'");
    const out = await script('readme-example.mjs', example);
    expect(out).toMatch(new RegExp(`label: '(${classes.join('|')})'`));
    expect(out).toContain('probabilities');
  });

  it('serveModel answers /predict over HTTP; createServingApp answers without a socket', async () => {
    const out = await script(
      'serve.mjs',
      `import { loadConfig, openRegistry, loadModel, serveModel, createServingApp, MemoryIoHost } from 'mlops';

const { config, dir } = loadConfig({ cwd: process.cwd() });
const registry = await openRegistry(\`file://\${dir}/.mlops/registry\`, config.name);
const io = new MemoryIoHost();
const handle = await serveModel({ registry, serve: { ...config.serve, host: '127.0.0.1', port: 0 }, io });
const res = await fetch(\`\${handle.url}/predict\`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] }),
});
const served = await res.json();
await handle.stop('done');

const app = await createServingApp({
  ref: 'production',
  source: {
    model: registry.model,
    resolve: (ref) => registry.resolve(ref),
    load: async (version) => ({ version, predictor: (await loadModel(registry, version)).predictor }),
  },
});
await app.start();
const injected = await app.inject({ method: 'POST', url: '/predict', body: { instances: [[6.7, 3.0, 5.2, 2.3]] } });
await app.stop();
console.log(JSON.stringify({ status: res.status, served, injected: { status: injected.status, body: injected.json() }, events: io.events.map((e) => e.event) }));
`,
    );
    const result = JSON.parse(out) as {
      status: number;
      served: { model_version: string; predictions: { label: string }[] };
      injected: { status: number; body: { model_version: string; predictions: { label: string }[] } };
      events: string[];
    };
    expect(result.status).toBe(200);
    expect(result.served.model_version).toBe('v1.0');
    expect(classes).toContain(result.served.predictions[0]?.label);
    expect(result.injected.status).toBe(200);
    expect(result.injected.body.model_version).toBe('v1.0');
    expect(classes).toContain(result.injected.body.predictions[0]?.label);
    expect(result.events).toEqual(expect.arrayContaining(['serving', 'stopped']));
  });

  it('the exports map: mlops, mlops/cli, the schema and package.json resolve; internals do not', async () => {
    const out = await script(
      'exports.mjs',
      `import { createRequire } from 'node:module';
import * as lib from 'mlops';
import { run } from 'mlops/cli';

const require = createRequire(import.meta.url);
const schema = require('mlops/schema/mlops.config.schema.json');
const pkg = require('mlops/package.json');
const blocked = await import('mlops/dist/src/core/train.js').then(() => 'imported', (error) => error.code);
const code = await run(['models', 'list', '--json']);
console.log(JSON.stringify({ names: Object.keys(lib), run: typeof run, schema: Object.keys(schema.properties ?? {}), version: pkg.version, blocked, code }));
`,
    );
    const lines = out.trim().split('\n');
    const result = JSON.parse(lines.at(-1)!) as {
      names: string[];
      run: string;
      schema: string[];
      version: string;
      blocked: string;
      code: number;
    };
    expect(result.names).toEqual(
      expect.arrayContaining([
        'loadConfig',
        'openRegistry',
        'trainLocal',
        'loadModel',
        'MemoryIoHost',
        'promote',
        'rollback',
        'initProject',
        'serveModel',
        'createServingApp',
        'MlopsError',
        'MESSAGES',
      ]),
    );
    expect(result.run).toBe('function');
    expect(result.schema).toEqual(expect.arrayContaining(['name', 'registry', 'train', 'serve']));
    expect(result.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(result.blocked).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    // `run` from mlops/cli is the CLI: it printed the project's versions (JSON) before the last line
    expect(result.code).toBe(0);
    expect(JSON.parse(lines.slice(0, -1).join('\n'))).toMatchObject({
      model: 'iris',
      aliases: { production: 'v1.0' },
    });
  });

  it('the installed bin runs: node_modules/.bin/mlops', async () => {
    const { stdout } = await exec(path.join(app, 'node_modules/.bin/mlops'), ['models', 'list', '--json'], {
      cwd: project,
      env: { PATH: process.env.PATH, HOME: root },
    });
    expect(JSON.parse(stdout)).toMatchObject({
      model: 'iris',
      versions: [expect.objectContaining({ version: 'v1.0' })],
    });
  });
});
