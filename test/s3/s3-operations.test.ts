import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ModelStore } from '../../providers/aws/s3-model-store.js';
import { FsModelStore } from '../../providers/local/fs-model-store.js';
import { copyVersion } from '../../src/core/copy.js';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import { ModelRegistry } from '../../src/core/registry.js';
import { newVersion } from '../registry/registry-contract.js';
import { registryOperationsContract } from '../registry/operations-contract.js';
import { startS3rver, type S3rverHandle } from '../support/s3rver.js';
import { tempDir } from '../support/temp-dir.js';

const MiB = 1024 * 1024;
const root = tempDir();
let server: S3rverHandle;
let n = 0;

// Copying claims the version name with a conditional write, which s3rver ignores (DESIGN.md §7): these
// run on s3rver behind the 412 emulation of test/support/s3rver.ts. The filesystem store runs the same
// cases with real exclusive creation (test/registry/fs-operations.test.ts).
beforeAll(async () => {
  server = await startS3rver({ buckets: ['staging', 'production'], conditionalWrites: true });
});
afterAll(async () => server?.stop());

const s3 = (bucket = 'staging') =>
  new S3ModelStore(`s3://${bucket}/run-${n++}`, {
    endpoint: server.endpoint,
    credentials: server.credentials,
    pageSize: 5,
    multipartThreshold: 5 * MiB,
    partSize: 5 * MiB,
  });
const fs = () => new FsModelStore(`file://${mkdtempSync(path.join(root, `s${n++}-`))}`);

registryOperationsContract('S3 (s3rver + If-None-Match emulation)', async () => s3());

describe('models copy across store kinds', () => {
  const weights = new Uint8Array(12 * MiB).map((_, i) => (i * 5) % 256);

  it('file:// → s3:// → s3:// (another bucket) → file://, multipart, same manifest everywhere', async () => {
    const origin = new ModelRegistry(fs(), 'iris');
    const manifest = await origin.createVersion(newVersion({ artifacts: { 'weights.bin': weights } }));
    const chain = [
      origin,
      new ModelRegistry(s3('staging'), 'iris'),
      new ModelRegistry(s3('production'), 'iris'),
      new ModelRegistry(fs(), 'iris'),
    ];
    for (let i = 1; i < chain.length; i++) {
      const result = await copyVersion({
        source: chain[i - 1]!,
        target: chain[i]!,
        ref: 'v1.0',
        actor: 'me',
        io: new MemoryIoHost(),
      });
      expect(result).toMatchObject({
        copied: true,
        bytes: manifest.artifacts.reduce((s, a) => s + a.size, 0),
      });
      expect(await chain[i]!.manifest('v1.0')).toEqual(manifest);
    }
    const last = await chain.at(-1)!.load('v1.0');
    expect(Buffer.from(last.artifacts['weights.bin']!).equals(Buffer.from(weights))).toBe(true);
  });
});
