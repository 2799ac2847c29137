/**
 * The oldest terraform the stacks run on: S3 native state locking (`use_lockfile`) arrived in 1.10.
 * Keep in step with TERRAFORM_REQUIRED_VERSION in stacks/base-stack.ts.
 */
export const MIN_TERRAFORM_VERSION = '1.10.0';

export const TERRAFORM_INSTALL_HINT = `install terraform ${MIN_TERRAFORM_VERSION} or newer: https://developer.hashicorp.com/terraform/install`;

/** `terraform version -json` → "1.11.4"; undefined when the output is not that document. */
export function parseTerraformVersion(json: string): string | undefined {
  try {
    const doc = JSON.parse(json) as { terraform_version?: unknown };
    return typeof doc.terraform_version === 'string' ? doc.terraform_version : undefined;
  } catch {
    return undefined;
  }
}

const numbers = (version: string): number[] =>
  (/^(\d+)\.(\d+)\.(\d+)/.exec(version)?.slice(1) ?? []).map(Number);

/** Whether `version` (x.y.z, pre-release suffixes ignored) is at least `minimum`. */
export function isAtLeast(version: string, minimum: string = MIN_TERRAFORM_VERSION): boolean {
  const have = numbers(version);
  const need = numbers(minimum);
  if (have.length !== 3) return false;
  for (let i = 0; i < 3; i += 1) {
    if (have[i]! !== need[i]!) return have[i]! > need[i]!;
  }
  return true;
}
