// The floors of DESIGN.md §2, bottom up. A file may import its own floor and the floors below it,
// never one above: statically, through `import()`, `export … from` or `require`. eslint.config.js
// reads this table too, so the editor flags an upward static import as it is typed; the test in
// imports.test.ts checks every form over the whole tree.
export const LAYERS = [
  { floor: 'kernel', paths: ['src/kernel/'] },
  { floor: 'config', paths: ['src/config/'] },
  { floor: 'ml', paths: ['src/ml/'] },
  { floor: 'serving', paths: ['src/serving/'] },
  { floor: 'manifests', paths: ['src/manifests/'] },
  { floor: 'core', paths: ['src/core/'] },
  { floor: 'providers', paths: ['providers/'] },
  { floor: 'cli', paths: ['src/cli/'] },
  // The package's entry points: the library (`import 'mlops'`) and `mlops/cli`.
  { floor: 'entry', paths: ['src/index.ts', 'src/cli.ts'] },
];

/** The floor index of a repository-relative path, or -1 when it is on none (node_modules, node:). */
export function floorOf(file) {
  return LAYERS.findIndex((layer) =>
    layer.paths.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p)),
  );
}
