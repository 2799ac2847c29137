import { DOCKER, OCI } from '../../../src/core/build/media-types.js';

/**
 * The Accept of every manifest request: indexes and manifests of both families, so that a registry
 * answers what it stores (distribution 2.8 serves an OCI manifest only to a client that names its type).
 */
export const MANIFEST_ACCEPT = [OCI.index, OCI.manifest, DOCKER.index, DOCKER.manifest].join(', ');
