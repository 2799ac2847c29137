import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3ModelStore } from '../../providers/aws/s3-model-store.js';
import { ModelRegistry } from '../../src/core/registry.js';
import { repoRoot, runMlops, spawnBin } from '../support/run-mlops.js';
import { NO_AWS_CREDENTIALS, stubEnv } from '../support/sealed-env.js';
import { s3rverObjectPath, startS3rver, type S3rverHandle } from '../support/s3rver.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The whole path against s3rver: `train --local` into an s3:// registry (endpoint and fake credentials
 * from the standard AWS variables), list, promote, serve from S3 and predict, copy to another bucket
 * and to file://, and gc. In-process commands read the AWS variables from process.env (the SDK's
 * credential chain does), so this suite sets them for its worker.
 */
const root = tempDir();
const project = path.join(root, 'iris');
let server: S3rverHandle;

beforeAll(async () => {
  server = await startS3rver({ buckets: ['models', 'prod-models'] });
  // s3rver's keys and nothing else of the chain (a profile would make the SDK skip the keys), and a
  // HOME without ~/.aws for the SDK's own look there.
  stubEnv({ ...NO_AWS_CREDENTIALS, ...server.env, HOME: root });
  const init = await runMlops(
    ['init', project, '--yes', '--name', 'iris', '--dataset', 'iris', '--registry', 's3://models/team'],
    { cwd: root },
  );
  expect(init.code, init.stderr).toBe(0);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await server?.stop();
});

/**
 * The AWS variables go both into process.env (above) and into the CLI's injected environment, so that
 * the suite holds whichever of the two the CLI hands to the S3 store.
 */
const mlops = (args: readonly string[], env: Record<string, string | undefined> = {}) =>
  runMlops(args, { cwd: project, env: { CI: '1', ...server.env, ...env } });

interface Registered {
  event: string;
  version: string;
  metrics: { accuracy: number };
}

