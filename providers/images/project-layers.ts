import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../../src/kernel/errors.js';
import type { LayerBlob } from '../../src/core/build/assemble.js';
import type { ImageRole } from '../../src/core/image-ref.js';
import { cachedLayerOf } from './layer-cache.js';
import { loadTraceAnalysis, saveTraceAnalysis, type NftCache } from './trace-analysis-cache.js';

/** The entry point of each image, relative to the project (what its Entrypoint runs). */
export const ENTRY: Record<ImageRole, string> = {
  training: 'training/train.mjs',
  serving: 'serving/server.mjs',
};

/** What the app layer holds besides node_modules: the entry's folder and the project's config. */
const APP_FILES: Record<ImageRole, readonly string[]> = {
  training: ['training', 'data', 'mlops.config.json', 'package.json'],
  serving: ['serving', 'mlops.config.json', 'package.json'],
};

/**
 * What the trace does not follow (files an image's entry can never load), and need not parse: tracing
 * is parsing, and its cost grows with every file reached. No image opens a cluster (the CLI context's
 * lazy Kubernetes loader); the serving image never builds or pushes images (the registry client, and
 * with it undici and the ECR SDK) nor links packages (npm-install, execa), and carries no native
 * TensorFlow (tfjs-node): its dense predictor is plain JavaScript.
 */
const TRACE_IGNORED: Record<ImageRole, RegExp> = {
  training: /\/(node_modules\/@kubernetes\/client-node|dist\/providers\/kubernetes)\//,
  serving:
    /\/(node_modules\/@kubernetes\/client-node\/|node_modules\/@tensorflow\/tfjs-node(-gpu)?\/|dist\/providers\/kubernetes\/|dist\/providers\/images\/|dist\/providers\/local\/npm-install\.js$)/,
};

export interface ProjectLayersOptions {
  /**
   * @vercel/nft's cache (parsed files, resolutions), shared by the traces of one build: the training
   * and serving entries reach many of the same files, parsed once.
   */
  readonly traceCache?: NftCache;
}

const IMAGE_ROOT = 'app';

/** Where builds keep what spares the next one work (trace, analysis, layers): never in an image. */
const cacheDirOf = (project: string) => path.join(project, '.mlops', 'cache');

/**
 * The two layers mlops adds to a base: the dependencies the entry point reaches (traced with
 * @vercel/nft, node_modules only), then the app itself, apart so that a code change re-pushes one small
 * layer. Files keep their place under /app; a linked `mlops` (`file:` dependency) is copied from where
 * the link points to /app/node_modules/mlops.
 */
export async function projectLayers(
  projectDir: string,
  role: ImageRole,
  mtime: number,
  options: ProjectLayersOptions = {},
): Promise<LayerBlob[]> {
  const project = realpathSync(projectDir);
  const entry = path.join(project, ENTRY[role]);
  const mlops = path.join(project, 'node_modules', 'mlops');
  for (const needed of [entry, mlops]) {
    if (!existsSync(needed)) {
      throw new MlopsError(
        `The ${role} image needs ${path.relative(project, needed)}, which ${project} lacks.`,
        {
          code: 'MLOPS_IMAGE_E7436',
          hint: 'Run mlops build in a project made by `mlops init` after `npm install` (or `mlops init --force` to restore the entry point).',
        },
      );
    }
  }
  const dependencies = await traceDependencies(project, entry, realpathSync(mlops), role, options.traceCache);
  const app = appFiles(project, role);
  const cacheDir = cacheDirOf(project);
  return [
    await cachedLayerOf(dependencies, mtime, `${role} dependencies (node_modules)`, {
      dir: cacheDir,
      slot: `${role}-dependencies`,
    }),
    await cachedLayerOf(
      app,
      mtime,
      `${role} app (${APP_FILES[role].filter((f) => existsSync(path.join(project, f))).join(', ')})`,
      { dir: cacheDir, slot: `${role}-app` },
    ),
  ];
}

