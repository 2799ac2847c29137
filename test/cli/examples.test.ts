import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

const examples = path.join(repoRoot, 'examples');
const names = readdirSync(examples).filter((name) => statSync(path.join(examples, name)).isDirectory());
const registry = tempDir('mlops-examples-');

describe('every example project trains as it is', () => {
  it('there are examples', () => expect(names.length).toBeGreaterThanOrEqual(3));

  it.each(names)('%s', async (name) => {
    // The registry goes to a temp dir (MLOPS_REGISTRY) so the checkout stays clean.
    const res = await runMlops(['train', '--local', '--json', '--param', 'epochs=10'], {
      cwd: path.join(examples, name),
      env: { MLOPS_REGISTRY: `file://${path.join(registry, name)}` },
    });
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const registered = res.lines<{ event: string; model: string; metrics: Record<string, number> }>().at(-1)!;
    expect(registered).toMatchObject({ event: 'registered', model: name });
    expect(Object.keys(registered.metrics)).toEqual(
      expect.arrayContaining(name.includes('regression') ? ['rmse', 'r2'] : ['accuracy']),
    );
  });
});
