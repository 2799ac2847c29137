import { afterAll, beforeAll } from 'vitest';
import { S3ModelStore } from '../../providers/aws/s3-model-store.js';
import { registryDamageContract } from '../registry/damage-contract.js';
import { startS3rver, type S3rverHandle } from '../support/s3rver.js';

let server: S3rverHandle;
let n = 0;

beforeAll(async () => {
  server = await startS3rver({ buckets: ['registry'], conditionalWrites: true });
});
afterAll(async () => server?.stop());

// HeadObject for the size checks, and the same damage done with the store's own writes.
registryDamageContract(
  'S3 (s3rver + If-None-Match emulation)',
  async () =>
    new S3ModelStore(`s3://registry/run-${n++}`, {
      endpoint: server.endpoint,
      credentials: server.credentials,
      pageSize: 5,
    }),
);
