import path from 'node:path';
import type { LayerBlob } from '../../src/core/build/assemble.js';
import type {
  BuildRequest,
  BuildResult,
  BuilderName,
  ImageBuilder,
  LayerSummary,
} from '../../src/core/ports/image-builder.js';
import { MlopsError } from '../../src/kernel/errors.js';
import type { IoHost } from '../../src/kernel/io-host.js';
import { withBuildContext, type BuildContext } from './build-context.js';
import { projectLayers } from './project-layers.js';

/** What a tool reports of its build: the pushed digest, or where a local build went. */
export type ToolOutcome = Pick<BuildResult, 'digest' | 'location'>;

/**
 * A builder that runs a tool (buildah, docker) over the context mlops prepares: the project's layers,
 * traced and written as the oci builder makes them, ADDed by a generated Dockerfile. Or, for an image
 * with images.<role>.dockerfile, over that Dockerfile with the project as context. `--dry-run` stops at
 * the plan (those layers, or the Dockerfile), so it needs neither the tool nor the registry.
 */
export function toolBuilder(
  name: Exclude<BuilderName, 'oci'>,
  run: (request: BuildRequest, context: BuildContext) => Promise<ToolOutcome>,
): ImageBuilder {
  // One trace cache per builder: `build all` parses the files both entries reach once.
  const traceCache = {};
  return {
    name,
    async build(request: BuildRequest): Promise<BuildResult> {
      if (request.dockerfile !== undefined) return fromDockerfile(request, request.dockerfile);
      const layers = await projectLayers(request.projectDir, request.role, request.sourceDateEpoch, {
        traceCache,
      });
      const result = { image: request.image, tags: request.tags, layers: summaries(layers) };
      if (request.dryRun) return result;
      const outcome = await withBuildContext(request, layers, (context) => run(request, context));
      return { ...result, ...outcome };
    },
  };

  async function fromDockerfile(request: BuildRequest, dockerfile: string): Promise<BuildResult> {
    const steps = `the steps of ${path.relative(request.projectDir, dockerfile)}`;
    const result = {
      image: request.image,
      tags: request.tags,
      layers: [{ comment: steps, fromBase: false }],
    };
    if (request.dryRun) return result;
    return { ...result, ...(await withBuildContext(request, [], (context) => run(request, context))) };
  }
}

const summaries = (layers: readonly LayerBlob[]): LayerSummary[] =>
  layers.map((layer) => ({
    comment: layer.comment,
    digest: layer.digest,
    size: layer.size,
    uncompressedSize: layer.uncompressedSize,
    fromBase: false,
  }));

/**
 * Runs an image tool, its output lines shown as the detail of one progress line on a terminal and as
 * `build-tool` debug events (--verbose; never on --json's stdout). A missing tool or a failure becomes an
 * MlopsError naming the way out.
 */
export async function runTool(
  tool: string,
  args: readonly string[],
  options: {
    readonly cwd: string;
    readonly io: IoHost;
    readonly label: string;
    readonly env?: Record<string, string | undefined>;
    /** What else to build with: the request's `alternative` (see `alternativeTo`). */
    readonly alternative: string;
  },
): Promise<string> {
  const { execa } = await import('execa');
  const progress = options.io.progress(options.label);
  const tail: string[] = [];
  try {
    const child = execa(tool, [...args], {
      cwd: options.cwd,
      all: true,
      reject: false,
      env: options.env,
      extendEnv: true,
    });
    child.all?.setEncoding('utf8');
    let partial = '';
    child.all?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        progress.update(0, line.slice(0, 100));
        options.io.notify({ level: 'debug', event: 'build-tool', message: line, data: { tool, line } });
      }
    });
    const result = await child;
    if (result.failed) {
      const missing = (result.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
      if (missing) {
        throw new MlopsError(`${tool} is not installed (or not on PATH).`, {
          code: 'MLOPS_IMAGE_E7437',
          hint: `Install ${tool}, or ${options.alternative}.`,
        });
      }
      throw new MlopsError(
        `${options.label} failed (exit ${result.exitCode ?? 'signal'}): ${tail.slice(-3).join(' | ')}`,
        {
          code: 'MLOPS_IMAGE_E7438',
          hint: `Run it with --verbose to see ${tool}'s output, or ${options.alternative}.`,
        },
      );
    }
    return String(result.stdout ?? '');
  } finally {
    progress.done();
  }
}

/** `--label name=value` for each label: the flag buildah and docker both take. */
export const labelArgs = (labels: Readonly<Record<string, string>>): string[] =>
  Object.entries(labels).flatMap(([name, value]) => ['--label', `${name}=${value}`]);

/** The way out when a tool is missing or fails: oci, unless the image is built from its Dockerfile. */
export const alternativeTo = (tool: string, request: BuildRequest): string =>
  request.dockerfile === undefined
    ? 'use the built-in builder, which needs no tool: --builder oci'
    : `build with ${tool === 'docker' ? 'buildah' : 'docker'} (--builder), or remove images.${request.role}.dockerfile to build the traced files with --builder oci`;
