import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../../src/core/errors.js';
import type { ModelStore } from '../../src/core/ports/model-store.js';

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

  async put(key: string, body: Uint8Array, options?: { readonly ifAbsent?: boolean }): Promise<boolean> {
    const target = this.file(key);
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(temp, body, { flag: 'wx' });
      if (!options?.ifAbsent) {
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
    } catch (error) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw storeError(this.uri, 'write', key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.file(prefix.endsWith('/') ? prefix.slice(0, -1) || '.' : prefix);
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
