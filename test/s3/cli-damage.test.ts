import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ModelStore } from '../../providers/aws/s3-model-store.js';
import { ModelRegistry } from '../../src/core/registry.js';
import { newVersion } from '../registry/registry-contract.js';
import { runMlops } from '../support/run-mlops.js';
import { startS3rver, type S3rverHandle } from '../support/s3rver.js';
import { tempDir } from '../support/temp-dir.js';

/** The damaged-registry commands on an s3:// registry: HeadObject for sizes, the same JSON shapes. */
const dir = tempDir();
let server: S3rverHandle;
let store: S3ModelStore;
const bytes = (text: string) => new TextEncoder().encode(text);

beforeAll(async () => {
  server = await startS3rver({ buckets: ['models'], conditionalWrites: true });
  store = new S3ModelStore('s3://models/team', {
    endpoint: server.endpoint,
    credentials: server.credentials,
  });
  const registry = new ModelRegistry(store, 'iris');
  for (let i = 0; i < 3; i++) await registry.createVersion(newVersion());
  await registry.setAlias('production', 'v1.0', 'me');
  await registry.setAlias('production', 'v1.1', 'me');
  writeFileSync(
    path.join(dir, 'mlops.config.json'),
    JSON.stringify({ name: 'iris', registry: 's3://models/team' }),
  );
});
afterAll(async () => server?.stop());

const mlops = (args: readonly string[]) =>
  runMlops(args, { cwd: dir, env: { CI: '1', AWS_EC2_METADATA_DISABLED: 'true', ...server.env } });

interface ErrorJson {
  error: { message: string; hint: string; code: string };
}

describe('a damaged s3:// registry stays usable', () => {
  it('a corrupt manifest: list marks it, verify exits 1 naming it', async () => {
    await store.put('iris/versions/v1.2/manifest.json', bytes('[]'));
    const list = await mlops(['models', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.json()).toMatchObject({
      versions: [{ version: 'v1.0' }, { version: 'v1.1' }],
      damaged: [{ version: 'v1.2', reason: 'it is not a JSON object' }],
    });
    const verify = await mlops(['models', 'verify', '--json']);
    expect(verify.code).toBe(1);
    expect(verify.json()).toMatchObject({
      ok: false,
      versions: [{ status: 'ok' }, { status: 'ok' }, { version: 'v1.2', status: 'damaged' }],
    });
  });

  it('promote refuses a truncated artifact (HeadObject size); a garbage alias is repaired with --force', async () => {
    await store.put('iris/versions/v1.0/weights.bin', new Uint8Array([1]));
    const refused = await mlops(['promote', 'v1.0', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.json<ErrorJson>().error).toMatchObject({
      code: 'MLOPS_REGISTRY_E4002',
      message: expect.stringContaining('weights.bin has 1 bytes where its manifest records 4'),
    });

    await store.put('iris/aliases/production.json', bytes('{"version": 12}'));
    const damaged = await mlops(['models', 'show', 'production', '--json']);
    expect(damaged.code).toBe(1);
    expect(damaged.json<ErrorJson>().error).toEqual({
      message: 'The alias "production" of iris in s3://models/team is damaged: it names no version.',
      hint: 'Rewrite it with `mlops promote v1.1 --alias production --force` (the repair is recorded in the alias history).',
      code: 'MLOPS_REGISTRY_E4017',
    });
    const repaired = await mlops(['promote', 'v1.1', '--alias', 'production', '--force', '--json']);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.json()).toMatchObject({ version: 'v1.1', repaired: true });
    const show = await mlops(['models', 'show', 'production', '--json']);
    // the changes that moved production in or out of v1.1
    expect(show.json<{ aliasHistory: { action: string }[] }>().aliasHistory.map((h) => h.action)).toEqual([
      'promote',
      'repair',
    ]);
  });
});