describe('end to end on an s3:// registry (s3rver)', () => {
  it('train --local registers versions in the bucket, listed by models list', async () => {
    for (const expected of ['v1.0', 'v1.1']) {
      const res = await mlops([
        'train',
        '--local',
        '--json',
        '--param',
        'epochs=60',
        '--param',
        'patience=10',
      ]);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      const last = res.lines<Registered>().at(-1);
      expect(last).toMatchObject({ event: 'registered', version: expected });
      expect(last?.metrics.accuracy).toBeGreaterThan(0.6);
    }
    const list = await mlops(['models', 'list', '--json']);
    expect(list.code).toBe(0);
    const json = list.json<{ registry: string; versions: { version: string }[] }>();
    expect(json.registry).toBe('s3://models/team');
    expect(json.versions.map((v) => v.version)).toEqual(['v1.0', 'v1.1']);
    expect(existsSync(s3rverObjectPath(server, 'models', 'team/iris/versions/v1.1/manifest.json'))).toBe(
      true,
    );
  });

  it('promote and rollback write the alias objects in the bucket', async () => {
    expect((await mlops(['promote', 'v1.0'])).code).toBe(0);
    expect((await mlops(['promote', 'v1.1', '--json'])).json()).toMatchObject({
      version: 'v1.1',
      previous: 'v1.0',
    });
    expect((await mlops(['rollback', '--json'])).json()).toMatchObject({ version: 'v1.0' });
    expect((await mlops(['promote', 'v1.1'])).code).toBe(0);
    const list = (await mlops(['models', 'list', '--json'])).json<{ aliases: Record<string, string> }>();
    expect(list.aliases).toEqual({ production: 'v1.1' });
  });

  it('serve loads the production version from S3 (verified) and predict gets answers from it', async () => {
    // the built CLI in a child process, as a person or the serving image runs it
    if (!existsSync(path.join(repoRoot, 'dist/src/cli/commands/serve.js'))) {
      throw new Error('dist/ is not built: run `npm run build` (npm test does it first)');
    }
    const child = spawnBin(['serve', '--port', '0', '--json'], {
      cwd: project,
      env: { ...NO_AWS_CREDENTIALS, ...server.env },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const serving = await new Promise<{ url: string; version: string }>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.on('line', (line) => {
          const event = JSON.parse(line) as { event: string; url: string; version: string };
          if (event.event === 'serving') resolve(event);
          if (event.event === 'failed') reject(new Error(line));
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      expect(serving.version).toBe('v1.1');
      const res = await mlops([
        'predict',
        '--url',
        serving.url,
        '--data',
        '[[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]',
        '--json',
      ]);
      expect(res.code, res.stderr).toBe(0);
      const body = res.json<{ model_version: string; predictions: { label: string }[] }>();
      expect(body.model_version).toBe('v1.1');
      expect(body.predictions.map((p) => p.label)).toEqual(['setosa', 'virginica']);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('models copy to another bucket and to file:// keeps name and manifest; again is a no-op', async () => {
    const toS3 = await mlops(['models', 'copy', 'production', '--to', 's3://prod-models/iris', '--json']);
    expect(toS3.code, toS3.stderr).toBe(0);
    expect(toS3.json()).toMatchObject({ version: 'v1.1', copied: true, to: 's3://prod-models/iris' });
    const toFile = await mlops(['models', 'copy', 'v1.1', '--to', 'file://./backup', '--json']);
    expect(toFile.json()).toMatchObject({ copied: true, to: `file://${path.join(project, 'backup')}` });
    const again = await mlops(['models', 'copy', 'v1.1', '--to', 's3://prod-models/iris']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already has the identical iris v1.1');
    const prod = await mlops(['models', 'show', 'v1.1', '--json'], {
      MLOPS_REGISTRY: 's3://prod-models/iris',
    });
    const here = await mlops(['models', 'show', 'v1.1', '--json']);
    const manifest = (r: typeof prod) => {
      const { aliases: _a, aliasHistory: _h, ...rest } = r.json<Record<string, unknown>>();
      return rest;
    };
    expect(manifest(prod)).toEqual(manifest(here));
  });

  it('a half-written version is invisible and its number skipped; gc keeps aliased versions', async () => {
    const store = new S3ModelStore('s3://models/team', { env: server.env });
    await store.put(
      'iris/versions/v1.2/_claim.json',
      new TextEncoder().encode('{"by":"crash","at":"2020-01-01T00:00:00Z","id":"x"}'),
    );
    await store.put('iris/versions/v1.2/weights.bin', new Uint8Array([1, 2, 3]));
    const list = (await mlops(['models', 'list', '--json'])).json<{ versions: { version: string }[] }>();
    expect(list.versions.map((v) => v.version)).toEqual(['v1.0', 'v1.1']);

    const dry = await mlops(['models', 'gc', '--older-than', '0d', '--keep', '0', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json()).toMatchObject({
      dryRun: true,
      candidates: [{ version: 'v1.0' }],
      removed: [],
      incomplete: [{ version: 'v1.2' }],
      kept: [{ version: 'v1.1', reason: 'aliased' }],
    });
    // headless without --yes: names the flag, deletes nothing
    const refused = await mlops(['models', 'gc', '--older-than', '0d', '--keep', '0', '--json']);
    expect(refused.code).toBe(2);
    expect(refused.json<{ error: { code: string; hint: string } }>().error).toMatchObject({
      code: 'MLOPS_USAGE_E1001',
      hint: expect.stringContaining('--yes'),
    });
    // the default --keep (retention.keepLastAliasChanges: 10) spares v1.0, which production pointed to
    const kept = await mlops(['models', 'gc', '--older-than', '0d', '--yes', '--json']);
    expect(kept.json()).toMatchObject({ removed: [], incomplete: [{ version: 'v1.2' }] });
    const removed = await mlops(['models', 'gc', '--older-than', '0d', '--keep', '0', '--yes']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('Removed 1 version of iris');
    expect(await store.list('iris/versions/v1.0/')).toEqual([]);
    const after = (await mlops(['models', 'list', '--json'])).json<{ versions: { version: string }[] }>();
    expect(after.versions.map((v) => v.version)).toEqual(['v1.1']);
  });

  it('a tampered artifact in the bucket is refused, with a clear message', async () => {
    writeFileSync(
      s3rverObjectPath(server, 'prod-models', 'iris/iris/versions/v1.1/weights.bin'),
      'not the weights',
    );
    const res = await mlops(['models', 'show', 'v1.1'], { MLOPS_REGISTRY: 's3://prod-models/iris' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Artifact weights.bin of iris v1.1 in s3://prod-models/iris');
    expect(res.stderr).toContain('refusing to load it');
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('train --local --data s3://… reads the CSV from the bucket', async () => {
    const store = new S3ModelStore('s3://models', { env: server.env });
    await store.put('datasets/iris.csv', readFileSync(path.join(project, 'data/iris.csv')));
    const res = await mlops([
      'train',
      '--local',
      '--json',
      '--data',
      's3://models/datasets/iris.csv',
      '--param',
      'epochs=20',
    ]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const registered = res.lines<Registered & { event: string }>().at(-1)!;
    const registry = new ModelRegistry(new S3ModelStore('s3://models/team', { env: server.env }), 'iris');
    expect((await registry.manifest(registered.version)).data).toMatchObject({
      source: 's3://models/datasets/iris.csv',
      rows: 150,
    });
  });

  it('the endpoint can come from the config ({"registry": {"uri", "endpoint"}}) instead of the environment', async () => {
    const other = path.join(root, 'endpoint-in-config');
    mkdirSync(other, { recursive: true });
    writeFileSync(
      path.join(other, 'mlops.config.json'),
      JSON.stringify({ name: 'iris', registry: { uri: 's3://models/team', endpoint: server.endpoint } }),
    );
    const endpoint = process.env.AWS_ENDPOINT_URL_S3;
    delete process.env.AWS_ENDPOINT_URL_S3;
    try {
      const env = { ...server.env, AWS_ENDPOINT_URL_S3: undefined };
      const res = await runMlops(['models', 'list', '--json'], { cwd: other, env });
      expect(res.code, res.stderr).toBe(0);
      expect(res.json<{ versions: unknown[] }>().versions.length).toBeGreaterThanOrEqual(2);
    } finally {
      process.env.AWS_ENDPOINT_URL_S3 = endpoint;
    }
  });
});

describe('clear errors from the CLI for a registry it cannot use', () => {
  it('an unreachable endpoint', async () => {
    const before = process.env.AWS_ENDPOINT_URL_S3;
    process.env.AWS_ENDPOINT_URL_S3 = 'http://127.0.0.1:9';
    try {
      const res = await mlops(['models', 'list'], { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('Cannot reach S3 at http://127.0.0.1:9 to list');
      expect(res.stderr).toContain('AWS_ENDPOINT_URL_S3');
      expect(res.stderr).not.toMatch(/\n\s+at /);
    } finally {
      process.env.AWS_ENDPOINT_URL_S3 = before;
    }
  });

  it('a missing bucket', async () => {
    const res = await mlops(['models', 'list', '--json'], { MLOPS_REGISTRY: 's3://no-such-bucket/iris' });
    expect(res.code).toBe(1);
    expect(res.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'MLOPS_REGISTRY_E4011',
      message: expect.stringContaining('"no-such-bucket"'),
    });
  });

  it('no credentials anywhere', async () => {
    // Every source of the chain cleared, in the CLI's environment and in this process's (which the
    // SDK reads); HOME is still the test's, with no ~/.aws.
    stubEnv(NO_AWS_CREDENTIALS);
    try {
      const res = await mlops(['models', 'list', '--json'], NO_AWS_CREDENTIALS);
      expect(res.code).toBe(1);
      expect(res.json<{ error: { code: string; hint: string } }>().error).toMatchObject({
        code: 'MLOPS_REGISTRY_E4013',
        hint: expect.stringContaining('AWS_PROFILE'),
      });
    } finally {
      stubEnv({ ...NO_AWS_CREDENTIALS, ...server.env });
    }
  });
});
