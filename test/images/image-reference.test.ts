import { describe, expect, it } from 'vitest';
import {
  formatImageReference,
  manifestReference,
  parseImageReference,
  registryApiHost,
} from '../../src/core/image-reference.js';
import { errorOf } from '../support/error-code.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('parseImageReference', () => {
  it.each([
    ['node:22-bookworm-slim', { host: 'docker.io', repository: 'library/node', tag: '22-bookworm-slim' }],
    ['node', { host: 'docker.io', repository: 'library/node', tag: 'latest' }],
    ['bitnami/redis:7', { host: 'docker.io', repository: 'bitnami/redis', tag: '7' }],
    ['docker.io/node:22', { host: 'docker.io', repository: 'library/node', tag: '22' }],
    ['index.docker.io/library/node', { host: 'docker.io', repository: 'library/node', tag: 'latest' }],
    ['ghcr.io/o/r:tag', { host: 'ghcr.io', repository: 'o/r', tag: 'tag' }],
    ['localhost/app', { host: 'localhost', repository: 'app', tag: 'latest' }],
    ['localhost:5000/a/b/c:v1.2_rc-3', { host: 'localhost:5000', repository: 'a/b/c', tag: 'v1.2_rc-3' }],
    [`127.0.0.1:5000/a/b@${DIGEST}`, { host: '127.0.0.1:5000', repository: 'a/b', digest: DIGEST }],
    [`ghcr.io/o/r:1@${DIGEST}`, { host: 'ghcr.io', repository: 'o/r', tag: '1', digest: DIGEST }],
    ['[::1]:5000/app:1', { host: '[::1]:5000', repository: 'app', tag: '1' }],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:1',
      { host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', repository: 'x', tag: '1' },
    ],
    ['my_org/my.app__x-y:1', { host: 'docker.io', repository: 'my_org/my.app__x-y', tag: '1' }],
  ])('%s', (reference, expected) => {
    expect(parseImageReference(reference)).toEqual(expected);
  });

  it.each([
    ['', 'names no repository'],
    ['Node:22', 'not a valid repository part'],
    ['ghcr.io/Acme/app', 'not a valid repository part'],
    ['ghcr.io//app', 'empty path part'],
    ['app:', 'not a valid tag'],
    ['app:-x', 'not a valid tag'],
    [`app:${'x'.repeat(129)}`, 'not a valid tag'],
    ['app@sha256:abc', '64 lowercase hex'],
    [`app@${DIGEST.toUpperCase()}`, 'not a digest'],
    ['app@latest', 'not a digest'],
    ['bad_host.io:x/app', 'not a registry host'],
    [`ghcr.io/${'a'.repeat(250)}`, 'longer than 255'],
  ])('rejects %j with MLOPS_IMAGE_E7401 saying why', (reference, why) => {
    const error = errorOf(() => parseImageReference(reference));
    expect(error.code).toBe('MLOPS_IMAGE_E7401');
    expect(error.source).toBe('usage');
    expect(error.message).toContain(why);
    expect(error.message).toContain(`"${reference}"`);
  });
});

describe('formatImageReference', () => {
  it.each([
    ['node:22', 'docker.io/library/node:22'],
    ['ghcr.io/o/r', 'ghcr.io/o/r:latest'],
    [`127.0.0.1:5000/a/b@${DIGEST}`, `127.0.0.1:5000/a/b@${DIGEST}`],
    [`ghcr.io/o/r:1@${DIGEST}`, `ghcr.io/o/r:1@${DIGEST}`],
  ])('%s → %s, which parses back to the same reference', (reference, formatted) => {
    const parsed = parseImageReference(reference);
    expect(formatImageReference(parsed)).toBe(formatted);
    expect(parseImageReference(formatted)).toEqual(parsed);
  });
});

describe('what the distribution API is asked', () => {
  it('addresses a manifest by its digest when there is one, else by its tag', () => {
    expect(manifestReference(parseImageReference(`ghcr.io/o/r:1@${DIGEST}`))).toBe(DIGEST);
    expect(manifestReference(parseImageReference('ghcr.io/o/r:1'))).toBe('1');
  });

  it("sends Docker Hub's requests to registry-1.docker.io and others to their own host", () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('ghcr.io')).toBe('ghcr.io');
  });
});
