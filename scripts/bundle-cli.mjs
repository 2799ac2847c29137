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
// `--outfile <path>` writes elsewhere (the tests bundle into a temporary directory).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist') + path.sep;
const at = process.argv.indexOf('--outfile');
const outfile = at > 0 ? path.resolve(process.argv[at + 1] ?? '') : path.join(root, 'dist', 'cli.mjs');

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

await build({
  entryPoints: [path.join(dist, 'src', 'cli', 'main.js')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [lazyChildProcess, lazyImports],
  banner: {
    js: "import { createRequire as __mlopsRequire } from 'node:module';\nconst require = __mlopsRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
