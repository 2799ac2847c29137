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
  /**
   * s3rver answers NotImplemented to the bucket settings `infra bootstrap` makes (versioning,
   * encryption, public access block, policy). With this set, a shim stores each document a PUT sends
   * and returns it on GET (or S3's "not configured" answer), per bucket, in memory. An emulation,
   * named as such wherever a test relies on it.
   */
  readonly bucketSettings?: boolean;
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
 * The server (s3rver-server.mjs) runs with plain `node`: s3rver answers a truncated ListObjectsV2 with a continuation token
 * it encrypts with DES, which OpenSSL 3 (Node >= 17) only offers with `--openssl-legacy-provider`.
 * That flag can only be given when a process starts, and vitest workers start without it, so the
 * server runs in a child process of the test with the flag (one per suite, 127.0.0.1, random port).
 */
export const S3RVER_SERVER = path.join(repoRoot, 'test', 'support', 's3rver-server.mjs');

/** Starts s3rver for one suite; `stop()` ends it and removes its directory. */
export async function startS3rver(options: S3rverOptions = {}): Promise<S3rverHandle> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'mlops-s3rver-'));
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', S3RVER_SERVER], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: {
      PATH: process.env.PATH,
      S3RVER_OPTIONS: JSON.stringify({
        directory,
        buckets: options.buckets ?? [],
        conditionalWrites: options.conditionalWrites === true,
        denyBuckets: options.denyBuckets ?? [],
        bucketSettings: options.bucketSettings === true,
      }),
    },
  });
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
