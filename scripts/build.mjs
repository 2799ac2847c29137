// `npm run build` (also what `npm ci` runs, through `prepare`): dist/src and dist/providers from the
// TypeScript sources, one JavaScript file per source file, as tsc would write them. esbuild strips the
// types of each file on its own, which tsconfig's isolatedModules and verbatimModuleSyntax make exact
// (every type-only import says so). It takes about a second where tsc took 15 (most of it reading the
// declarations of the AWS provider): the first `npm ci` of a new clone is the README's first step.
// Types are checked by `npm run typecheck`; the declaration files the package ships are written by
// `npm run build:types` (before `npm test` and `npm pack`).
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The files below `dir` (relative to the checkout) that `keep` accepts, as absolute paths. */
function files(dir, keep) {
  if (!existsSync(path.join(root, dir))) return [];
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return files(rel, keep);
    return keep(entry.name) ? [path.join(root, rel)] : [];
  });
}

/** Sources, tests left out (tsconfig.build.json's include and exclude). */
const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts');

// The JavaScript of an earlier build goes (a deleted source leaves no module behind); declarations stay
// for build:types, which `npm pack` runs before this (prepack, then prepare).
for (const file of files('dist', (name) => !name.endsWith('.d.ts'))) rmSync(file);
await build({
  entryPoints: [...files('src', isSource), ...files('providers', isSource)],
  outdir: path.join(root, 'dist'),
  outbase: root,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  tsconfig: path.join(root, 'tsconfig.build.json'),
  logLevel: 'warning',
});
