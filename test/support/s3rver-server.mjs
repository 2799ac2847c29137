// s3rver for tests and benchmarks, run with plain `node --openssl-legacy-provider` (see s3rver.ts).
// Options come from S3RVER_OPTIONS (JSON: directory, buckets, conditionalWrites, denyBuckets,
// bucketSettings); it prints {"port"} on its first line and exits when its stdin ends.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const S3Error = require('s3rver/lib/models/error');
const options = JSON.parse(process.env.S3RVER_OPTIONS);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: options.directory,
  configureBuckets: options.buckets.map((name) => ({ name })),
});
// s3rver answers a PUT when its data has passed through its hashing stream, not when the file is
// written: a GET right after may read a short object (about 1 in 300 here). S3 is read-after-write
// consistent, so wait until the file holds every byte before answering.
const { stat } = require('node:fs/promises');
const putObject = server.store.putObject.bind(server.store);
server.store.putObject = async (object) => {
  const result = await putObject(object);
  const file = server.store.getResourcePath(object.bucket, object.key, 'object');
  for (let waited = 0; waited < 5000 && (await stat(file)).size < result.size; waited += 2) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return result;
};
const shims = [];
if (options.denyBuckets.length) {
  shims.push(async (ctx, next) => {
    const bucket = ctx.path.split('/')[1];
    if (options.denyBuckets.includes(bucket)) throw new S3Error('AccessDenied', 'Access Denied');
    return next();
  });
}
if (options.conditionalWrites) {
  const queues = new Map();
  shims.push(async (ctx, next) => {
    const conditional = ctx.get('if-none-match') === '*';
    const write =
      ctx.method === 'PUT' ? !('partNumber' in ctx.query) : ctx.method === 'POST' && 'uploadId' in ctx.query;
    if (!conditional || !write) return next();
    const [, bucket, ...rest] = ctx.path.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const previous = queues.get(ctx.path) ?? Promise.resolve();
    let release;
    const mine = new Promise((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    queues.set(ctx.path, tail);
    await previous;
    try {
      if (await server.store.existsObject(bucket, key)) {
        throw new S3Error(
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
          {
            Condition: 'If-None-Match',
          },
        );
      }
      await next();
    } finally {
      release();
      if (queues.get(ctx.path) === tail) queues.delete(ctx.path);
    }
  });
}
if (options.bucketSettings) {
  // What GET answers for a setting never made, as S3 does.
  const unset = {
    versioning: () => '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>',
    encryption: () => notConfigured('ServerSideEncryptionConfigurationNotFoundError'),
    publicAccessBlock: () => notConfigured('NoSuchPublicAccessBlockConfiguration'),
    policy: () => notConfigured('NoSuchBucketPolicy'),
  };
  function notConfigured(code) {
    const error = new S3Error(code, 'The configuration does not exist');
    error.status = 404;
    throw error;
  }
  const documents = new Map();
  shims.push(async (ctx, next) => {
    const [, bucket, ...rest] = ctx.path.split('/');
    const setting = Object.keys(unset).find((name) => name in ctx.query);
    if (!bucket || rest.some(Boolean) || !setting || !['GET', 'PUT', 'DELETE'].includes(ctx.method)) {
      return next();
    }
    if (!(await server.store.getBucket(bucket))) {
      throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
    }
    const key = `${bucket}?${setting}`;
    if (ctx.method === 'PUT') {
      const chunks = [];
      for await (const chunk of ctx.req) chunks.push(chunk);
      documents.set(key, Buffer.concat(chunks).toString('utf8'));
      ctx.status = 200;
    } else if (ctx.method === 'DELETE') {
      documents.delete(key);
      ctx.status = 204;
    } else {
      ctx.type = setting === 'policy' ? 'application/json' : 'application/xml';
      ctx.body = documents.get(key) ?? unset[setting]();
    }
  });
}
// Koa composes its middleware when the server starts listening: shims placed first run before s3rver's routes.
server.middleware.unshift(...shims);
const { port } = await server.run();
process.stdout.write(JSON.stringify({ port }) + '\n');
process.stdin.on('end', () => server.close().finally(() => process.exit(0)));
process.stdin.resume();
