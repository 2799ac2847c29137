import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runMlops, type RunResult } from '../support/run-mlops.js';
import { spawnJsonLines } from '../support/json-lines-child.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The entry points `mlops init` scaffolds run as the images run them (`node training/train.mjs`,
 * `node serving/server.mjs`), importing `mlops/cli` through the project's own link to this checkout.
 * Needs dist/ (npx tsc -p tsconfig.build.json).
 */

const root = tempDir('mlops-scaffold-run-');
const project = path.join(root, 'iris');
// npm on PATH: init links this checkout into the project (npm install --offline).
const env = { PATH: process.env.PATH, HOME: process.env.HOME };
const classes = ['setosa', 'versicolor', 'virginica'];

const ok = (res: RunResult): RunResult => {
  if (res.code !== 0) throw new Error(`mlops exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
  return res;
};

beforeAll(async () => {
  ok(await runMlops(['init', project, '--yes', '--name', 'iris', '--dataset', 'iris'], { cwd: root, env }));
  expect(realpathSync(path.join(project, 'node_modules', 'mlops'))).toBe(realpathSync(repoRoot));
}, 120_000);

describe('the scaffolded entry points run as the images run them', () => {
  it('node training/train.mjs trains and registers v1.0, printing JSON Lines', async () => {
    const train = spawnJsonLines(process.execPath, ['training/train.mjs', '--param', 'epochs=15'], {
      cwd: project,
      env,
    });
    const registered = await train.next('registered');
    expect(await train.exited).toBe(0);
    expect(registered).toMatchObject({ model: 'iris', version: 'v1.0' });
    expect(train.events().map((e) => e.event)).toContain('epoch');
    expect(train.events().at(-1)?.event).toBe('registered');
    expect(existsSync(path.join(project, '.mlops/registry/iris/versions/v1.0/manifest.json'))).toBe(true);
  }, 90_000);

  it('node serving/server.mjs serves it on HOST:PORT, answers /predict, and exits 0 on SIGTERM', async () => {
    ok(await runMlops(['promote', 'v1.0'], { cwd: project }));
    const server = spawnJsonLines(process.execPath, ['serving/server.mjs'], {
      cwd: project,
      env: { ...env, HOST: '127.0.0.1', PORT: '0', DRAIN_DELAY_SECONDS: '0' },
    });
    const serving = await server.next('serving');
    expect(serving).toMatchObject({ model: 'iris', version: 'v1.0', alias: 'production' });
    const url = String(serving.url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const [, ...rows] = readFileSync(path.join(project, 'data/iris.csv'), 'utf8').trim().split('\n');
    const row = rows[0]!.split(',').slice(0, 4).map(Number);
    const res = await fetch(`${url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [row] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { predictions: { label: string }[]; model_version: string };
    expect(body.model_version).toBe('v1.0');
    expect(classes).toContain(body.predictions[0]?.label);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.events().at(-1)).toMatchObject({ event: 'stopped', reason: 'SIGTERM' });
  }, 60_000);
});

describe('train --major from the CLI', () => {
  it('after v1.x, --major registers v2.0; the next plain train registers v2.1', async () => {
    const major = ok(
      await runMlops(['train', '--local', '--major', '--json', '--param', 'epochs=5'], { cwd: project }),
    );
    expect(major.lines<{ event: string; version?: string }>().at(-1)).toMatchObject({
      event: 'registered',
      version: 'v2.0',
    });
    const minor = ok(await runMlops(['train', '--local', '--json', '--param', 'epochs=5'], { cwd: project }));
    expect(minor.lines<{ event: string; version?: string }>().at(-1)).toMatchObject({
      event: 'registered',
      version: 'v2.1',
    });
    const list = ok(await runMlops(['models', 'list', '--json'], { cwd: project }));
    expect(
      list
        .json<{ versions: { version: string }[] }>()
        .versions.map((v) => v.version)
        .sort(),
    ).toEqual(['v1.0', 'v2.0', 'v2.1']);
  }, 60_000);
});
