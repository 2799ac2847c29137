import { createRequire } from 'node:module';
import type * as CloudwatchLogGroupModule from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import type * as DataAwsEksClusterAuthModule from '@cdktf/provider-aws/lib/data-aws-eks-cluster-auth/index.js';
import type * as DefaultSecurityGroupModule from '@cdktf/provider-aws/lib/default-security-group/index.js';
import type * as EcrLifecyclePolicyModule from '@cdktf/provider-aws/lib/ecr-lifecycle-policy/index.js';
import type * as EcrRepositoryModule from '@cdktf/provider-aws/lib/ecr-repository/index.js';
import type * as EipModule from '@cdktf/provider-aws/lib/eip/index.js';
import type * as EksClusterModule from '@cdktf/provider-aws/lib/eks-cluster/index.js';
import type * as EksNodeGroupModule from '@cdktf/provider-aws/lib/eks-node-group/index.js';
import type * as IamOpenidConnectProviderModule from '@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js';
import type * as IamRolePolicyAttachmentModule from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import type * as IamRolePolicyModule from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import type * as IamRoleModule from '@cdktf/provider-aws/lib/iam-role/index.js';
import type * as InternetGatewayModule from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import type * as KmsAliasModule from '@cdktf/provider-aws/lib/kms-alias/index.js';
import type * as KmsKeyModule from '@cdktf/provider-aws/lib/kms-key/index.js';
import type * as LaunchTemplateModule from '@cdktf/provider-aws/lib/launch-template/index.js';
import type * as NatGatewayModule from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import type * as AwsProviderModule from '@cdktf/provider-aws/lib/provider/index.js';
import type * as RouteTableAssociationModule from '@cdktf/provider-aws/lib/route-table-association/index.js';
import type * as RouteTableModule from '@cdktf/provider-aws/lib/route-table/index.js';
import type * as S3BucketLifecycleConfigurationModule from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import type * as S3BucketOwnershipControlsModule from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import type * as S3BucketPolicyModule from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import type * as S3BucketPublicAccessBlockModule from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import type * as S3BucketEncryptionModule from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import type * as S3BucketVersioningModule from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import type * as S3BucketModule from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import type * as SubnetModule from '@cdktf/provider-aws/lib/subnet/index.js';
import type * as VpcModule from '@cdktf/provider-aws/lib/vpc/index.js';
import type * as HelmProviderModule from '@cdktf/provider-helm/lib/provider/index.js';
import type * as ReleaseModule from '@cdktf/provider-helm/lib/release/index.js';
import type * as Cdktf from 'cdktf';

/**
 * The CDKTF classes the stacks use, loaded with require() rather than ESM `import`.
 *
 * Why: cdktf and its provider bindings are CommonJS. An ESM import of a CommonJS file makes Node scan
 * its whole source (and every file it re-exports) with cjs-module-lexer to find named exports, and
 * these files carry large inline source maps: that scan alone cost about a third of the import time
 * of the stacks, against the 1.5 s synth budget (DESIGN.md §8). require() skips it. Still one deep
 * path per resource, never a provider's barrel (`@cdktf/provider-aws` costs 1.5 s and 540 MB).
 * Types come from the `import type` lines above, which compile to nothing.
 */
const load = createRequire(import.meta.url);
const aws = <T>(resource: string): T => load(`@cdktf/provider-aws/lib/${resource}/index.js`) as T;
const helm = <T>(resource: string): T => load(`@cdktf/provider-helm/lib/${resource}/index.js`) as T;

const cdktf = load('cdktf') as typeof Cdktf;
export const {
  App,
  Fn,
  LocalBackend,
  S3Backend,
  TerraformLocal,
  TerraformOutput,
  TerraformStack,
  TerraformVariable,
} = cdktf;
export type App = Cdktf.App;
export type TerraformStack = Cdktf.TerraformStack;
export type TerraformVariable = Cdktf.TerraformVariable;
export type ITerraformDependable = Cdktf.ITerraformDependable;

