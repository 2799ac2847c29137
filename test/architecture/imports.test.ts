import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, upwardImports } from './import-graph.js';
import { floorOf } from './layers.mjs';

const repo = path.resolve(import.meta.dirname, '../..');

function sources(): Map<string, string> {
  const files = new Map<string, string>();
  for (const root of ['src', 'providers']) {
    for (const entry of readdirSync(path.join(repo, root), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(ts|mts|js|mjs)$/.test(entry.name)) continue;
      const file = path.relative(repo, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
      files.set(file, readFileSync(path.join(repo, file), 'utf8'));
    }
  }
  return files;
}

describe('the floors of DESIGN.md §2', () => {
  it('every file of src/ and providers/ is on a floor', () => {
    expect([...sources().keys()].filter((file) => floorOf(file) < 0)).toEqual([]);
  });

  it('no import points up a floor (static, import(), export from, require)', () => {
    expect(upwardImports(sources())).toEqual([]);
  });

  it('the kernel imports nothing of ours outside itself', () => {
    const outside = [...sources()]
      .filter(([file]) => file.startsWith('src/kernel/'))
      .flatMap(([file, text]) => importsOf(text).map((i) => ({ file, ...i })))
      .filter((i) => !path.posix.join(path.posix.dirname(i.file), i.specifier).startsWith('src/kernel/'));
    expect(outside).toEqual([]);
  });
});

describe('the import check itself', () => {
  const planted = (text: string, file = 'src/core/planted.ts') => upwardImports(new Map([[file, text]]));

  it('catches a planted upward import in each form', () => {
    for (const text of [
      `import { x } from '../cli/main.js';`,
      `import type { X } from '../cli/main.js';`,
      `export { x } from '../cli/main.js';`,
      `import '../cli/main.js';`,
      `const m = await import('../../providers/store-factory.js');`,
      'const m = await import(`../cli/main.js`);',
      `const m = require('../cli/main.js');`,
      `import {\n  a,\n  b,\n} from '../../providers/local/fs-model-store.js';`,
    ]) {
      expect(planted(text), text).toHaveLength(1);
    }
  });

  it('names the file, line and floors of the upward arrow', () => {
    expect(planted(`\n\nimport { run } from '../cli/main.js';`, 'src/ml/x.ts')).toEqual([
      { file: 'src/ml/x.ts', line: 3, specifier: '../cli/main.js', from: 'ml', to: 'cli' },
    ]);
  });

  it('allows imports down the floors and within one', () => {
    expect(
      planted(
        `import { a } from '../kernel/errors.js';\nimport { b } from './registry.js';\nimport('../ml/index.js');\nimport x from 'node:fs';`,
      ),
    ).toEqual([]);
  });
});
