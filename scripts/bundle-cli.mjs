// `npm run build`, after tsc: bundles what `mlops` loads before it runs a command into dist/cli.mjs, which
// bin/mlops runs. Node's ESM loader costs about a millisecond a file, and `mlops --help` read ~45 of them
// (DESIGN.md §8: ≤ 60 ms over a bare `node -e 0`).
//
// Static imports from dist/src/cli/main.js are inlined, commander's too (its `require`s of node builtins
// go through a `require` made from the bundle's URL); other packages stay imports. Every `import()` of a
// module of ours stays an import of its compiled file under dist/src/, so a command's handler, the
// library, `mlops/cli` and `mlops/serving` load the modules tsc wrote. The few modules both sides use
// (kernel/errors, kernel/io-host, core/version …, and CLI helpers a lazily loaded command half imports)
// can then be loaded twice in a process, which they allow for: MlopsError is branded with Symbol.for,
// and none of them holds state beyond a cache (package-root's path).
//
// A few lazily loaded modules that a common command needs at once are bundled too, into files of their
// own next to the bundle (CHUNKS) with the packages they use inside, and the bundle imports those instead
// of the compiled files: the configuration loader with zod, which as zod's ~100 files (all its locales
// too) cost `mlops predict` ~100 ms and as one tree-shaken file a quarter of that; and the predict
// client's modules (9 files). The config chunk sets zod's `jitless` first: zod compiles a parser (new
// Function) per object schema on its first parse, which pays after many parses, not for the few a
// command makes (~10 ms). zod keeps its settings on globalThis, so that holds for the process; only the
// CLI loads the chunk. A chunk's modules are copies of their compiled files, as the bundle's are.
//
// `--outfile <path>` writes elsewhere (the tests bundle into a temporary directory).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist') + path.sep;
const at = process.argv.indexOf('--outfile');
const outfile = at > 0 ? path.resolve(process.argv[at + 1] ?? '') : path.join(root, 'dist', 'cli.mjs');

/**
 * Chunks: a file next to the bundle holding compiled modules (of dist/src/) and what they import, the
 * `import()` of any of them in the bundle loads it. A prelude runs before the modules are evaluated.
 */
const CHUNKS = [
  {
    name: 'cli-config.mjs',
    modules: ['config/load.js'],
    prelude: "import { config } from 'zod';\nconfig({ jitless: true });",
  },
  {
    name: 'cli-predict.mjs',
    modules: ['serving/client.js', 'serving/client-rows.js', 'serving/client-output.js'],
  },
];
const chunkFile = (name) => path.join(path.dirname(outfile), name);
const compiled = (module) => path.join(dist, 'src', ...module.split('/'));
const chunkOf = new Map(CHUNKS.flatMap((chunk) => chunk.modules.map((m) => [compiled(m), chunk])));

/** Specifiers of the compiled files that stay imports, relative to the bundle. */
const fromBundle = (file) => {
  const relative = path.relative(path.dirname(outfile), file).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
};

const lazyImports = {
  name: 'lazy-imports',
  setup(esbuild) {
    esbuild.onResolve({ filter: /.*/ }, ({ path: specifier, resolveDir, kind }) => {
      if (kind === 'entry-point') return undefined;
      if (!specifier.startsWith('.')) return specifier === 'commander' ? undefined : { external: true };
      const file = path.resolve(resolveDir, specifier);
      if (kind === 'dynamic-import' && chunkOf.has(file))
        return { path: fromBundle(chunkFile(chunkOf.get(file).name)), external: true };
      if (kind === 'dynamic-import' && file.startsWith(dist))
        return { path: fromBundle(file), external: true };
      return undefined;
    });
  },
};

/**
 * commander requires node:child_process (with net, dgram and streams: ~4 ms) for executable subcommands,
 * which mlops does not define: it gets a stand-in that loads the module if one is ever spawned.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^node:child_process$/ }, ({ importer }) =>
      importer.includes(`${path.sep}node_modules${path.sep}commander${path.sep}`)
        ? { path: 'child_process', namespace: 'lazy-child-process' }
        : undefined,
    );
    esbuild.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "exports.spawn = (...args) => require('node:child_process').spawn(...args);",
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner: {
    js: "import { createRequire as __mlopsRequire } from 'node:module';\nconst require = __mlopsRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

/**
 * A chunk's entry: its prelude (ES modules evaluate their imports in order), then every export of its
 * modules. Packages are inside; an `import()` of a compiled module stays one, as in the bundle.
 */
const chunkImports = ({ modules, prelude = '' }) => ({
  name: 'chunk-imports',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^mlops-chunk:/ }, ({ path: specifier }) => ({
      path: specifier.slice('mlops-chunk:'.length),
      namespace: 'chunk',
    }));
    esbuild.onLoad({ filter: /.*/, namespace: 'chunk' }, ({ path: which }) => ({
      contents:
        which === 'prelude'
          ? prelude
          : [
              "import 'mlops-chunk:prelude';",
              ...modules.map((m) => `export * from ${JSON.stringify(compiled(m))};`),
            ].join('\n'),
      loader: 'js',
      resolveDir: dist,
    }));
    esbuild.onResolve({ filter: /^\./ }, ({ path: specifier, resolveDir, kind }) => {
      const file = path.resolve(resolveDir, specifier);
      return kind === 'dynamic-import' && file.startsWith(dist)
        ? { path: fromBundle(file), external: true }
        : undefined;
    });
  },
});

await Promise.all([
  build({
    ...common,
    entryPoints: [path.join(dist, 'src', 'cli', 'main.js')],
    outfile,
    plugins: [lazyChildProcess, lazyImports],
  }),
  ...CHUNKS.map((chunk) =>
    build({
      ...common,
      entryPoints: ['mlops-chunk:entry'],
      outfile: chunkFile(chunk.name),
      plugins: [chunkImports(chunk)],
    }),
  ),
]);
