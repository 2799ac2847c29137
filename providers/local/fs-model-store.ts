import { randomBytes } from 'node:crypto';
import { constants, promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../../src/kernel/errors.js';
import type {
  ModelStore,
  ObjectStat,
  PutOptions,
  PutStreamOptions,
} from '../../src/core/ports/model-store.js';

/** Large reads in big chunks: fewer syscalls and hash updates than the 64 KiB default. */
const READ_CHUNK = 1024 * 1024;
/** A filesystem call answers in milliseconds on a working disk; on a stalled network mount, never. */
const CALL_TIMEOUT_MS = 15_000;
/** Calls that move data get more time, as if at 1 MiB/s at least. */
const MIN_BYTES_PER_MS = (1024 * 1024) / 1000;

type Op = 'read' | 'write' | 'list' | 'delete';

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/**
 * The `file://` registry store. Writes go to a temp file in the same directory and are then renamed
 * (atomic replace) or hard-linked (atomic exclusive create: link(2) fails when the name exists).
 * Every call is bounded in time, and nothing waits on a special file: reads open without blocking and
 * refuse what is not a regular file (a FIFO would wait for a writer forever).
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
        hint: 'Version, alias and artifact names are single path segments: check the manifest that named it.',
      });
    }
    return resolved;
  }

  /** One filesystem call, given up on (with a clear error) when it does not answer in time. */
  private async call<T>(op: Op, key: string, work: Promise<T>, bytes = 0): Promise<T> {
    const ms = CALL_TIMEOUT_MS + Math.ceil(bytes / MIN_BYTES_PER_MS);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new MlopsError(
              `The registry ${this.uri} did not answer within ${Math.round(ms / 1000)} s (${op} ${key || '/'}).`,
              {
                code: 'MLOPS_REGISTRY_E4018',
                hint: 'The disk or network mount behind it is stalled: check it (ls, df), or point `registry` at another directory.',
              },
            ),
          ),
        ms,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Opens an object for reading: undefined when absent; an error when it is not a regular file. */
  private async open(key: string): Promise<{ handle: fs.FileHandle; size: number } | undefined> {
    const file = this.file(key);
    let handle: fs.FileHandle;
    try {
      // O_NONBLOCK: a FIFO opens at once instead of waiting for a writer; regular files ignore it
      handle = await this.call('read', key, fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK));
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined;
      throw await this.failure('read', key, error);
    }
    try {
      const stat = await this.call('read', key, handle.stat());
      if (!stat.isFile()) {
        throw new MlopsError(`${file} in the registry ${this.uri} is not a regular file.`, {
          code: 'MLOPS_REGISTRY_E4010',
          hint: 'It was put there outside mlops: move it away.',
        });
      }
      return { handle, size: stat.size };
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw await this.failure('read', key, error);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const opened = await this.open(key);
    if (!opened) return undefined;
    try {
      return await this.call('read', key, opened.handle.readFile(), opened.size);
    } catch (error) {
      throw await this.failure('read', key, error);
    } finally {
      await opened.handle.close().catch(() => undefined);
    }
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    try {
      const stat = await this.call('read', key, fs.stat(this.file(key)));
      return stat.isFile() ? { size: stat.size } : undefined;
    } catch (error) {
      const code = errno(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw await this.failure('read', key, error);
    }
  }

  async getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    // open first: a missing file is `undefined`, not an error in the middle of the stream
    const opened = await this.open(key);
    return opened && this.chunks(key, opened.handle, opened.size);
  }

  /** The file in chunks, each read bounded in time (a reader's own pace is never counted). */
  private async *chunks(key: string, handle: fs.FileHandle, size: number): AsyncGenerator<Uint8Array> {
    // a small file in one buffer of its size, a large one in READ_CHUNK pieces
    const chunk = Math.min(READ_CHUNK, Math.max(size, 1));
    try {
      for (;;) {
        const buffer = Buffer.allocUnsafe(chunk);
        const { bytesRead } = await this.call('read', key, handle.read(buffer, 0, chunk, null), chunk);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    } catch (error) {
      throw await this.failure('read', key, error);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<boolean> {
    return this.write(key, [body], options);
  }

  async putStream(
    key: string,
    body: AsyncIterable<Uint8Array>,
    options?: PutStreamOptions,
  ): Promise<boolean> {
    return this.write(key, body, options);
  }

  /** Writes the chunks to a temp file, each write bounded in time, then moves it into place. */
  private async write(
    key: string,
    body: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options: PutOptions | undefined,
  ): Promise<boolean> {
    const target = this.file(key);
    const temp = tempName(target);
    let handle: fs.FileHandle | undefined;
    try {
      await this.call('write', key, makeDirectory(path.dirname(target)));
      handle = await this.call('write', key, fs.open(temp, 'wx'));
      let sent = 0;
      for await (const chunk of body) {
        // writeFile, not write: it loops over partial writes
        await this.call('write', key, handle.writeFile(chunk), chunk.byteLength);
        sent += chunk.byteLength;
        options?.onProgress?.(sent);
      }
      await this.call('write', key, handle.close());
      handle = undefined;
      return await this.call('write', key, commit(temp, target, options?.ifAbsent === true));
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw await this.failure('write', key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    // '' lists the whole store (ModelRegistry.models); the root itself is not a key, so file() refuses it
    const dir = trimmed === '' ? this.root : this.file(trimmed);
    let entries: Dirent[];
    try {
      // The entries' types come with the listing: no stat per file (1,000 versions are 4,000 files).
      entries = await this.call('list', prefix, fs.readdir(dir, { recursive: true, withFileTypes: true }));
    } catch (error) {
      // nothing there yet is an empty listing; a file where the directory should be is an error
      if (errno(error) === 'ENOENT') return [];
      throw await this.failure('list', prefix, error);
    }
    const keys: string[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith('.tmp')) continue;
      keys.push(path.relative(this.root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
    }
    return keys.sort();
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const target = this.file(key);
      try {
        await this.call('delete', key, fs.rm(target, { force: true }));
        await this.call('delete', key, removeEmptyParents(path.dirname(target), this.root));
      } catch (error) {
        throw await this.failure('delete', key, error);
      }
    }
  }

  /** A failed call as one line of what failed and one of what to do. */
  private async failure(op: Op, key: string, cause: unknown): Promise<MlopsError> {
    if (MlopsError.is(cause)) return cause;
    const code = errno(cause);
    if (code === 'ENOTDIR' || code === 'EEXIST') {
      // the key's own path: the walk stops at the first non-directory, an ancestor of what was asked
      const file = await this.call(op, key, firstNonDirectory(path.resolve(this.root, key))).catch(
        () => undefined,
      );
      if (file) return this.notADirectory(file, cause);
    }
    const hint =
      code === 'EACCES' || code === 'EPERM'
        ? 'Check the permissions of the registry directory.'
        : code === 'ENOSPC'
          ? 'Free disk space and retry.'
          : code === 'ENOENT' && op === 'write'
            ? 'The directory cannot be created there: point `registry` (mlops.config.json or MLOPS_REGISTRY) at a writable directory.'
            : 'Check that the registry path is a writable directory.';
    return new MlopsError(`Cannot ${op} ${key || '/'} in registry ${this.uri}: ${(cause as Error).message}`, {
      code: 'MLOPS_REGISTRY_E4010',
      hint,
      cause,
    });
  }

  private notADirectory(file: string, cause: unknown): MlopsError {
    const outside = !file.startsWith(this.root + path.sep);
    const message =
      file === this.root
        ? `The registry path ${this.root} is a file, not a directory.`
        : outside
          ? `The registry path ${this.root} is under ${file}, which is a file.`
          : `${file} in the registry ${this.uri} is a file where a directory belongs.`;
    return new MlopsError(message, {
      code: 'MLOPS_REGISTRY_E4010',
      hint: outside
        ? 'Point `registry` (mlops.config.json or MLOPS_REGISTRY) at a directory, e.g. file://.mlops/registry, or move the file away.'
        : 'It was put there outside mlops: move it away.',
      cause,
    });
  }
}

const tempName = (target: string): string => `${target}.${randomBytes(6).toString('hex')}.tmp`;

/**
 * `mkdir -p`, one level at a time. fs.mkdir's recursive mode retries for ever where mkdir(2) answers
 * ENOENT for a name whose parent exists (under /proc or /sys), pinning a thread of libuv's pool.
 */
async function makeDirectory(dir: string): Promise<void> {
  const attempt = async (): Promise<boolean> => {
    try {
      await fs.mkdir(dir);
      return true;
    } catch (error) {
      if (errno(error) === 'ENOENT') return false;
      if (errno(error) === 'EEXIST' && (await fs.stat(dir)).isDirectory()) return true;
      throw error;
    }
  };
  if (await attempt()) return;
  const parent = path.dirname(dir);
  if (parent === dir) throw new Error(`cannot create ${dir}`);
  await makeDirectory(parent);
  // the parent exists now: ENOENT again means this name cannot be created here
  if (!(await attempt())) await fs.mkdir(dir);
}

/** The first path from the filesystem root down to `target` that exists and is not a directory. */
async function firstNonDirectory(target: string): Promise<string | undefined> {
  const chain: string[] = [];
  for (let current = target; ; current = path.dirname(current)) {
    chain.unshift(current);
    if (path.dirname(current) === current) break;
  }
  for (const candidate of chain) {
    const stat = await fs.stat(candidate).catch(() => undefined);
    if (!stat) return undefined;
    if (!stat.isDirectory()) return candidate;
  }
  return undefined;
}

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
    if (errno(error) === 'EEXIST') return false;
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
