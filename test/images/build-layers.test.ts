import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { entriesFromFiles, layerOf } from '../../providers/images/layer.js';
import { cachedLayerOf } from '../../providers/images/layer-cache.js';
import { sha256 } from '../../src/core/build/assemble.js';
import { writeTar, type TarEntry } from '../../providers/images/tar.js';
import { tempDir } from '../support/temp-dir.js';

const root = tempDir('mlops-layers-');
const longName = `app/node_modules/${'deep/'.repeat(30)}module-with-a-long-name.js`;
const entries: TarEntry[] = [
  { type: 'file', path: 'app/serving/server.mjs', content: Buffer.from('console.log(1)\n') },
  { type: 'file', path: 'app/bin/run', content: Buffer.from('#!/bin/sh\n'), executable: true },
  { type: 'file', path: longName, content: Buffer.from('export {};\n') },
  { type: 'symlink', path: 'app/node_modules/.bin/run', target: '../../bin/run' },
];

describe('reproducible layers', () => {
  it('the same entries in any order give the same bytes, digest and diffID', () => {
    const a = layerOf(entries, 1_700_000_000, 'app');
    const b = layerOf([...entries].reverse(), 1_700_000_000, 'app');
    expect(Buffer.from(b.blob).equals(a.blob)).toBe(true);
    expect(a.digest).toBe(sha256(a.blob));
    expect(a.diffId).toBe(sha256(gunzipSync(a.blob)));
    expect(a.uncompressedSize).toBe(gunzipSync(a.blob).length);
    // A different mtime is a different layer: SOURCE_DATE_EPOCH is part of the input.
    expect(layerOf(entries, 1_700_000_001, 'app').digest).not.toBe(a.digest);
  });

  it('the gzip header carries no mtime and no file name', () => {
    const blob = Buffer.from(layerOf(entries, 0, 'app').blob);
    expect([...blob.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]); // FLG 0: no FNAME, no FCOMMENT
    expect(blob.readUInt32LE(4)).toBe(0);
  });

  it('GNU tar reads it back: parents first, modes, uid/gid 0, no names, long paths and symlinks', () => {
    const file = path.join(root, 'layer.tar');
    writeFileSync(file, writeTar(entries, 1_700_000_000));
    const listing = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvf', file], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    const names = listing.map((line) => line.split(/\s+/).slice(5).join(' '));
    expect(names.slice(0, 3)).toEqual(['app/', 'app/bin/', 'app/bin/run']);
    expect(names).toContain(longName);
    expect(names).toContain('app/node_modules/.bin/run -> ../../bin/run');
    for (const line of listing) {
      const [mode, owner, , date] = line.split(/\s+/);
      expect(owner).toBe('0/0');
      expect(date).toBe('2023-11-14');
      expect(['drwxr-xr-x', '-rw-r--r--', '-rwxr-xr-x', 'lrwxrwxrwx']).toContain(mode);
    }
    expect(listing.find((l) => l.endsWith('app/bin/run'))).toMatch(/^-rwxr-xr-x/);
    expect(listing.find((l) => l.endsWith('server.mjs'))).toMatch(/^-rw-r--r--/);

    const out = path.join(root, 'out');
    mkdirSync(out);
    execFileSync('tar', ['-xf', file, '-C', out]);
    expect(readFileSync(path.join(out, longName), 'utf8')).toBe('export {};\n');
    expect(readlinkSync(path.join(out, 'app/node_modules/.bin/run'))).toBe('../../bin/run');
  });

  it('files of this machine: symlinks inside the layer stay links, others are copied; x bits kept', async () => {
    const src = path.join(root, 'src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(path.join(src, 'outside.txt'), 'outside\n');
    symlinkSync('tool', path.join(src, 'tool-link'));
    symlinkSync('outside.txt', path.join(src, 'copied'));
    const found = await entriesFromFiles(
      new Map([
        ['app/tool', path.join(src, 'tool')],
        ['app/tool-link', path.join(src, 'tool-link')],
        ['app/copied', path.join(src, 'copied')],
      ]),
    );
    expect(found).toContainEqual({ type: 'symlink', path: 'app/tool-link', target: 'tool' });
    expect(found).toContainEqual(
      expect.objectContaining({ type: 'file', path: 'app/tool', executable: true }),
    );
    const copied = found.find((e) => e.path === 'app/copied');
    expect(copied).toMatchObject({ type: 'file', executable: false });
  });
});

describe('the layer cache (a warm rebuild reads the blob back instead of tar and gzip)', () => {
  const dir = path.join(root, 'cached');
  const cache = { dir: path.join(dir, '.cache'), slot: 'serving-dependencies' };
  const file = path.join(dir, 'index.js');
  const files = new Map([
    ['app/node_modules/m/index.js', file],
    ['app/node_modules/m/package.json', path.join(dir, 'package.json')],
  ]);
  const blobFile = path.join(cache.dir, 'layer-serving-dependencies.tar.gz');
  const fresh = async (mtime = 1_700_000_000) => layerOf(await entriesFromFiles(files), mtime, 'deps').digest;

  it('unchanged files: the same layer, from the cache (its blob is not written again)', async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, 'export const a = 1;\n');
    writeFileSync(path.join(dir, 'package.json'), '{"name":"m"}\n');
    const first = await cachedLayerOf(files, 1_700_000_000, 'deps', cache);
    expect(first.digest).toBe(await fresh());
    const written = statSync(blobFile).mtimeMs;
    const again = await cachedLayerOf(files, 1_700_000_000, 'deps again', cache);
    expect(again).toMatchObject({ digest: first.digest, diffId: first.diffId, comment: 'deps again' });
    expect(Buffer.from(again.blob).equals(Buffer.from(first.blob))).toBe(true);
    expect(statSync(blobFile).mtimeMs).toBe(written);
  });

  it('a same-size edit with the old mtime put back still misses (ctime moved), and gives the new bytes', async () => {
    utimesSync(file, 1_600_000_000, 1_600_000_000);
    const old = await cachedLayerOf(files, 1_700_000_000, 'deps', cache);
    writeFileSync(file, 'export const b = 2;\n');
    utimesSync(file, 1_600_000_000, 1_600_000_000);
    const changed = await cachedLayerOf(files, 1_700_000_000, 'deps', cache);
    expect(changed.digest).not.toBe(old.digest);
    expect(changed.digest).toBe(await fresh());
  });

  it('another SOURCE_DATE_EPOCH misses; a damaged blob is never used, and is rewritten', async () => {
    expect((await cachedLayerOf(files, 1_700_000_001, 'deps', cache)).digest).toBe(
      await fresh(1_700_000_001),
    );
    const blob = readFileSync(blobFile);
    const at = blob.length - 5;
    blob.writeUInt8(blob.readUInt8(at) ^ 0xff, at);
    writeFileSync(blobFile, blob);
    const layer = await cachedLayerOf(files, 1_700_000_001, 'deps', cache);
    expect(layer.digest).toBe(await fresh(1_700_000_001));
    expect(sha256(readFileSync(blobFile))).toBe(layer.digest);
  });
});
