import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openImageRegistry } from '../../providers/images/registry-factory.js';
import { rejectionOf } from '../support/error-code.js';
import { missingRegistry, withRegistry } from '../support/registry/docker-registry.js';
import {
  startFaultProxy,
  type FaultProxy,
  type FaultProxyOptions,
  type SeenRequest,
} from '../support/registry/fault-proxy.js';

const USER = 'builder';
const PASSWORD = 'pw-faults-0c1d';
const env = { MLOPS_REGISTRY_USERNAME: USER, MLOPS_REGISTRY_PASSWORD: PASSWORD };
const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const skip = missingRegistry();

describe.skipIf(skip)(`the registry client through faults${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const registry = withRegistry({ auth: { htpasswd: { user: USER, password: PASSWORD } } });
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  async function proxy(options: FaultProxyOptions): Promise<FaultProxy> {
    const started = await startFaultProxy(registry.current.url, options);
    stops.push(started.stop);
    return started;
  }

  /** Fails the first request matching `match` with `status`, forwards all others. */
  const failOnce = (match: (method: string, url: string) => boolean, status = 503) => {
    let failed = false;
    return (req: SeenRequest) => {
      // Only requests past the 401 challenge, so that the count of attempts is the client's retries.
      if (failed || !req.headers.authorization || !match(req.method, req.url)) return undefined;
      failed = true;
      return { status, body: '{"errors":[{"code":"UNAVAILABLE","message":"try again"}]}' };
    };
  };

  it('retries a manifest GET that met a 503, and succeeds', async () => {
    const blob = randomBytes(64);
    const direct = await openImageRegistry({ host: registry.current.host, env });
    await direct.pushBlob('faults/app', digestOf(blob), blob.length, blob);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: digestOf(blob),
          size: blob.length,
        },
        layers: [],
      }),
    );
    const digest = await direct.putManifest(
      'faults/app',
      'v1',
      'application/vnd.oci.image.manifest.v1+json',
      manifest,
    );
    const through = await proxy({ intercept: failOnce((m, u) => m === 'GET' && u.includes('/manifests/')) });
    const client = await openImageRegistry({ host: through.host, env });
    expect((await client.getManifest('faults/app', 'v1')).digest).toBe(digest);
    const gets = through.seen.filter((r) => r.method === 'GET' && r.url.includes('/manifests/'));
    expect(gets.filter((r) => r.headers.authorization).length).toBe(2);
  });

  it('gives up on a registry that keeps failing, with MLOPS_IMAGE_E7410 and its error text', async () => {
    const through = await proxy({
      intercept: (req) =>
        req.url.startsWith('/v2/faults/')
          ? { status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"down for maintenance"}]}' }
          : undefined,
    });
    const client = await openImageRegistry({ host: through.host, env });
    const error = await rejectionOf(client.getBlob('faults/app', digestOf(randomBytes(8))));
    expect(error.code).toBe('MLOPS_IMAGE_E7410');
    expect(error.message).toContain('down for maintenance');
    expect(through.seen.filter((r) => r.method === 'GET').length).toBe(3);
  });

  it('starts a chunked upload over, re-opening the source, when a PATCH meets a 500', async () => {
    const through = await proxy({ intercept: failOnce((m) => m === 'PATCH', 500) });
    const client = await openImageRegistry({ host: through.host, env, chunkSize: 16 * 1024 });
    const blob = randomBytes(40 * 1024);
    let opened = 0;
    const source = async function* () {
      opened++;
      yield blob;
    };
    await client.pushBlob('faults/chunks', digestOf(blob), blob.length, source);
    expect(opened).toBe(2);
    expect(await client.hasBlob('faults/chunks', digestOf(blob))).toBe(true);
  });

  it('follows upload Locations that are relative paths', async () => {
    const through = await proxy({
      rewrite: (_req, headers) => {
        if (typeof headers.location === 'string')
          headers.location = new URL(headers.location).pathname + new URL(headers.location).search;
        return headers;
      },
    });
    const client = await openImageRegistry({ host: through.host, env, chunkSize: 16 * 1024 });
    const blob = randomBytes(40 * 1024);
    await client.pushBlob('faults/relative', digestOf(blob), blob.length, blob);
    expect(through.seen.some((r) => r.method === 'PATCH')).toBe(true);
    expect(await client.hasBlob('faults/relative', digestOf(blob))).toBe(true);
  });

  it('honours OCI-Chunk-Min-Length over a smaller chunk size', async () => {
    const through = await proxy({
      rewrite: (req, headers) =>
        req.method === 'POST' ? { ...headers, 'oci-chunk-min-length': String(32 * 1024) } : headers,
    });
    const client = await openImageRegistry({ host: through.host, env, chunkSize: 8 * 1024 });
    const blob = randomBytes(70 * 1024);
    await client.pushBlob('faults/min', digestOf(blob), blob.length, blob);
    const ranges = through.seen.filter((r) => r.method === 'PATCH').map((r) => r.headers['content-range']);
    expect(ranges).toEqual(['0-32767', '32768-65535', '65536-71679']);
  });

  it('follows a blob redirect to another origin without sending it the Authorization header', async () => {
    const blob = randomBytes(5000);
    const digest = digestOf(blob);
    const cdnSaw: IncomingHttpHeaders[] = [];
    const cdn = createServer((req, res) => {
      cdnSaw.push(req.headers);
      res.writeHead(200, { 'content-length': blob.length }).end(blob);
    });
    await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise((resolve) => cdn.close(() => resolve())));
    const cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}/blob?X-Amz-Signature=abc`;
    const through = await proxy({
      intercept: (req) =>
        req.method === 'GET' && req.url.includes(`/blobs/${digest}`) && req.headers.authorization
          ? { status: 307, headers: { location: cdnUrl } }
          : undefined,
    });
    const client = await openImageRegistry({ host: through.host, env });
    expect(Buffer.from(await client.getBlob('faults/cdn', digest))).toEqual(blob);
    expect(cdnSaw).toHaveLength(1);
    expect(cdnSaw[0]!.authorization).toBeUndefined();
  });
});
