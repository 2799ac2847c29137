import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ImageRegistryClient, PushProgress } from '../../src/core/ports/image-registry.js';
import { openImageRegistry } from '../../providers/images/registry-factory.js';
import { DOCKER, OCI, type MediaTypes } from '../../src/core/build/media-types.js';
import { codeOf, rejectionOf } from '../support/error-code.js';
import { freePort } from '../support/free-port.js';
import { missingRegistry, withRegistry } from '../support/registry/docker-registry.js';
import { missingTool } from '../support/tools.js';

const run = promisify(execFile);
const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const json = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value)));

/** A one-layer image: its config and layer blobs, and a manifest of the family's media types naming them. */
function image(types: MediaTypes) {
  const layer = randomBytes(1500);
  const config = json({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [digestOf(layer)] },
  });
  const manifest = json({
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, digest: digestOf(config), size: config.length },
    layers: [{ mediaType: types.layer, digest: digestOf(layer), size: layer.length }],
  });
  return { layer, config, manifest };
}

async function pushImage(client: ImageRegistryClient, repository: string, parts: ReturnType<typeof image>) {
  for (const blob of [parts.layer, parts.config]) {
    await client.pushBlob(repository, digestOf(blob), blob.length, blob);
  }
}

const skip = missingRegistry();

describe.skipIf(skip)(
  `the registry client against docker-registry${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const registry = withRegistry();
    const open = (chunkSize?: number) =>
      openImageRegistry({ host: registry.current.host, env: {}, ...(chunkSize ? { chunkSize } : {}) });

    it('pushes a small blob in one PUT; HEAD then finds it and getBlob returns the same bytes', async () => {
      const client = await open();
      const blob = randomBytes(4000);
      const digest = digestOf(blob);
      expect(await client.hasBlob('small/app', digest)).toBe(false);
      const progress: PushProgress[] = [];
      await client.pushBlob('small/app', digest, blob.length, blob, (p) => progress.push(p));
      expect(progress).toEqual([{ sent: 4000, total: 4000 }]);
      expect(await client.hasBlob('small/app', digest)).toBe(true);
      expect(Buffer.from(await client.getBlob('small/app', digest))).toEqual(blob);
    });

    it('pushes a large streamed blob in chunks of the chunk size, and streams it back verified', async () => {
      const client = await open(64 * 1024);
      const blob = randomBytes(64 * 1024 * 3 + 1000);
      const digest = digestOf(blob);
      const progress: PushProgress[] = [];
      // The stream hands out odd-sized pieces, so that chunks are cut across them.
      const source = async function* () {
        for (let at = 0; at < blob.length; at += 50_000) yield blob.subarray(at, at + 50_000);
      };
      await client.pushBlob('chunked/app', digest, blob.length, source, (p) => progress.push(p));
      expect(progress.map((p) => p.sent)).toEqual([65536, 131072, 196608, 197608]);
      const reader = await client.openBlob('chunked/app', digest);
      expect(reader.size).toBe(blob.length);
      const parts: Uint8Array[] = [];
      for await (const part of reader.body) parts.push(part);
      expect(Buffer.concat(parts)).toEqual(blob);
    });

    it('refuses to commit a blob whose bytes do not hash to the digest given', async () => {
      const client = await open();
      const blob = randomBytes(100);
      const error = await rejectionOf(client.pushBlob('bad/app', digestOf(randomBytes(100)), 100, blob));
      expect(error.code).toBe('MLOPS_IMAGE_E7408');
      expect(await client.hasBlob('bad/app', digestOf(blob))).toBe(false);
    });

    it('mounts a blob from another repository of the registry (201), without uploading it', async () => {
      const client = await open();
      const blob = randomBytes(2000);
      const digest = digestOf(blob);
      await client.pushBlob('mount/source', digest, blob.length, blob);
      expect(await client.hasBlob('mount/target', digest)).toBe(false);
      expect(await client.mountBlob('mount/target', digest, 'mount/source')).toBe(true);
      expect(await client.hasBlob('mount/target', digest)).toBe(true);
    });

    it('uses the upload session a mount opened when the source lacks the blob (202)', async () => {
      const client = await open();
      const blob = randomBytes(3000);
      const digest = digestOf(blob);
      expect(await client.mountBlob('mount/other', digest, 'mount/nowhere')).toBe(false);
      await client.pushBlob('mount/other', digest, blob.length, blob);
      expect(await client.hasBlob('mount/other', digest)).toBe(true);
    });

    it.each([OCI, DOCKER])(
      'puts a $family manifest and reads it back by tag and by digest, byte for byte',
      async (types) => {
        const client = await open();
        const repository = `round/${types.family}`;
        const type = types.manifest;
        const parts = image(types);
        await pushImage(client, repository, parts);
        const digest = await client.putManifest(repository, '1.0', type, parts.manifest);
        expect(digest).toBe(digestOf(parts.manifest));
        expect(await client.headManifest(repository, '1.0')).toBe(digest);
        expect(await client.headManifest(repository, 'missing')).toBeUndefined();
        for (const reference of ['1.0', digest]) {
          const fetched = await client.getManifest(repository, reference);
          expect(fetched).toEqual({ mediaType: type, digest, bytes: new Uint8Array(parts.manifest) });
        }
      },
    );

    it('puts an index of two platform manifests and reads it back as an index', async () => {
      const client = await open();
      const repository = 'round/index';
      const entries = [];
      for (const architecture of ['amd64', 'arm64']) {
        const parts = image(OCI);
        await pushImage(client, repository, parts);
        const digest = await client.putManifest(
          repository,
          digestOf(parts.manifest),
          OCI.manifest,
          parts.manifest,
        );
        entries.push({
          mediaType: OCI.manifest,
          digest,
          size: parts.manifest.length,
          platform: { os: 'linux', architecture },
        });
      }
      const index = json({ schemaVersion: 2, mediaType: OCI.index, manifests: entries });
      const digest = await client.putManifest(repository, 'multi', OCI.index, index);
      const fetched = await client.getManifest(repository, 'multi');
      expect(fetched.mediaType).toBe(OCI.index);
      expect(fetched.digest).toBe(digest);
      expect(JSON.parse(Buffer.from(fetched.bytes).toString()).manifests).toEqual(entries);
    });

    it('names the image in a 404 for a missing manifest, and the blob for a missing blob', async () => {
      const client = await open();
      const missing = await rejectionOf(client.getManifest('round/oci', 'nope'));
      expect(missing.code).toBe('MLOPS_IMAGE_E7406');
      expect(missing.message).toContain(`${registry.current.host}/round/oci:nope`);
      expect(await codeOf(client.getBlob('round/oci', digestOf(randomBytes(8))))).toBe('MLOPS_IMAGE_E7407');
    });

    const skopeo = missingTool('skopeo', ['--version']);
    it.skipIf(skopeo)(
      `skopeo, an independent client, sees what the client pushed${skopeo ? ` (skipped: ${skopeo})` : ''}`,
      async () => {
        const client = await open();
        const parts = image(OCI);
        await pushImage(client, 'seen/by-skopeo', parts);
        const digest = await client.putManifest('seen/by-skopeo', 'v1', OCI.manifest, parts.manifest);
        const { stdout } = await run('skopeo', [
          'inspect',
          '--tls-verify=false',
          `docker://${registry.current.host}/seen/by-skopeo:v1`,
        ]);
        const inspected = JSON.parse(stdout) as { Digest: string; Layers: string[]; Architecture: string };
        expect(inspected.Digest).toBe(digest);
        expect(inspected.Layers).toEqual([digestOf(parts.layer)]);
        expect(inspected.Architecture).toBe('amd64');
      },
    );
  },
);

describe('an unreachable registry', () => {
  it('fails with MLOPS_IMAGE_E7402 naming the host and the variable for registries without TLS', async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const client = await openImageRegistry({ host, env: {} });
    const error = await rejectionOf(client.hasBlob('any/app', digestOf(randomBytes(8))));
    expect(error.code).toBe('MLOPS_IMAGE_E7402');
    expect(error.message).toContain(host);
    expect(error.hint).toContain('MLOPS_INSECURE_REGISTRIES');
  });
});
