import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { missingTool, toolsRequired } from './tools.js';

const AWS_PROVIDER = path.join('registry.terraform.io', 'hashicorp', 'aws', '5.100.0');

/**
 * The root of a filesystem mirror holding the AWS provider the stacks pin: where MLOPS_TEST_TF_MIRROR
 * says (CI fills one with `terraform providers mirror`), else where the machine image puts it
 * (DESIGN.md §6) or terraform's system-wide plugin directories. Never the user's home: what a
 * developer happens to keep there must not decide what the suite runs.
 */
export function findProviderMirror(): string | undefined {
  const candidates = [
    process.env.MLOPS_TEST_TF_MIRROR,
    '/opt/tf-plugins',
    '/usr/local/share/terraform/plugins',
    '/usr/share/terraform/plugins',
  ];
  return candidates.find((root): root is string => !!root && existsSync(path.join(root, AWS_PROVIDER)));
}

/** Why terraform cannot run offline here (no binary, no mirror), or undefined when it can. */
export function offlineTerraformMissing(): string | undefined {
  const missing = missingTool('terraform', ['version']);
  if (missing) return missing;
  if (findProviderMirror()) return undefined;
  const reason = `no filesystem mirror with ${AWS_PROVIDER} (set MLOPS_TEST_TF_MIRROR to its root)`;
  if (toolsRequired()) throw new Error(`MLOPS_TEST_REQUIRE_TOOLS=1 but ${reason}`);
  return reason;
}

/**
 * The environment terraform needs to init and plan the stacks offline, as a user of an AWS emulator
 * would set it: a CLI config file installing providers from the mirror only, fake credentials, and the
 * provider's skip switches. Call after offlineTerraformMissing() returned undefined.
 */
export function offlineTerraformEnv(dir: string): Record<string, string> {
  const cliConfig = path.join(dir, 'terraform.tfrc');
  writeFileSync(
    cliConfig,
    `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(findProviderMirror())}
    include = ["registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
`,
  );
  return {
    CHECKPOINT_DISABLE: '1', // no upgrade check against checkpoint-api.hashicorp.com
    TF_CLI_CONFIG_FILE: cliConfig,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_EC2_METADATA_DISABLED: 'true',
    TF_VAR_aws_skip_credentials_validation: 'true',
    TF_VAR_aws_skip_requesting_account_id: 'true',
    TF_VAR_aws_skip_metadata_api_check: 'true',
  };
}
