import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256, type LayerBlob } from '../../src/core/build/assemble.js';
import { entriesFromFiles, GZIP_LEVEL, layerOf } from './layer.js';

/** Bump when tar.ts or layer.ts change the bytes they write for the same files: old blobs then miss. */
const FORMAT = 1;

/** What a cached layer's `.json` holds beside its `.tar.gz`: the blob's digests and sizes. */
interface CachedLayer {
  readonly key: string;
  readonly digest: string;
  readonly diffId: string;
  readonly size: number;
  readonly uncompressedSize: number;
}

/**
 * A layer of files of this machine, from the cache when none of them changed since it was written.
 * Making the dependencies layer (reading thousands of files, tar, gzip) is most of a warm rebuild;
 * checking them is one lstat each. The key covers every input of the bytes: each file's image path,
 * where it is, its size, mtime, ctime (any write moves it, even one that restores the mtime), mode
 * and link target, the layer time, the tar format and the gzip level. One blob is kept per `slot`
 * (`serving-dependencies`, …): a new one replaces the old. A blob whose digest does not match its
 * record is ignored and rewritten.
 */
export async function cachedLayerOf(
  files: ReadonlyMap<string, string>,
  mtime: number,
  comment: string,
  cache: { readonly dir: string; readonly slot: string },
): Promise<LayerBlob> {
  const key = await layerKey(files, mtime);
  const base = path.join(cache.dir, `layer-${cache.slot}`);
  const hit = await readCached(base, key);
  if (hit) return { ...hit, comment };
  const layer = layerOf(await entriesFromFiles(files), mtime, comment);
  await writeCached(cache.dir, base, key, layer).catch(() => undefined);
  return layer;
}

async function layerKey(files: ReadonlyMap<string, string>, mtime: number): Promise<string> {
  const hash = createHash('sha256').update(`${FORMAT}\0${GZIP_LEVEL}\0${mtime}\n`);
  for (const [imagePath, host] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const s = await lstat(host);
    const target = s.isSymbolicLink() ? await readlink(host) : '';
    hash.update(`${imagePath}\0${host}\0${s.size}\0${s.mtimeMs}\0${s.ctimeMs}\0${s.mode}\0${target}\n`);
  }
  return hash.digest('hex');
}

async function readCached(base: string, key: string): Promise<Omit<LayerBlob, 'comment'> | undefined> {
  try {
    const record = JSON.parse(await readFile(`${base}.json`, 'utf8')) as CachedLayer;
    if (record.key !== key) return undefined;
    const blob = await readFile(`${base}.tar.gz`);
    if (blob.length !== record.size || sha256(blob) !== record.digest) return undefined;
    const { digest, diffId, size, uncompressedSize } = record;
    return { blob, digest, diffId, size, uncompressedSize };
  } catch {
    return undefined;
  }
}

/** Blob first, record last (each under a temp name, then renamed): a torn write is a miss, never a lie. */
async function writeCached(dir: string, base: string, key: string, layer: LayerBlob): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temp = `.${process.pid}.tmp`;
  // The old record goes first: until the new one is written, the slot is a miss.
  await rm(`${base}.json`, { force: true });
  await writeFile(`${base}.tar.gz${temp}`, layer.blob);
  await rename(`${base}.tar.gz${temp}`, `${base}.tar.gz`);
  const record: CachedLayer = {
    key,
    digest: layer.digest,
    diffId: layer.diffId,
    size: layer.size,
    uncompressedSize: layer.uncompressedSize,
  };
  await writeFile(`${base}.json${temp}`, JSON.stringify(record));
  await rename(`${base}.json${temp}`, `${base}.json`);
}
