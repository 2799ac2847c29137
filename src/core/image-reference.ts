import { usageError } from '../kernel/errors.js';

/** An image reference split the way the distribution API addresses it. */
export interface ImageReference {
  /** The registry as references write it: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly host: string;
  /** The repository path on that registry: `library/node`, `acme/iris-serving`. */
  readonly repository: string;
  /** `latest` when the reference names neither a tag nor a digest. */
  readonly tag?: string;
  /** `sha256:<64 hex>`; wins over the tag when both are given. */
  readonly digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([
  DOCKER_HUB,
  'index.docker.io',
  'registry-1.docker.io',
]);

// The grammar of distribution's reference package (reference/regexp.go).
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const HOST =
  /^(?:\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::[0-9]+)?$/;
const MAX_NAME = 255;

function malformed(reference: string, why: string): never {
  throw usageError(
    `The image reference "${reference}" is malformed: ${why}.`,
    'MLOPS_IMAGE_E7401',
    'Write it as [HOST[:PORT]/]REPOSITORY[:TAG][@sha256:DIGEST], e.g. ghcr.io/acme/iris-serving:1.2 or node:22-bookworm-slim.',
  );
}

/** Whether the first path part of a reference is a registry host rather than a repository part. */
const isHost = (part: string): boolean =>
  part.includes('.') || part.includes(':') || part === 'localhost' || part !== part.toLowerCase();

/**
 * Parses an image reference as docker does: a first part with a dot, a colon or `localhost` is the
 * registry host, else Docker Hub (`docker.io`), where single names live under `library/`. Without a
 * tag or a digest the tag is `latest`.
 */
export function parseImageReference(reference: string): ImageReference {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const named = at >= 0 ? reference.slice(0, at) : reference;
  if (digest?.startsWith('sha256:') && !SHA256.test(digest)) {
    malformed(reference, 'a sha256 digest is 64 lowercase hex characters');
  }
  if (digest !== undefined && !DIGEST.test(digest)) malformed(reference, `"${digest}" is not a digest`);
  // A colon after the last slash separates the tag (a colon before it belongs to host:port).
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const tag = colon > slash ? named.slice(colon + 1) : undefined;
  const name = colon > slash ? named.slice(0, colon) : named;
  if (tag !== undefined && !TAG.test(tag)) malformed(reference, `"${tag}" is not a valid tag`);
  if (name === '') malformed(reference, 'it names no repository');

  const parts = name.split('/');
  const first = parts[0]!;
  let host = DOCKER_HUB;
  if (parts.length > 1 && isHost(first)) {
    if (!HOST.test(first)) malformed(reference, `"${first}" is not a registry host`);
    host = DOCKER_HUB_ALIASES.has(first) ? DOCKER_HUB : first;
    parts.shift();
  }
  if (host === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  for (const part of parts) {
    if (!COMPONENT.test(part)) {
      malformed(
        reference,
        part === ''
          ? 'it has an empty path part'
          : `"${part}" is not a valid repository part (lowercase letters, digits, . _ -)`,
      );
    }
  }
  const repository = parts.join('/');
  if (host.length + 1 + repository.length > MAX_NAME) {
    malformed(reference, `the name is longer than ${MAX_NAME} characters`);
  }
  return {
    host,
    repository,
    ...(tag !== undefined || digest === undefined ? { tag: tag ?? 'latest' } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** The full form of a reference: `docker.io/library/node:22`, `ghcr.io/acme/app@sha256:…`. */
export function formatImageReference(reference: ImageReference): string {
  const tag = reference.tag !== undefined ? `:${reference.tag}` : '';
  const digest = reference.digest !== undefined ? `@${reference.digest}` : '';
  return `${reference.host}/${reference.repository}${tag}${digest}`;
}

/** What the manifest endpoints take for a reference: its digest, else its tag. */
export const manifestReference = (reference: ImageReference): string =>
  reference.digest ?? reference.tag ?? 'latest';

/** The host the distribution API answers on: Docker Hub's is `registry-1.docker.io`. */
export const registryApiHost = (host: string): string =>
  DOCKER_HUB_ALIASES.has(host) ? 'registry-1.docker.io' : host;
