import { AwsProvider, LocalBackend, S3Backend, TerraformStack, TerraformVariable } from './cdktf-modules.js';
import type { Construct } from 'constructs';
import type { StackName } from '../../../src/core/ports/infra-runner.js';
import type { InfraSettings } from './settings.js';

/** S3 native state locking (`use_lockfile`) needs this; the runner checks the same floor. */
export const TERRAFORM_REQUIRED_VERSION = '>= 1.10.0';

/** Exact provider versions: the ones the @cdktf bindings were generated from. */
export const PROVIDER_VERSIONS = { aws: '5.100.0', helm: '3.1.1' } as const;

/**
 * What every mlops stack shares: the state backend, pinned Terraform and provider versions, and the
 * AWS provider with the project's default tags.
 */
export abstract class MlopsStack extends TerraformStack {
  readonly aws: AwsProvider;

  protected constructor(
    scope: Construct,
    readonly stackName: StackName,
    readonly settings: InfraSettings,
  ) {
    super(scope, stackName);
    this.configureBackend();
    this.addOverride('terraform.required_version', TERRAFORM_REQUIRED_VERSION);
    this.aws = new AwsProvider(this, 'aws', {
      region: settings.region,
      defaultTags: [
        { tags: { 'mlops:project': settings.project, 'mlops:stack': stackName, 'managed-by': 'mlops' } },
      ],
      ...this.endpointEmulationSwitches(),
    });
    this.pinProvider('aws', PROVIDER_VERSIONS.aws);
  }

  /** An exact version (not CDKTF's `~> major` range) and a fully qualified source. */
  protected pinProvider(name: keyof typeof PROVIDER_VERSIONS, version: string): void {
    this.addOverride(`terraform.required_providers.${name}`, { source: `hashicorp/${name}`, version });
  }

  private configureBackend(): void {
    const state = this.settings.state;
    if (state.backend === 'local') {
      // Relative to the stack's working directory (stacks/<name>), so the state sits in the synth
      // output dir (DIR/state/) and consumers' terraform_remote_state resolve the same path.
      new LocalBackend(this, { path: `../../state/${this.stackName}.tfstate` });
      return;
    }
    const backend = new S3Backend(this, {
      bucket: state.bucket,
      key: `${state.keyPrefix}/${this.stackName}.tfstate`,
      region: state.region,
      encrypt: true,
    });
    // S3 native locking (Terraform ≥ 1.10); CDKTF 0.21 predates the option, hence the override.
    backend.addOverride('use_lockfile', true);
  }

  /**
   * Emulators (LocalStack, moto) and offline plans need the provider to skip its credential, account
   * and metadata probes. These are Terraform variables, set the standard way
   * (TF_VAR_aws_skip_credentials_validation=true …); endpoints come from the AWS SDK's standard
   * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, which the provider reads itself.
   */
  private endpointEmulationSwitches() {
    const flag = (name: string, description: string): TerraformVariable =>
      new TerraformVariable(this, name, { type: 'bool', default: false, nullable: false, description });
    return {
      skipCredentialsValidation: flag(
        'aws_skip_credentials_validation',
        'Skip the STS credential check (AWS emulators, offline plans).',
      ).booleanValue,
      skipRequestingAccountId: flag(
        'aws_skip_requesting_account_id',
        'Do not look up the account id (AWS emulators, offline plans).',
      ).booleanValue,
      skipMetadataApiCheck: flag(
        'aws_skip_metadata_api_check',
        'Do not probe the EC2 instance metadata service for credentials.',
      ).stringValue,
      s3UsePathStyle: flag('aws_s3_use_path_style', 'Path-style S3 addressing (S3-compatible endpoints).')
        .booleanValue,
    };
  }
}
