import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AssembledArtifact } from '../../src/core/build/assemble.js';
import { artifactDocument } from '../../src/core/build/assemble.js';
import type { ImageRegistryClient } from '../../src/core/ports/image-registry.js';

/**
 * Writes an image as an OCI image layout (image-spec image-layout.md) in `dir`, replacing what was
 * there: what `build` without --push leaves, readable by skopeo (`oci:DIR:TAG`), umoci and podman.
 * The base's layers are copied in from its registry, so the layout stands alone.
 */
export async function writeOciLayout(
  dir: string,
  artifact: AssembledArtifact,
  tags: readonly string[],
  base: { readonly client: ImageRegistryClient; readonly repository: string },
): Promise<void> {
  const temp = `${dir}.${process.pid}.tmp`;
  await rm(temp, { recursive: true, force: true });
  const blobs = path.join(temp, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = (digest: string, bytes: Uint8Array) =>
    writeFile(path.join(blobs, digest.slice('sha256:'.length)), bytes);
  const written = new Set<string>();
  for (const image of artifact.images) {
    for (const layer of image.baseLayers) {
      if (written.has(layer.digest)) continue;
      written.add(layer.digest);
      const { body } = await base.client.openBlob(base.repository, layer.digest);
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      await put(layer.digest, Buffer.concat(chunks));
    }
    for (const layer of image.layers) await put(layer.digest, layer.blob);
    await put(image.config.digest, image.config.bytes);
    await put(image.manifest.digest, image.manifest.bytes);
  }
  const top = artifactDocument(artifact);
  if (artifact.index) await put(top.digest, top.bytes);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: tags.map((tag) => ({
      mediaType: top.mediaType,
      digest: top.digest,
      size: top.bytes.length,
      annotations: { 'org.opencontainers.image.ref.name': tag },
    })),
  };
  await writeFile(path.join(temp, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(path.join(temp, 'index.json'), JSON.stringify(index));
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  await rename(temp, dir);
}
