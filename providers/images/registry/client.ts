import { setTimeout as sleep } from 'node:timers/promises';
import type {
  BlobReader,
  BlobSource,
  FetchedManifest,
  ImageRegistryClient,
  PushProgress,
} from '../../../src/core/ports/image-registry.js';
import { MlopsError } from '../../../src/kernel/errors.js';
import { repositoryScope } from './auth.js';
import { digestLike, digestMismatch, hashFor, isDigest, sha256Digest } from './digest.js';
import { registryError } from './errors.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { responseHeader, type RegistryResponse, type RegistryTransport } from './transport.js';
import { DEFAULT_CHUNK_SIZE, uploadBlob } from './upload.js';

export interface RegistryClientOptions {
  /** Bytes per upload chunk (blobs no larger go in one PUT). @default 8 MiB */
  readonly chunkSize?: number;
  /** Attempts of a whole blob upload after a 5xx or a dropped connection. @default 3 */
  readonly uploadAttempts?: number;
  /** The first pause between upload attempts, doubled each time. @default 500 */
  readonly backoffMs?: number;
}

/** Errors after which a whole upload is worth starting again (the registry failed, the link dropped). */
const RETRY_UPLOAD: ReadonlySet<string> = new Set(['MLOPS_IMAGE_E7402', 'MLOPS_IMAGE_E7410']);

/** The ImageRegistryClient port over the distribution API (OCI distribution-spec v1.1 / Docker registry v2). */
export class DistributionClient implements ImageRegistryClient {
  /** Upload sessions a mount opened instead of mounting (202), used by the next push of that blob. */
  private readonly sessions = new Map<string, string>();

  constructor(
    private readonly transport: RegistryTransport,
    private readonly options: RegistryClientOptions = {},
  ) {}

  get host(): string {
    return this.transport.host;
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const response = await this.manifestRequest('GET', repository, reference);
    const bytes = new Uint8Array(await response.body.arrayBuffer());
    const digest = isDigest(reference) ? digestLike(reference, bytes) : sha256Digest(bytes);
    const expected = isDigest(reference) ? reference : responseHeader(response, 'docker-content-digest');
    if (expected && expected.startsWith('sha256:') && expected !== digest) {
      throw digestMismatch(`manifest ${repository}@${reference}`, this.host, expected, digest);
    }
    return { mediaType: manifestMediaType(bytes, responseHeader(response, 'content-type')), digest, bytes };
  }

  async headManifest(repository: string, reference: string): Promise<string | undefined> {
    const response = await this.manifestRequest('HEAD', repository, reference, [404]);
    await response.body.dump();
    if (response.statusCode === 404) return undefined;
    // A registry that omits the header (it is optional) is asked for the bytes instead.
    return (
      responseHeader(response, 'docker-content-digest') ??
      (await this.getManifest(repository, reference)).digest
    );
  }

  async getBlob(repository: string, digest: string): Promise<Uint8Array> {
    const response = await this.blobRequest('GET', repository, digest);
    const bytes = new Uint8Array(await response.body.arrayBuffer());
    const actual = digestLike(digest, bytes);
    if (actual !== digest) throw digestMismatch(`blob ${repository}@${digest}`, this.host, digest, actual);
    return bytes;
  }