async function traceDependencies(
  project: string,
  entry: string,
  mlopsDir: string,
  role: ImageRole,
  traceCache: NftCache = {},
): Promise<Map<string, string>> {
  const cacheDir = cacheDirOf(project);
  const cacheFile = path.join(cacheDir, `trace-${role}.json`);
  const key = createHash('sha256')
    .update(readFileSync(entry))
    .update(mlopsDir)
    .update(TRACE_IGNORED[role].source)
    .update(
      existsSync(path.join(project, 'package-lock.json'))
        ? readFileSync(path.join(project, 'package-lock.json'))
        : '',
    )
    .digest('hex');
  const cached = readTraceCache(cacheFile, key);
  if (cached) return cached;

  const analysisFile = path.join(cacheDir, 'trace-analysis.json');
  loadTraceAnalysis(analysisFile, traceCache);
  const { nodeFileTrace } = await import('@vercel/nft');
  const { fileList } = await nodeFileTrace([entry], {
    base: '/',
    processCwd: project,
    ignore: (file) => TRACE_IGNORED[role].test(`/${file}`),
    cache: traceCache,
  });
  saveTraceAnalysis(analysisFile, traceCache);
  const modules = path.join(project, 'node_modules');
  const files = new Map<string, string>();
  const add = (host: string) => {
    const image = imagePath(host, modules, mlopsDir);
    if (image === undefined) return;
    files.set(image, host);
  };
  for (const file of fileList) add(path.join('/', file));
  // tfjs-backend-wasm fetches its .wasm binaries at run time, which a trace of imports cannot see.
  const marker = `${path.sep}@tensorflow${path.sep}tfjs-backend-wasm${path.sep}`;
  const wasm = [...files.values()].find((f) => f.includes(marker));
  if (wasm) {
    const dist = path.join(wasm.slice(0, wasm.indexOf(marker) + marker.length), 'dist');
    for (const name of readdirSync(dist)) if (name.endsWith('.wasm')) add(path.join(dist, name));
  }
  writeTraceCache(cacheFile, key, files);
  return files;
}

interface TraceCache {
  readonly key: string;
  /** [image path, file on this machine, mtime in ms, size]: a changed file invalidates the cache. */
  readonly files: readonly (readonly [string, string, number, number])[];
}

/**
 * The last trace, when nothing it depends on changed: tracing takes seconds (thousands of files
 * parsed), checking the traced files' times and sizes milliseconds, and a warm rebuild should cost
 * only the layers.
 */
function readTraceCache(file: string, key: string): Map<string, string> | undefined {
  try {
    const cache = JSON.parse(readFileSync(file, 'utf8')) as TraceCache;
    if (cache.key !== key) return undefined;
    for (const [, host, mtime, size] of cache.files) {
      const stats = lstatSync(host);
      if (stats.mtimeMs !== mtime || stats.size !== size) return undefined;
    }
    return new Map(cache.files.map(([image, host]) => [image, host]));
  } catch {
    return undefined;
  }
}

function writeTraceCache(file: string, key: string, files: ReadonlyMap<string, string>): void {
  const cache: TraceCache = {
    key,
    files: [...files].map(([image, host]) => {
      const stats = lstatSync(host);
      return [image, host, stats.mtimeMs, stats.size] as const;
    }),
  };
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(cache));
  renameSync(temp, file);
}

/** Where a traced file goes in the image, or undefined for what is not a dependency (the app, the system). */
function imagePath(host: string, modules: string, mlopsDir: string): string | undefined {
  const under = (dir: string) => host === dir || host.startsWith(`${dir}${path.sep}`);
  const rel = (dir: string) => path.relative(dir, host).split(path.sep).join('/');
  if (under(mlopsDir))
    return host === mlopsDir
      ? `${IMAGE_ROOT}/node_modules/mlops`
      : `${IMAGE_ROOT}/node_modules/mlops/${rel(mlopsDir)}`;
  // A linked mlops: the link (and paths through it) stay out, its target is copied above.
  if (under(path.join(modules, 'mlops'))) return undefined;
  if (under(modules)) return `${IMAGE_ROOT}/node_modules/${rel(modules)}`;
  return undefined;
}

function appFiles(project: string, role: ImageRole): Map<string, string> {
  const files = new Map<string, string>();
  const add = (rel: string) => {
    const host = path.join(project, rel);
    if (!existsSync(host)) return;
    if (!statSync(host).isDirectory()) files.set(`${IMAGE_ROOT}/${rel}`, host);
    else for (const name of readdirSync(host)) add(`${rel}/${name}`);
  };
  for (const name of APP_FILES[role]) add(name);
  return files;
}
