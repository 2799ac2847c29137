import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../../../src/core/build/assemble.js';
import { OCI } from '../../../src/core/build/media-types.js';
import { layerOf } from '../../../providers/images/layer.js';
import type { TarEntry } from '../../../providers/images/tar.js';

/**
 * A base image made of this machine's own Node runtime (DESIGN.md §7: no Docker Hub here): the node
 * binary, the shared libraries `ldd` lists (with the symlinks on their way, e.g. /lib → usr/lib),
 * /etc/passwd and /etc/group with a `node` user of uid 1000, and /tmp 1777. Written once per run as an
 * OCI image layout (an index with linux/amd64, or whatever this machine is, and optionally more
 * platforms that reuse the same files) and pushed with skopeo, an independent client.
 */
export interface NodeBase {
  /** The OCI layout directory (`oci:DIR:latest` for skopeo). */
  readonly layout: string;
  /** Bytes of the unpacked base. */
  readonly uncompressedSize: number;
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

function hostPathEntries(file: string, entries: Map<string, TarEntry>): void {
  // Each component that is a symlink becomes one in the image, so the dynamic loader's paths resolve.
  const parts = file.split('/').filter(Boolean);
  let current = '';
  for (let i = 0; i < parts.length; i++) {
    current = `${current}/${parts[i]}`;
    const stats = lstatSync(current);
    if (stats.isSymbolicLink()) {
      const target = readlinkSync(current);
      entries.set(current.slice(1), { type: 'symlink', path: current.slice(1), target });
      hostPathEntries(
        path.resolve(path.dirname(current), target) +
          (i < parts.length - 1 ? `/${parts.slice(i + 1).join('/')}` : ''),
        entries,
      );
      return;
    }
    if (i === parts.length - 1) {
      entries.set(current.slice(1), {
        type: 'file',
        path: current.slice(1),
        content: readFileSync(current),
        executable: (stats.mode & 0o111) !== 0,
      });
    }
  }
}

function baseEntries(): TarEntry[] {
  const entries = new Map<string, TarEntry>();
  const libraries = execFileSync('ldd', [process.execPath], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /(\/\S+)/.exec(line.includes('=>') ? line.split('=>')[1]! : line)?.[1])
    .filter((lib): lib is string => Boolean(lib));
  for (const file of [process.execPath, ...libraries]) hostPathEntries(file, entries);
  if (process.execPath !== '/usr/local/bin/node') {
    entries.set('usr/local/bin/node', {
      type: 'symlink',
      path: 'usr/local/bin/node',
      target: path.relative('/usr/local/bin', process.execPath),
    });
  }
  const text = (p: string, content: string): TarEntry => ({
    type: 'file',
    path: p,
    content: Buffer.from(content),
  });
  entries.set(
    'etc/passwd',
    text('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n'),
  );
  entries.set('etc/group', text('etc/group', 'root:x:0:\nnode:x:1000:\n'));
  entries.set('tmp', { type: 'dir', path: 'tmp', mode: 0o1777 });
  // Mount points for a container runtime (or unshare --mount-proc).
  for (const dir of ['proc', 'dev', 'sys']) entries.set(dir, { type: 'dir', path: dir });
  entries.set('home/node', { type: 'dir', path: 'home/node' });
  return [...entries.values()];
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/**
 * Builds the layout in the temp dir once per Node binary (reused across test files and runs).
 * `platforms`: architectures for the index (default: this machine's only).
 */
export function nodeBaseLayout(
  platforms: readonly string[] = [ARCH[process.arch] ?? process.arch],
): NodeBase {
  const key = createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url))) // a change here makes a new base
    .update(process.execPath)
    .update(process.version)
    .update(platforms.join(','))
    .digest('hex')
    .slice(0, 12);
  const layout = path.join(os.tmpdir(), `mlops-node-base-${key}`);
  const sizeFile = path.join(layout, 'uncompressed-size');
  if (existsSync(sizeFile)) return { layout, uncompressedSize: Number(readFileSync(sizeFile, 'utf8')) };

  const temp = `${layout}.${process.pid}.tmp`;
  rmSync(temp, { recursive: true, force: true });
  const blobs = path.join(temp, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (bytes: Uint8Array) => {
    const digest = sha256(bytes);
    writeFileSync(path.join(blobs, digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  const layer = layerOf(baseEntries(), 0, 'node runtime of the test machine');
  put(layer.blob);
  const manifests = platforms.map((architecture) => {
    const config = put(
      json({
        architecture,
        os: 'linux',
        config: {
          Env: ['PATH=/usr/local/bin:/usr/bin:/bin', `NODE_VERSION=${process.version.slice(1)}`],
          Cmd: ['node'],
        },
        rootfs: { type: 'layers', diff_ids: [layer.diffId] },
        history: [{ created: '1970-01-01T00:00:00Z', created_by: 'test/support/images/node-base.ts' }],
      }),
    );
    const manifest = put(
      json({
        schemaVersion: 2,
        mediaType: OCI.manifest,
        config: { mediaType: OCI.config, ...config },
        layers: [{ mediaType: OCI.layer, digest: layer.digest, size: layer.size }],
      }),
    );
    return { mediaType: OCI.manifest, ...manifest, platform: { architecture, os: 'linux' } };
  });
  const index = put(json({ schemaVersion: 2, mediaType: OCI.index, manifests }));
  writeFileSync(path.join(temp, 'oci-layout'), json({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    path.join(temp, 'index.json'),
    json({
      schemaVersion: 2,
      mediaType: OCI.index,
      manifests: [
        { mediaType: OCI.index, ...index, annotations: { 'org.opencontainers.image.ref.name': 'latest' } },
      ],
    }),
  );
  writeFileSync(path.join(temp, 'uncompressed-size'), String(layer.uncompressedSize));
  rmSync(layout, { recursive: true, force: true });
  renameSync(temp, layout);
  return { layout, uncompressedSize: layer.uncompressedSize };
}

/** Pushes the base (its index and every platform) to `127.0.0.1:PORT/REPOSITORY:TAG` with skopeo. */
export function pushNodeBase(base: NodeBase, reference: string): void {
  execFileSync(
    'skopeo',
    ['copy', '--all', '--dest-tls-verify=false', `oci:${base.layout}:latest`, `docker://${reference}`],
    {
      stdio: 'pipe',
    },
  );
}