  async openBlob(repository: string, digest: string): Promise<BlobReader> {
    const response = await this.blobRequest('GET', repository, digest);
    const size = Number(responseHeader(response, 'content-length') ?? Number.NaN);
    const host = this.host;
    async function* verified(): AsyncGenerator<Uint8Array> {
      const hash = hashFor(digest);
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        yield chunk;
      }
      const actual = `${digest.slice(0, digest.indexOf(':'))}:${hash.digest('hex')}`;
      if (actual !== digest) throw digestMismatch(`blob ${repository}@${digest}`, host, digest, actual);
    }
    return { size, body: verified() };
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const response = await this.blobRequest('HEAD', repository, digest, [404]);
    await response.body.dump();
    return response.statusCode !== 404;
  }

  async mountBlob(repository: string, digest: string, fromRepository: string): Promise<boolean> {
    const query = new URLSearchParams({ mount: digest, from: fromRepository });
    const response = await this.transport.send({
      method: 'POST',
      url: `/v2/${repository}/blobs/uploads/?${query.toString()}`,
      scopes: [repositoryScope(repository, 'pull,push'), repositoryScope(fromRepository, 'pull')],
      doing: `mounting blob ${digest} from ${fromRepository} into ${repository}`,
      idempotent: false,
      accept: [201, 202],
    });
    await response.body.dump();
    if (response.statusCode === 201) return true;
    const location = responseHeader(response, 'location');
    if (location) this.sessions.set(`${repository}@${digest}`, this.transport.resolve(location));
    return false;
  }

  async pushBlob(
    repository: string,
    digest: string,
    size: number,
    source: BlobSource,
    onProgress?: (progress: PushProgress) => void,
  ): Promise<void> {
    const attempts = this.options.uploadAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      const key = `${repository}@${digest}`;
      const session = this.sessions.get(key);
      this.sessions.delete(key);
      try {
        await uploadBlob(this.transport, repository, digest, size, source, {
          chunkSize: this.options.chunkSize ?? DEFAULT_CHUNK_SIZE,
          ...(session ? { session } : {}),
          ...(onProgress ? { onProgress } : {}),
        });
        return;
      } catch (error) {
        if (attempt >= attempts || !MlopsError.is(error) || !RETRY_UPLOAD.has(error.code)) throw error;
        await sleep((this.options.backoffMs ?? 500) * 2 ** (attempt - 1));
      }
    }
  }

  async putManifest(
    repository: string,
    reference: string,
    mediaType: string,
    bytes: Uint8Array,
  ): Promise<string> {
    const computed = sha256Digest(bytes);
    if (isDigest(reference) && reference !== computed) {
      throw digestMismatch(`manifest to put under ${reference}`, this.host, reference, computed);
    }
    const response = await this.transport.send({
      method: 'PUT',
      url: `/v2/${repository}/manifests/${reference}`,
      headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
      body: bytes,
      scopes: [repositoryScope(repository, 'pull,push')],
      doing: `putting manifest ${repository}:${reference}`,
      idempotent: true,
      accept: [201],
    });
    await response.body.dump();
    const stored = responseHeader(response, 'docker-content-digest') ?? computed;
    if (stored !== computed)
      throw digestMismatch(`manifest ${repository}:${reference}`, this.host, computed, stored);
    return stored;
  }

  private async manifestRequest(
    method: 'GET' | 'HEAD',
    repository: string,
    reference: string,
    accept: readonly number[] = [],
  ): Promise<RegistryResponse> {
    const response = await this.transport.send({
      method,
      url: `/v2/${repository}/manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [repositoryScope(repository, 'pull')],
      doing: `reading manifest ${repository}${isDigest(reference) ? '@' : ':'}${reference}`,
      idempotent: true,
      accept: [404, ...accept],
    });
    if (response.statusCode === 404 && !accept.includes(404)) {
      await response.body.dump();
      const name = `${this.host}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
      throw registryError(
        `The image ${name} does not exist (manifest unknown).`,
        'MLOPS_IMAGE_E7406',
        `Check the repository and the tag (and for a multi-platform image, that it has the platform asked for); list tags with skopeo list-tags docker://${this.host}/${repository}.`,
      );
    }
    return response;
  }

  private async blobRequest(
    method: 'GET' | 'HEAD',
    repository: string,
    digest: string,
    accept: readonly number[] = [],
  ): Promise<RegistryResponse> {
    const response = await this.transport.send({
      method,
      url: `/v2/${repository}/blobs/${digest}`,
      scopes: [repositoryScope(repository, 'pull')],
      doing: `reading blob ${digest} of ${repository}`,
      idempotent: true,
      accept: [404, ...accept],
    });
    if (response.statusCode === 404 && !accept.includes(404)) {
      await response.body.dump();
      throw registryError(
        `The blob ${digest} is not in ${this.host}/${repository} (blob unknown).`,
        'MLOPS_IMAGE_E7407',
        'The manifest names a layer the registry lost or never received: push the image again.',
      );
    }
    return response;
  }
}

/** A manifest's media type: its own `mediaType` field, else the response's Content-Type. */
function manifestMediaType(bytes: Uint8Array, contentType: string | undefined): string {
  try {
    const field = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { mediaType?: unknown }).mediaType;
    if (typeof field === 'string' && field !== '') return field;
  } catch {
    // not JSON: the Content-Type is all there is
  }
  return (contentType ?? '').split(';')[0]!.trim();
}
