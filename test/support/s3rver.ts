import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './run-mlops.js';

export interface S3rverOptions {
  /** Buckets created before the server starts. */
  readonly buckets?: readonly string[];
  /**
   * s3rver ignores `If-None-Match: *` on writes (DESIGN.md §7). With this set, a small shim in front
   * of it answers a conditional PUT / CompleteMultipartUpload on an existing key with 412
   * PreconditionFailed, as S3 does, serializing conditional writes per key so that check-then-write
   * is atomic among them. It is an emulation, named as such wherever a test relies on it.
   */
  readonly conditionalWrites?: boolean;
  /** Buckets for which every request is answered 403 AccessDenied, as a bucket policy denial is. */
  readonly denyBuckets?: readonly string[];
}

export interface S3rverHandle {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_S3. */
  readonly endpoint: string;
  readonly port: number;
  /** The server's storage directory (objects can be tampered with behind its back). */
  readonly directory: string;
  /** The credentials s3rver accepts (it verifies signatures). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Environment for a client (mlops in-process or a child) to reach this server. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * The server, run with plain `node`: s3rver answers a truncated ListObjectsV2 with a continuation token
 * it encrypts with DES, which OpenSSL 3 (Node >= 17) only offers with `--openssl-legacy-provider`.
 * That flag can only be given when a process starts, and vitest workers start without it, so the
 * server runs in a child process of the test with the flag (one per suite, 127.0.0.1, random port).
 */
const SERVER = String.raw`
import { createRequire } from 'node:module';
const require = createRequire(process.env.S3RVER_FROM);
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
    const write = ctx.method === 'PUT' ? !('partNumber' in ctx.query) : ctx.method === 'POST' && 'uploadId' in ctx.query;
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
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
          Condition: 'If-None-Match',
        });
      }
      await next();
    } finally {
      release();
      if (queues.get(ctx.path) === tail) queues.delete(ctx.path);
    }
  });
}
// Koa composes its middleware when the server starts listening: shims placed first run before s3rver's routes.
server.middleware.unshift(...shims);
const { port } = await server.run();
process.stdout.write(JSON.stringify({ port }) + '\n');
process.stdin.on('end', () => server.close().finally(() => process.exit(0)));
process.stdin.resume();
`;

/** Starts s3rver for one suite; `stop()` ends it and removes its directory. */
export async function startS3rver(options: S3rverOptions = {}): Promise<S3rverHandle> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'mlops-s3rver-'));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--input-type=module', '--eval', SERVER],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: {
        PATH: process.env.PATH,
        S3RVER_FROM: path.join(repoRoot, 'package.json'),
        S3RVER_OPTIONS: JSON.stringify({
          directory,
          buckets: options.buckets ?? [],
          conditionalWrites: options.conditionalWrites === true,
          denyBuckets: options.denyBuckets ?? [],
        }),
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code} before listening`)));
    child.once('error', reject);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  return {
    endpoint,
    port,
    directory,
    credentials,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin?.end();
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Where s3rver keeps an object's bytes, for tampering with it behind the server's back. */
export const s3rverObjectPath = (handle: S3rverHandle, bucket: string, key: string): string =>
  path.join(handle.directory, bucket, `${key}._S3rver_object`);