export const { AwsProvider } = aws<typeof AwsProviderModule>('provider');
export type AwsProvider = AwsProviderModule.AwsProvider;
export const { Vpc } = aws<typeof VpcModule>('vpc');
export type Vpc = VpcModule.Vpc;
export const { Subnet } = aws<typeof SubnetModule>('subnet');
export type Subnet = SubnetModule.Subnet;
export const { DefaultSecurityGroup } = aws<typeof DefaultSecurityGroupModule>('default-security-group');
export const { InternetGateway } = aws<typeof InternetGatewayModule>('internet-gateway');
export const { Eip } = aws<typeof EipModule>('eip');
export const { NatGateway } = aws<typeof NatGatewayModule>('nat-gateway');
export const { RouteTable } = aws<typeof RouteTableModule>('route-table');
export const { RouteTableAssociation } = aws<typeof RouteTableAssociationModule>('route-table-association');

export const { CloudwatchLogGroup } = aws<typeof CloudwatchLogGroupModule>('cloudwatch-log-group');
export const { EksCluster } = aws<typeof EksClusterModule>('eks-cluster');
export type EksCluster = EksClusterModule.EksCluster;
export const { EksNodeGroup } = aws<typeof EksNodeGroupModule>('eks-node-group');
export const { IamOpenidConnectProvider } = aws<typeof IamOpenidConnectProviderModule>(
  'iam-openid-connect-provider',
);
export type IamOpenidConnectProvider = IamOpenidConnectProviderModule.IamOpenidConnectProvider;
export const { IamRole } = aws<typeof IamRoleModule>('iam-role');
export type IamRole = IamRoleModule.IamRole;
export const { IamRolePolicy } = aws<typeof IamRolePolicyModule>('iam-role-policy');
export const { IamRolePolicyAttachment } = aws<typeof IamRolePolicyAttachmentModule>(
  'iam-role-policy-attachment',
);
export const { KmsKey } = aws<typeof KmsKeyModule>('kms-key');
export const { KmsAlias } = aws<typeof KmsAliasModule>('kms-alias');
export const { LaunchTemplate } = aws<typeof LaunchTemplateModule>('launch-template');
export const { DataAwsEksClusterAuth } = aws<typeof DataAwsEksClusterAuthModule>('data-aws-eks-cluster-auth');

export const { S3Bucket } = aws<typeof S3BucketModule>('s3-bucket');
export type S3Bucket = S3BucketModule.S3Bucket;
export const { S3BucketPublicAccessBlock } = aws<typeof S3BucketPublicAccessBlockModule>(
  's3-bucket-public-access-block',
);
export const { S3BucketOwnershipControls } = aws<typeof S3BucketOwnershipControlsModule>(
  's3-bucket-ownership-controls',
);
export const { S3BucketServerSideEncryptionConfigurationA } = aws<typeof S3BucketEncryptionModule>(
  's3-bucket-server-side-encryption-configuration',
);
export const { S3BucketVersioningA } = aws<typeof S3BucketVersioningModule>('s3-bucket-versioning');
export const { S3BucketLifecycleConfiguration } = aws<typeof S3BucketLifecycleConfigurationModule>(
  's3-bucket-lifecycle-configuration',
);
export const { S3BucketPolicy } = aws<typeof S3BucketPolicyModule>('s3-bucket-policy');
export const { EcrRepository } = aws<typeof EcrRepositoryModule>('ecr-repository');
export type EcrRepository = EcrRepositoryModule.EcrRepository;
export const { EcrLifecyclePolicy } = aws<typeof EcrLifecyclePolicyModule>('ecr-lifecycle-policy');

export const { HelmProvider } = helm<typeof HelmProviderModule>('provider');
export const { Release } = helm<typeof ReleaseModule>('release');
export type Release = ReleaseModule.Release;
