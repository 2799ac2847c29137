import type { BlobSource, PushProgress } from '../../../src/core/ports/image-registry.js';
import { repositoryScope } from './auth.js';
import { digestMismatch, hashFor } from './digest.js';
import { registryError } from './errors.js';
import { responseHeader, type RegistryTransport } from './transport.js';

export interface UploadOptions {
  /** Bytes per PATCH; blobs no larger go in one PUT. @default 8 MiB */
  readonly chunkSize: number;
  /** An upload session the registry opened already (a mount answered 202). */
  readonly session?: string;
  readonly onProgress?: (progress: PushProgress) => void;
}

export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

const OCTETS = 'application/octet-stream';

/**
 * Uploads one blob (distribution spec "push"): POST opens a session, then one PUT `?digest=` with the
 * whole blob when it fits in a chunk, else PATCHes of `chunkSize` bytes (`Content-Range`, at least the
 * registry's `OCI-Chunk-Min-Length`) and an empty closing PUT. Each answer's Location is the next URL,
 * relative or absolute. The bytes are hashed on the way and must match `digest` before it is committed.
 */
export async function uploadBlob(
  transport: RegistryTransport,
  repository: string,
  digest: string,
  size: number,
  source: BlobSource,
  options: UploadOptions,
): Promise<void> {
  const scopes = [repositoryScope(repository, 'pull,push')];
  const doing = `uploading blob ${digest} to ${repository}`;
  const step = (
    method: 'POST' | 'PUT' | 'PATCH',
    url: string,
    extra: Partial<Parameters<RegistryTransport['send']>[0]>,
  ) => transport.send({ method, url, scopes, doing, idempotent: false, ...extra });

  let location = options.session;
  let chunkSize = options.chunkSize;
  if (!location) {
    const opened = await step('POST', `/v2/${repository}/blobs/uploads/`, { accept: [202] });
    await opened.body.dump();
    location = requireLocation(transport, responseHeader(opened, 'location'), doing);
    const minimum = Number(responseHeader(opened, 'oci-chunk-min-length'));
    if (Number.isFinite(minimum) && minimum > chunkSize) chunkSize = minimum;
  }

  const hash = hashFor(digest);
  let sent = 0;
  const report = () => options.onProgress?.({ sent, total: size });
  const finalUrl = (at: string) => {
    const url = new URL(transport.resolve(at));
    url.searchParams.set('digest', digest);
    return url.toString();
  };
  const verify = () => {
    const actual = `${digest.slice(0, digest.indexOf(':'))}:${hash.digest('hex')}`;
    if (actual !== digest || sent !== size) {
      throw registryError(
        `The content given for blob ${digest} (${sent} bytes) hashes to ${actual} (${size} bytes expected); nothing was committed.`,
        'MLOPS_IMAGE_E7408',
        'The layer changed while it was pushed; build again.',
      );
    }
  };

  let committed;
  if (size <= chunkSize) {
    const bytes = await readAll(source);
    hash.update(bytes);
    sent = bytes.length;
    verify();
    committed = await step('PUT', finalUrl(location), {
      headers: { 'content-type': OCTETS, 'content-length': String(bytes.length) },
      body: bytes,
      accept: [201],
    });
    report();
  } else {
    for await (const chunk of chunks(source, chunkSize)) {
      hash.update(chunk);
      const patched = await step('PATCH', location, {
        headers: {
          'content-type': OCTETS,
          'content-length': String(chunk.length),
          'content-range': `${sent}-${sent + chunk.length - 1}`,
        },
        body: chunk,
        accept: [202],
      });
      await patched.body.dump();
      location = requireLocation(transport, responseHeader(patched, 'location'), doing);
      sent += chunk.length;
      report();
    }
    verify();
    committed = await step('PUT', finalUrl(location), { headers: { 'content-length': '0' }, accept: [201] });
  }
  await committed.body.dump();
  const stored = responseHeader(committed, 'docker-content-digest');
  if (stored && stored !== digest)
    throw digestMismatch(`blob ${digest} stored`, transport.host, digest, stored);
}

function requireLocation(transport: RegistryTransport, location: string | undefined, doing: string): string {
  if (location) return transport.resolve(location);
  throw registryError(
    `The registry ${transport.host} answered without a Location header while ${doing}.`,
    'MLOPS_IMAGE_E7410',
    'The registry does not follow the distribution API; check that the host is an OCI registry.',
  );
}

/** All of a source (bytes as they are; a stream read to the end). */
async function readAll(source: BlobSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  const parts: Uint8Array[] = [];
  for await (const part of source()) parts.push(part);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** A source cut into chunks of exactly `size` bytes (the last one shorter). */
async function* chunks(source: BlobSource, size: number): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    for (let at = 0; at < source.length; at += size) yield source.subarray(at, at + size);
    return;
  }
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (let part of source()) {
    while (pendingBytes + part.length >= size) {
      const take = size - pendingBytes;
      pending.push(part.subarray(0, take));
      yield Buffer.concat(pending, size);
      part = part.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (part.length > 0) {
      pending.push(part);
      pendingBytes += part.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
