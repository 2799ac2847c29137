import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatPlatform } from '../../src/core/build/platform.js';
import { parseImageReference } from '../../src/core/image-reference.js';
import type { ImageBuilder } from '../../src/core/ports/image-builder.js';
import { isInsecureRegistry } from './registry-factory.js';
import { alternativeTo, labelArgs, runTool, toolBuilder } from './tool-builder.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * buildah, daemonless, over the context mlops prepares (build-context.ts). Storage: the vfs driver
 * unless STORAGE_DRIVER says otherwise (it works unprivileged and inside containers), where buildah
 * keeps it (CONTAINERS_STORAGE_CONF moves it); chroot isolation unless BUILDAH_ISOLATION says otherwise.
 * `--timestamp` SOURCE_DATE_EPOCH makes a rebuild give the same digest. Several platforms go into a
 * manifest list pushed with all its images. Loopback registries are reached over plain HTTP.
 */
export function buildahBuilder(env: Env): ImageBuilder {
  const storage = ['--storage-driver', env.STORAGE_DRIVER || 'vfs'];
  const tls = (reference: string) =>
    isInsecureRegistry(parseImageReference(reference).host, env) ? ['--tls-verify=false'] : [];
  return toolBuilder('buildah', async (request, context) => {
    const refs = request.tags.map((tag) => `${request.image}:${tag}`);
    const platforms = request.platforms ?? [];
    const list = platforms.length > 1 ? refs[0]! : undefined;
    const tool = (label: string, args: readonly string[]) =>
      runTool('buildah', [...storage, ...args], {
        cwd: context.dir,
        io: request.io,
        label,
        env: { ...env },
        alternative: alternativeTo('buildah', request),
      });
    // `--manifest` adds to a list of that name: start from none (rm fails when there is none yet).
    if (list) await tool(`buildah manifest rm ${list}`, ['manifest', 'rm', list]).catch(() => undefined);
    await tool(`buildah build ${request.role}`, [
      'build',
      '--isolation',
      env.BUILDAH_ISOLATION || 'chroot',
      // buildah 1.28's layer cache does not tell platforms apart (the arm64 build would reuse the amd64
      // steps): several platforms build without it, each image then adds one layer (dependencies and app).
      ...(list ? ['--layers=false', '--pull=always'] : ['--layers']),
      '--timestamp',
      String(request.sourceDateEpoch),
      '-f',
      context.dockerfile,
      '--build-arg',
      `BASE=${request.base}`,
      ...labelArgs(context.labels),
      ...tls(request.base),
      ...(platforms.length > 0 ? ['--platform', platforms.map(formatPlatform).join(',')] : []),
      ...(list ? ['--manifest', list] : refs.flatMap((ref) => ['-t', ref])),
      context.dir,
    ]);
    if (!request.push) return { location: 'buildah (containers-storage)' };
    const digestFile = path.join(context.scratch, 'digest');
    for (const ref of refs) {
      await tool(`buildah push ${ref}`, [
        ...(list ? ['manifest', 'push', '--all'] : ['push']),
        ...tls(request.image),
        '--digestfile',
        digestFile,
        list ?? ref,
        `docker://${ref}`,
      ]);
    }
    return { digest: (await readFile(digestFile, 'utf8')).trim() };
  });
}
