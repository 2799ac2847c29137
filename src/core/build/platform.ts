import { usageError } from '../../kernel/errors.js';
import type { Platform } from '../ports/image-registry.js';

/** `linux/amd64`, `linux/arm64/v8`: the --platform syntax of docker and buildah. */
export function parsePlatforms(value: string): Platform[] {
  return value.split(',').map((text) => {
    const [os, architecture, variant, ...rest] = text.trim().split('/');
    if (!os || !architecture || rest.length > 0) {
      throw usageError(
        `--platform ${value}: "${text}" is not OS/ARCH[/VARIANT].`,
        'MLOPS_IMAGE_E7432',
        'Write platforms as docker does, comma-separated, e.g. --platform linux/amd64,linux/arm64.',
      );
    }
    return variant ? { os, architecture, variant } : { os, architecture };
  });
}

export const formatPlatform = (p: Platform) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

const ARCHITECTURES: Partial<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  s390x: 's390x',
  ppc64: 'ppc64le',
};

/** The platform of this machine, the default when --platform is not given. */
export const hostPlatform = (arch: string = process.arch): Platform => ({
  os: 'linux',
  architecture: ARCHITECTURES[arch] ?? arch,
});

/** Whether an index entry serves the requested platform (arm64 without a variant matches v8). */
export function matchesPlatform(entry: Platform | undefined, wanted: Platform): boolean {
  if (entry === undefined || entry.os !== wanted.os || entry.architecture !== wanted.architecture)
    return false;
  if (wanted.variant === undefined) return true;
  return (entry.variant ?? (entry.architecture === 'arm64' ? 'v8' : undefined)) === wanted.variant;
}
