import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../../src/kernel/errors.js';
import type { ModelStore, PutOptions, PutStreamOptions } from '../../src/core/ports/model-store.js';

/** Large reads in big chunks: fewer syscalls and hash updates than the 64 KiB default. */
const READ_CHUNK = 1024 * 1024;

/**
 * The `file://` registry store. Writes go to a temp file in the same directory and are then renamed
 * (atomic replace) or hard-linked (atomic exclusive create: link(2) fails when the name exists).
 */
export class FsModelStore implements ModelStore {
  readonly uri: string;
  private readonly root: string;

  constructor(uriOrPath: string) {
    this.root = uriOrPath.startsWith('file://') ? fileURLToPath(uriOrPath) : path.resolve(uriOrPath);
    this.uri = `file://${this.root}`;
  }

  private file(key: string): string {
    const resolved = path.resolve(this.root, key);
    if (!resolved.startsWith(this.root + path.sep)) {
      throw new MlopsError(`Registry key "${key}" escapes the registry root.`, {
        code: 'MLOPS_REGISTRY_E4009',
      });
    }
    return resolved;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const file = this.file(key);
    try {
      return await fs.readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw storeError(this.uri, 'read', key, error);
    }
  }

  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<boolean> {
    const target = this.file(key);
    const temp = tempName(target);
    try {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(temp, body, { flag: 'wx' });
      options?.onProgress?.(body.byteLength);
      return await commit(temp, target, options?.ifAbsent === true);
    } catch (error) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw storeError(this.uri, 'write', key, error);
    }
  }

  async getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    let handle: fs.FileHandle;
    try {
      // open first: a missing file is `undefined`, not an error in the middle of the stream
      handle = await fs.open(this.file(key), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw storeError(this.uri, 'read', key, error);
    }
    return handle.createReadStream({ highWaterMark: READ_CHUNK });
  }

  async putStream(
    key: string,
    body: AsyncIterable<Uint8Array>,
    options?: PutStreamOptions,
  ): Promise<boolean> {
    const target = this.file(key);
    const temp = tempName(target);
    let sent = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        sent += chunk.byteLength;
        options?.onProgress?.(sent);
        callback(null, chunk);
      },
    });
    try {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await pipeline(Readable.from(body), count, createWriteStream(temp, { flags: 'wx' }));
      return await commit(temp, target, options?.ifAbsent === true);
    } catch (error) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      if (MlopsError.is(error)) throw error;
      throw storeError(this.uri, 'write', key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    // '' lists the whole store (ModelRegistry.models); the root itself is not a key, so file() refuses it
    const dir = trimmed === '' ? this.root : this.file(trimmed);
    let entries: string[];
    try {
      entries = await fs.readdir(dir, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw storeError(this.uri, 'list', prefix, error);
    }
    const base = path.relative(this.root, dir);
    const keys: string[] = [];
    for (const entry of entries) {
      if (entry.endsWith('.tmp')) continue;
      const key = path.join(base, entry).split(path.sep).join('/');
      const stat = await fs.stat(path.join(dir, entry)).catch(() => undefined);
      if (stat?.isFile()) keys.push(key);
    }
    return keys.sort();
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const target = this.file(key);
      await fs.rm(target, { force: true });
      await removeEmptyParents(path.dirname(target), this.root);
    }
  }
}

const tempName = (target: string): string => `${target}.${randomBytes(6).toString('hex')}.tmp`;

/**
 * Moves a complete temp file into place: rename replaces atomically; link(2) creates exclusively (it
 * fails when the name exists), which is what `ifAbsent` needs.
 */
async function commit(temp: string, target: string, ifAbsent: boolean): Promise<boolean> {
  if (!ifAbsent) {
    await fs.rename(temp, target);
    return true;
  }
  try {
    await fs.link(temp, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.rm(temp, { force: true });
  }
}

async function removeEmptyParents(dir: string, root: string): Promise<void> {
  for (let current = dir; current.startsWith(root + path.sep); current = path.dirname(current)) {
    try {
      await fs.rmdir(current);
    } catch {
      return;
    }
  }
}

function storeError(uri: string, op: string, key: string, cause: unknown): MlopsError {
  const code = (cause as NodeJS.ErrnoException).code;
  const hint =
    code === 'EACCES' || code === 'EPERM'
      ? 'Check the permissions of the registry directory.'
      : code === 'ENOSPC'
        ? 'Free disk space and retry.'
        : 'Check that the registry path is a writable directory.';
  return new MlopsError(`Cannot ${op} ${key} in registry ${uri}: ${(cause as Error).message}`, {
    code: 'MLOPS_REGISTRY_E4010',
    hint,
    cause,
  });
}
