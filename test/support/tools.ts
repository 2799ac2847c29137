import { execFileSync } from 'node:child_process';

/**
 * Whether a system binary is on PATH. Tests needing one skip with a visible reason locally; CI sets
 * MLOPS_TEST_REQUIRE_TOOLS=1 so that a missing tool fails the run instead of silently skipping.
 */
export function hasTool(name: string, args: readonly string[] = ['--version']): boolean {
  try {
    // CHECKPOINT_DISABLE: `terraform version` would otherwise ask HashiCorp's server for a newer one.
    execFileSync(name, args, {
      stdio: 'ignore',
      timeout: 15_000,
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
    });
    return true;
  } catch {
    return false;
  }
}

export const toolsRequired = (): boolean => process.env.MLOPS_TEST_REQUIRE_TOOLS === '1';

/** Returns a skip reason, or undefined when the tool is there; throws when CI requires it. */
export function missingTool(name: string, args?: readonly string[]): string | undefined {
  if (hasTool(name, args)) return undefined;
  const reason = `${name} is not installed (CI installs it; see .ci/run)`;
  if (toolsRequired()) throw new Error(`MLOPS_TEST_REQUIRE_TOOLS=1 but ${reason}`);
  return reason;
}
