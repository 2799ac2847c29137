import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { MlopsError } from '../../src/kernel/errors.js';
import type {
  ModelStore,
  ObjectStat,
  PutOptions,
  PutStreamOptions,
} from '../../src/core/ports/model-store.js';
import { createS3Client, type S3ClientOptions } from './s3-client.js';
import { isConditionalFailure, isNoSuchKey, s3Error, type S3ErrorContext } from './s3-errors.js';
import { parseS3Uri } from './s3-uri.js';

const MiB = 1024 * 1024;

export interface S3StoreOptions extends S3ClientOptions {
  /** A ready client (tests); otherwise one is created from the other options. */
  readonly client?: S3Client;
  /** Bodies of at least this size go up as a multipart upload. Default 16 MiB. */
  readonly multipartThreshold?: number;
  /** Part size of multipart uploads (S3's minimum is 5 MiB). Default 8 MiB. */
  readonly partSize?: number;
  /** Parts in flight per upload (bounded parallelism). Default 4. */
  readonly queueSize?: number;
  /** Keys per ListObjectsV2 page (S3's maximum is 1000). */
  readonly pageSize?: number;
}

/**
 * The `s3://bucket/prefix` registry store on the AWS SDK v3. Single PUTs and multipart uploads are both
 * atomic on S3 (an object appears whole or not at all); `ifAbsent` is S3's conditional write
 * (`If-None-Match: *`), which fails with 412 when the key exists.
 */
export class S3ModelStore implements ModelStore {
  readonly uri: string;
  readonly bucket: string;
  private readonly root: string;
  private readonly client: S3Client;
  private readonly endpoint: string | undefined;
  private readonly region: string;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly pageSize: number;

  constructor(uri: string, options: S3StoreOptions = {}) {
    const { bucket, prefix } = parseS3Uri(uri);
    this.bucket = bucket;
    this.root = prefix ? `${prefix}/` : '';
    this.uri = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    const resolved = options.client
      ? { client: options.client, endpoint: options.endpoint, region: options.region ?? 'us-east-1' }
      : createS3Client(options);
    this.client = resolved.client;
    this.endpoint = resolved.endpoint;
    this.region = resolved.region;
    this.partSize = Math.max(5 * MiB, options.partSize ?? 8 * MiB);
    this.multipartThreshold = Math.max(this.partSize, options.multipartThreshold ?? 16 * MiB);
    this.queueSize = Math.max(1, options.queueSize ?? 4);
    this.pageSize = Math.min(1000, Math.max(1, options.pageSize ?? 1000));
  }

  private context(op: S3ErrorContext['op'], key: string): S3ErrorContext {
    return { uri: this.uri, bucket: this.bucket, op, key, endpoint: this.endpoint, region: this.region };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.root + key }),
      );
      return response.Body ? await response.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw s3Error(error, this.context('read', key));
    }
  }

  /** HeadObject: the size without the body. */
  async stat(key: string): Promise<ObjectStat | undefined> {
    try {
      const response = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.root + key }),
      );
      return { size: response.ContentLength ?? 0 };
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw s3Error(error, this.context('read', key));
    }
  }

  async getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    let body: Readable;
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.root + key }),
      );
      body = response.Body instanceof Readable ? response.Body : Readable.from([]);
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw s3Error(error, this.context('read', key));
    }
    return this.mapStreamErrors(body, key);
  }

  /** A connection dropped mid-download surfaces as the same clear error as a failed request. */
  private async *mapStreamErrors(body: Readable, key: string): AsyncIterable<Uint8Array> {
    try {
      for await (const chunk of body) yield chunk as Uint8Array;
    } catch (error) {
      throw s3Error(error, this.context('read', key));
    } finally {
      body.destroy();
    }
  }

  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<boolean> {
    if (body.byteLength >= this.multipartThreshold) return this.upload(key, body, body.byteLength, options);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.root + key,
          Body: body,
          ContentLength: body.byteLength,
          ContentType: contentType(key),
          ...(options?.ifAbsent ? { IfNoneMatch: '*' } : {}),
        }),
      );
      options?.onProgress?.(body.byteLength);
      return true;
    } catch (error) {
      if (options?.ifAbsent && isConditionalFailure(error)) return false;
      throw s3Error(error, this.context('write', key));
    }
  }

  async putStream(
    key: string,
    body: AsyncIterable<Uint8Array>,
    options?: PutStreamOptions,
  ): Promise<boolean> {
    return this.upload(key, Readable.from(body, { objectMode: false }), options?.size, options);
  }

  /**
   * lib-storage's Upload: one PUT when the body fits in a part, else a multipart upload with
   * `queueSize` parts in flight; `If-None-Match` goes on the PUT or on CompleteMultipartUpload, and a
   * failed upload is aborted so that no parts linger.
   */
  private async upload(
    key: string,
    body: Uint8Array | Readable,
    size: number | undefined,
    options: PutOptions | undefined,
  ): Promise<boolean> {
    const upload = new Upload({
      client: this.client,
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key: this.root + key,
        Body: body,
        ContentType: contentType(key),
        ...(size !== undefined ? { ContentLength: size } : {}),
        ...(options?.ifAbsent ? { IfNoneMatch: '*' } : {}),
      },
    });
    const onProgress = options?.onProgress;
    if (onProgress) upload.on('httpUploadProgress', (p) => p.loaded !== undefined && onProgress(p.loaded));
    try {
      await upload.done();
      return true;
    } catch (error) {
      if (options?.ifAbsent && isConditionalFailure(error)) return false;
      throw s3Error(error, this.context('write', key));
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.root + prefix,
            ContinuationToken: token,
            MaxKeys: this.pageSize,
          }),
        );
      } catch (error) {
        throw s3Error(error, this.context('list', prefix));
      }
      for (const object of page.Contents ?? []) {
        if (object.Key?.startsWith(this.root)) keys.push(object.Key.slice(this.root.length));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // S3 orders by UTF-8 bytes; the port promises the same order as the filesystem store (code units).
    return keys.sort();
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      let result;
      try {
        result = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((key) => ({ Key: this.root + key })), Quiet: true },
          }),
        );
      } catch (error) {
        throw s3Error(error, this.context('delete', batch[0] ?? ''));
      }
      const failed = result.Errors?.[0];
      if (failed) {
        const key = failed.Key?.slice(this.root.length) ?? '';
        const cause = Object.assign(new Error(failed.Message ?? failed.Code ?? 'delete failed'), {
          name: failed.Code ?? 'Error',
          Code: failed.Code,
        });
        const error = s3Error(cause, this.context('delete', key));
        throw new MlopsError(
          `${error.message} (${result.Errors?.length ?? 1} of ${batch.length} keys not deleted)`,
          {
            code: error.code,
            hint: error.hint,
            cause,
          },
        );
      }
    }
  }
}

const contentType = (key: string): string =>
  key.endsWith('.json') ? 'application/json' : key.endsWith('.csv') ? 'text/csv' : 'application/octet-stream';
