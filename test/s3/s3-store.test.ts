import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ModelStore, type S3StoreOptions } from '../../providers/aws/s3-model-store.js';
import { readDataUri } from '../../providers/store-factory.js';
import type { MlopsError } from '../../src/kernel/errors.js';
import { ModelRegistry } from '../../src/core/registry.js';
import { newVersion, registryContract } from '../registry/registry-contract.js';
import { startS3rver, type S3rverHandle } from '../support/s3rver.js';
import { codeOf } from '../support/error-code.js';

const MiB = 1024 * 1024;
let plain: S3rverHandle;
let emulated: S3rverHandle;
let n = 0;

beforeAll(async () => {
  [plain, emulated] = await Promise.all([
    startS3rver({ buckets: ['registry', 'forbidden'], denyBuckets: ['forbidden'] }),
    startS3rver({ buckets: ['registry'], conditionalWrites: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([plain?.stop(), emulated?.stop()]);
});

/** Small pages and parts, so that pagination and multipart uploads run in ordinary cases too. */
const storeOn = (server: () => S3rverHandle, over: S3StoreOptions = {}) =>
  new S3ModelStore(`s3://registry/run-${n++}/models`, {
    endpoint: server().endpoint,
    credentials: server().credentials,
    region: 'us-east-1',
    pageSize: 7,
    multipartThreshold: 5 * MiB,
    partSize: 5 * MiB,
    ...over,
  });

registryContract('S3 (s3rver)', async () => storeOn(() => plain), undefined, {
  noExclusiveCreate:
    's3rver ignores If-None-Match on PUT (DESIGN.md §7); the filesystem store runs this case, and the s3rver suite with the 412 emulation below checks the S3 client side',
});

// The same contract, unchanged and complete, on s3rver behind a shim that answers a conditional write
// to an existing key with 412 as S3 does: this checks that the store sends If-None-Match: * (on PUT and
// on CompleteMultipartUpload) and maps 412 to "not created". The atomicity itself is S3's, not shown here.
registryContract('S3 (s3rver + If-None-Match emulation)', async () => storeOn(() => emulated));

describe('S3 store specifics (s3rver)', () => {
  it('lists past the 1,000-key page with continuation tokens', async () => {
    const store = storeOn(() => plain, { pageSize: undefined });
    const keys = Array.from({ length: 1005 }, (_, i) => `m/k${String(i).padStart(4, '0')}.json`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, new Uint8Array([1]))));
    }
    expect(await store.list('m/')).toEqual(keys);
  });

  it('uploads a large artifact in parts (multipart), reports progress, and reads it back streamed', async () => {
    const client = new S3Client({
      endpoint: plain.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: plain.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const sent: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize' },
    );
    const store = storeOn(() => plain, { client });
    const body = new Uint8Array(12 * MiB + 3).map((_, i) => (i * 31) % 256);
    const seen: number[] = [];
    expect(await store.put('m/weights.bin', body, { onProgress: (b) => seen.push(b) })).toBe(true);
    expect(seen.at(-1)).toBe(body.length);
    expect(seen.length).toBeGreaterThan(1);
    expect(sent.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
    expect(sent).toContain('CompleteMultipartUploadCommand');
    const parts: Uint8Array[] = [];
    for await (const chunk of (await store.getStream('m/weights.bin'))!) parts.push(chunk);
    expect(Buffer.concat(parts).equals(Buffer.from(body))).toBe(true);
  });

  it('a multipart upload with ifAbsent sends If-None-Match on completion (412 emulation)', async () => {
    const store = storeOn(() => emulated);
    const body = new Uint8Array(11 * MiB);
    expect(await store.put('m/big.bin', body, { ifAbsent: true })).toBe(true);
    expect(await store.put('m/big.bin', new Uint8Array(11 * MiB).fill(7), { ifAbsent: true })).toBe(false);
    expect((await store.get('m/big.bin'))?.[0]).toBe(0);
  });
});

describe('S3 store: bad input gives a clear error and leaves the registry consistent', () => {
  it('an unreachable endpoint', async () => {
    const store = new S3ModelStore('s3://registry/x', {
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    const error = await store.list('').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MLOPS_REGISTRY_E4010' });
    expect((error as MlopsError).message).toContain('Cannot reach S3 at http://127.0.0.1:9');
    expect((error as MlopsError).hint).toContain('AWS_ENDPOINT_URL_S3');
  });

  it('a missing bucket', async () => {
    const store = storeOn(() => plain);
    const missing = new S3ModelStore('s3://no-such-bucket/iris', {
      endpoint: plain.endpoint,
      credentials: plain.credentials,
    });
    const error = await new ModelRegistry(missing, 'iris')
      .createVersion(newVersion())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MLOPS_REGISTRY_E4011' });
    expect((error as MlopsError).message).toContain('"no-such-bucket"');
    expect(await store.list('')).toEqual([]);
  });

  it('access denied by a policy (s3rver has none: a shim answers 403 AccessDenied for one bucket)', async () => {
    const store = new S3ModelStore('s3://forbidden/iris', {
      endpoint: plain.endpoint,
      credentials: plain.credentials,
    });
    const error = await new ModelRegistry(store, 'iris').versions().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MLOPS_REGISTRY_E4012' });
    expect((error as MlopsError).message).toMatch(/^Access denied: cannot list/);
    expect((error as MlopsError).hint).toContain('s3:GetObject');
  });

  it('an unknown access key (403 InvalidAccessKeyId; s3rver does not check V4 signatures, so a wrong secret passes there)', async () => {
    const store = new S3ModelStore('s3://registry/iris', {
      endpoint: plain.endpoint,
      credentials: { accessKeyId: 'nobody', secretAccessKey: 'S3RVER' },
    });
    const error = await store.put('iris/x.json', new Uint8Array([1])).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MLOPS_REGISTRY_E4012' });
    expect((error as MlopsError).message).toContain('refused the AWS credentials (InvalidAccessKeyId)');
    expect(await storeOn(() => plain).list('iris/')).toEqual([]);
  });

  it('a conflicting conditional write (409 ConditionalRequestConflict) counts as "exists"', async () => {
    const conflict = Object.assign(new Error('conflict'), {
      name: 'ConditionalRequestConflict',
      $metadata: { httpStatusCode: 409 },
    });
    const client = { send: async () => Promise.reject(conflict) } as unknown as S3Client;
    const store = new S3ModelStore('s3://registry/iris', { client });
    expect(await store.put('k.json', new Uint8Array([1]), { ifAbsent: true })).toBe(false);
    expect(await codeOf(store.put('k.json', new Uint8Array([1])))).toBe('MLOPS_REGISTRY_E4010');
  });
});

describe('s3:// training data', () => {
  it('reads a CSV object; a missing one is a data error', async () => {
    const store = new S3ModelStore('s3://registry', {
      endpoint: plain.endpoint,
      credentials: plain.credentials,
    });
    await store.put('data/tiny.csv', new TextEncoder().encode('a,b,label\n1,2,x\n'));
    const env = { ...plain.env };
    expect(new TextDecoder().decode(await readDataUri('s3://registry/data/tiny.csv', { env }))).toContain(
      '1,2,x',
    );
    expect(await codeOf(readDataUri('s3://registry/data/none.csv', { env }))).toBe('MLOPS_DATA_E3001');
    expect(await codeOf(readDataUri('s3://registry/', { env }))).toBe('MLOPS_DATA_E3001');
  });
});
