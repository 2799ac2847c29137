import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatPlatform } from '../../src/core/build/platform.js';
import type { ImageBuilder } from '../../src/core/ports/image-builder.js';
import { alternativeTo, labelArgs, runTool, toolBuilder } from './tool-builder.js';

/**
 * `docker buildx build` over the context mlops prepares (build-context.ts): --push pushes every tag and
 * platform at once; without it the image is loaded into the local engine. SOURCE_DATE_EPOCH (a build
 * argument BuildKit reads) stamps the image's times as the oci builder does.
 */
export function dockerBuilder(): ImageBuilder {
  return toolBuilder('docker', async (request, context) => {
    const metadata = path.join(context.scratch, 'metadata.json');
    await runTool(
      'docker',
      [
        'buildx',
        'build',
        request.push ? '--push' : '--load',
        '--metadata-file',
        metadata,
        '-f',
        context.dockerfile,
        '--build-arg',
        `BASE=${request.base}`,
        '--build-arg',
        `SOURCE_DATE_EPOCH=${request.sourceDateEpoch}`,
        ...labelArgs(context.labels),
        ...(request.platforms ? ['--platform', request.platforms.map(formatPlatform).join(',')] : []),
        ...request.tags.flatMap((tag) => ['-t', `${request.image}:${tag}`]),
        context.dir,
      ],
      {
        cwd: context.dir,
        io: request.io,
        label: `docker buildx build ${request.role}`,
        alternative: alternativeTo('docker', request),
      },
    );
    const digest = (JSON.parse(await readFile(metadata, 'utf8')) as Record<string, unknown>)[
      'containerimage.digest'
    ];
    return {
      ...(typeof digest === 'string' && { digest }),
      ...(!request.push && { location: 'docker' }),
    };
  });
}
