import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * What @vercel/nft keeps for each file it parsed, in the `analysisCache` Map of its `cache` option
 * (out/node-file-trace.js): the specifiers the file requires and imports, the assets it references.
 */
interface Analysis {
  readonly deps: Set<string>;
  readonly imports: Set<string>;
  readonly assets: Set<string>;
  readonly isESM: boolean;
}

/** nft's `cache` option, as nft fills it; only its analysisCache is read and written here. */
export interface NftCache {
  analysisCache?: Map<string, Analysis>;
}

type SavedAnalysis = readonly [
  file: string,
  mtimeMs: number,
  size: number,
  deps: readonly string[],
  imports: readonly string[],
  assets: readonly string[],
  isESM: boolean,
];

interface Saved {
  /** The nft version that wrote it: the Map's shape is nft's, so another version starts afresh. */
  readonly nft: string;
  readonly files: readonly SavedAnalysis[];
}

const nftVersion = (): string => {
  const manifest = createRequire(import.meta.url).resolve('@vercel/nft/package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
};

/**
 * nft's per-file analysis kept between runs (beside the trace results): tracing is parsing, seconds for
 * the thousand files an entry reaches, and a code change alters one or two of them. Loaded into `cache`,
 * every file whose time and size are unchanged is not parsed again; the graph is still walked and
 * resolved, so a changed import is followed.
 */
export function loadTraceAnalysis(file: string, cache: NftCache): void {
  if (cache.analysisCache) return;
  const analysisCache = new Map<string, Analysis>();
  cache.analysisCache = analysisCache;
  let saved: Saved;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as Saved;
  } catch {
    return;
  }
  if (saved.nft !== nftVersion()) return;
  for (const [host, mtimeMs, size, deps, imports, assets, isESM] of saved.files) {
    try {
      const stats = lstatSync(host);
      if (stats.mtimeMs !== mtimeMs || stats.size !== size) continue;
    } catch {
      continue;
    }
    analysisCache.set(host, {
      deps: new Set(deps),
      imports: new Set(imports),
      assets: new Set(assets),
      isESM,
    });
  }
}

/** Writes the analyses of files that still exist (temp name, then rename). */
export function saveTraceAnalysis(file: string, cache: NftCache): void {
  const files: SavedAnalysis[] = [];
  for (const [host, analysis] of cache.analysisCache ?? []) {
    let stats;
    try {
      stats = lstatSync(host);
    } catch {
      continue;
    }
    files.push([
      host,
      stats.mtimeMs,
      stats.size,
      [...analysis.deps],
      [...analysis.imports],
      [...analysis.assets],
      analysis.isESM,
    ]);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ nft: nftVersion(), files } satisfies Saved));
  renameSync(temp, file);
}
