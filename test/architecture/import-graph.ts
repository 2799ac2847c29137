import path from 'node:path';
import { floorOf, LAYERS } from './layers.mjs';

export interface UpwardImport {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly from: string;
  readonly to: string;
}

// Every way a module names another: import/export … from, side-effect import, import(), require().
const SPECIFIER =
  /\b(?:import|export)\s[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1|\bimport\s*(['"])([^'"]+)\3|\bimport\s*\(\s*(['"`])([^'"`]+)\5\s*\)|\brequire\s*\(\s*(['"])([^'"]+)\7\s*\)/g;

/** Each relative specifier in a source text, with its line. */
export function importsOf(source: string): { specifier: string; line: number }[] {
  const found: { specifier: string; line: number }[] = [];
  for (const match of source.matchAll(SPECIFIER)) {
    const specifier = match[2] ?? match[4] ?? match[6] ?? match[8];
    if (specifier === undefined || !specifier.startsWith('.')) continue;
    found.push({ specifier, line: source.slice(0, match.index).split('\n').length });
  }
  return found;
}

/** The imports that point up the floors of DESIGN.md §2, for files given as repo-relative path → text. */
export function upwardImports(files: ReadonlyMap<string, string>): UpwardImport[] {
  const upward: UpwardImport[] = [];
  for (const [file, source] of files) {
    const from = floorOf(file);
    if (from < 0) continue;
    for (const { specifier, line } of importsOf(source)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      const to = floorOf(target.replace(/\.js$/, '.ts'));
      if (to > from) {
        upward.push({ file, line, specifier, from: LAYERS[from]!.floor, to: LAYERS[to]!.floor });
      }
    }
  }
  return upward;
}
