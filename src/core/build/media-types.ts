/**
 * The two families of image media types a registry serves. An image mlops builds uses its base's family
 * throughout (manifest, config, layers, index), so that any client able to pull the base pulls it too.
 */
export interface MediaTypes {
  readonly family: 'oci' | 'docker';
  readonly index: string;
  readonly manifest: string;
  readonly config: string;
  readonly layer: string;
}

export const OCI: MediaTypes = {
  family: 'oci',
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};

export const DOCKER: MediaTypes = {
  family: 'docker',
  index: 'application/vnd.docker.distribution.manifest.list.v2+json',
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
};

export const isIndex = (mediaType: string) => mediaType === OCI.index || mediaType === DOCKER.index;

export const familyOf = (mediaType: string): MediaTypes =>
  mediaType === DOCKER.manifest || mediaType === DOCKER.index ? DOCKER : OCI;
