/**
 * IAM policy documents as plain JSON strings (no aws_iam_policy_document data source: plan must run
 * without calling AWS). Values may embed CDKTF tokens, which synthesis turns into interpolations.
 */

type ConditionBlock = Record<string, Record<string, string | readonly string[]>>;

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: string | Record<string, string | readonly string[]>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: ConditionBlock;
}

export const policyDocument = (statements: readonly Statement[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });

export const serviceTrustPolicy = (service: string): string =>
  policyDocument([{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }]);

/**
 * IRSA trust: only the named service account in the named namespace may assume the role, and only
 * with a token minted for STS (the `aud` check keeps tokens meant for other audiences out).
 */
export function irsaTrustPolicy(options: {
  readonly oidcProviderArn: string;
  /** The issuer URL without `https://`, as IAM condition keys spell it. */
  readonly issuerHost: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}): string {
  return policyDocument([
    {
      Effect: 'Allow',
      Principal: { Federated: options.oidcProviderArn },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [`${options.issuerHost}:sub`]: `system:serviceaccount:${options.namespace}:${options.serviceAccount}`,
          [`${options.issuerHost}:aud`]: 'sts.amazonaws.com',
        },
      },
    },
  ]);
}

export interface RegistryScope {
  readonly partition: string;
  readonly bucket: string;
  /** Registry root inside the bucket, '' for the whole bucket. */
  readonly root: string;
  readonly model: string;
}

const bucketArn = (scope: { partition: string; bucket: string }): string =>
  `arn:${scope.partition}:s3:::${scope.bucket}`;
const under = (root: string, path: string): string => (root ? `${root}/${path}` : path);

/** List only under a prefix: the `s3:prefix` condition is what scopes ListBucket. */
const listUnder = (sid: string, scope: { partition: string; bucket: string }, prefix: string): Statement => ({
  Sid: sid,
  Effect: 'Allow',
  Action: 's3:ListBucket',
  Resource: bucketArn(scope),
  Condition: { StringLike: { 's3:prefix': [prefix, `${prefix}/*`] } },
});

/** The serving app reads aliases and versions of its model; it never writes. */
export function servingRegistryPolicy(scope: RegistryScope): string {
  const modelRoot = under(scope.root, scope.model);
  return policyDocument([
    listUnder('ListModel', scope, modelRoot),
    {
      Sid: 'ReadModel',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `${bucketArn(scope)}/${modelRoot}/*`,
    },
  ]);
}

/**
 * Training reads its data and the model's registry entries (to number the next version) and writes
 * new versions only: aliases, history and other models stay out of its reach, so a training Job
 * cannot promote or delete anything.
 */
export function trainingRegistryPolicy(
  scope: RegistryScope,
  data: { readonly bucket: string; readonly key: string } | undefined,
): string {
  const modelRoot = under(scope.root, scope.model);
  const statements: Statement[] = [
    listUnder('ListModel', scope, modelRoot),
    {
      Sid: 'ReadModel',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `${bucketArn(scope)}/${modelRoot}/*`,
    },
    {
      Sid: 'WriteVersions',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
      Resource: `${bucketArn(scope)}/${modelRoot}/versions/*`,
    },
  ];
  if (data) {
    const dataScope = { partition: scope.partition, bucket: data.bucket };
    statements.push(listUnder('ListData', dataScope, data.key), {
      Sid: 'ReadData',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `${bucketArn(dataScope)}/${data.key}`,
    });
  }
  return policyDocument(statements);
}

/** Refuses every request that does not come over TLS, whoever makes it. */
export function tlsOnlyBucketPolicy(partition: string, bucket: string): string {
  const arn = bucketArn({ partition, bucket });
  return policyDocument([
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [arn, `${arn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ]);
}

/** The cluster-autoscaler chart's documented AWS policy, with writes limited to this cluster's groups. */
export function clusterAutoscalerPolicy(clusterName: string): string {
  return policyDocument([
    {
      Sid: 'Discover',
      Effect: 'Allow',
      Action: [
        'autoscaling:DescribeAutoScalingGroups',
        'autoscaling:DescribeAutoScalingInstances',
        'autoscaling:DescribeLaunchConfigurations',
        'autoscaling:DescribeScalingActivities',
        'autoscaling:DescribeTags',
        'ec2:DescribeImages',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplateVersions',
        'ec2:GetInstanceTypesFromInstanceRequirements',
        'eks:DescribeNodegroup',
      ],
      Resource: '*',
    },
    {
      Sid: 'ScaleOwnGroups',
      Effect: 'Allow',
      Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
      Resource: '*',
      Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: 'owned' } },
    },
  ]);
}

const ELB_TAG = 'elbv2.k8s.aws/cluster';

/**
 * The AWS Load Balancer Controller policy its chart documents (docs/install/iam_policy.json, v2.13):
 * mutations are limited to resources the controller tagged as its own.
 */
export function loadBalancerControllerPolicy(partition: string): string {
  const elb = (resource: string): string => `arn:${partition}:elasticloadbalancing:*:*:${resource}`;
  const sg = `arn:${partition}:ec2:*:*:security-group/*`;
  const lbAndTargetGroups = [
    elb('targetgroup/*/*'),
    elb('loadbalancer/net/*/*'),
    elb('loadbalancer/app/*/*'),
  ];
  const ownedResource = { Null: { [`aws:ResourceTag/${ELB_TAG}`]: 'false' } };
  return policyDocument([
    {
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      Resource: '*',
      Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
    },
    {
      Effect: 'Allow',
      Action: [
        ...[
          'DescribeAccountAttributes',
          'DescribeAddresses',
          'DescribeAvailabilityZones',
          'DescribeInternetGateways',
          'DescribeVpcs',
          'DescribeVpcPeeringConnections',
          'DescribeSubnets',
          'DescribeSecurityGroups',
          'DescribeInstances',
          'DescribeNetworkInterfaces',
          'DescribeTags',
          'GetCoipPoolUsage',
          'DescribeCoipPools',
          'GetSecurityGroupsForVpc',
          'DescribeIpamPools',
          'DescribeRouteTables',
        ].map((a) => `ec2:${a}`),
        ...[
          'DescribeLoadBalancers',
          'DescribeLoadBalancerAttributes',
          'DescribeListeners',
          'DescribeListenerCertificates',
          'DescribeSSLPolicies',
          'DescribeRules',
          'DescribeTargetGroups',
          'DescribeTargetGroupAttributes',
          'DescribeTargetHealth',
          'DescribeTags',
          'DescribeTrustStores',
          'DescribeListenerAttributes',
          'DescribeCapacityReservation',
        ].map((a) => `elasticloadbalancing:${a}`),
      ],
      Resource: '*',
    },
    {
      Effect: 'Allow',
      Action: [
        'cognito-idp:DescribeUserPoolClient',
        'acm:ListCertificates',
        'acm:DescribeCertificate',
        'iam:ListServerCertificates',
        'iam:GetServerCertificate',
        'waf-regional:GetWebACL',
        'waf-regional:GetWebACLForResource',
        'waf-regional:AssociateWebACL',
        'waf-regional:DisassociateWebACL',
        'wafv2:GetWebACL',
        'wafv2:GetWebACLForResource',
        'wafv2:AssociateWebACL',
        'wafv2:DisassociateWebACL',
        'shield:GetSubscriptionState',
        'shield:DescribeProtection',
        'shield:CreateProtection',
        'shield:DeleteProtection',
      ],
      Resource: '*',
    },
    {
      Effect: 'Allow',
      Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'],
      Resource: '*',
    },
    { Effect: 'Allow', Action: 'ec2:CreateSecurityGroup', Resource: '*' },
    {
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: sg,
      Condition: {
        StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' },
        Null: { [`aws:RequestTag/${ELB_TAG}`]: 'false' },
      },
    },
    {
      Effect: 'Allow',
      Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
      Resource: sg,
      Condition: { Null: { [`aws:RequestTag/${ELB_TAG}`]: 'true', [`aws:ResourceTag/${ELB_TAG}`]: 'false' } },
    },
    {
      Effect: 'Allow',
      Action: [
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:RevokeSecurityGroupIngress',
        'ec2:DeleteSecurityGroup',
      ],
      Resource: '*',
      Condition: ownedResource,
    },
    {
      Effect: 'Allow',
      Action: ['elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'],
      Resource: '*',
      Condition: { Null: { [`aws:RequestTag/${ELB_TAG}`]: 'false' } },
    },
    {
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:CreateListener',
        'elasticloadbalancing:DeleteListener',
        'elasticloadbalancing:CreateRule',
        'elasticloadbalancing:DeleteRule',
      ],
      Resource: '*',
    },
    {
      Effect: 'Allow',
      Action: ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
      Resource: lbAndTargetGroups,
      Condition: { Null: { [`aws:RequestTag/${ELB_TAG}`]: 'true', [`aws:ResourceTag/${ELB_TAG}`]: 'false' } },
    },
    {
      Effect: 'Allow',
      Action: ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
      Resource: [
        elb('listener/net/*/*/*'),
        elb('listener/app/*/*/*'),
        elb('listener-rule/net/*/*/*'),
        elb('listener-rule/app/*/*/*'),
      ],
    },
    {
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:ModifyLoadBalancerAttributes',
        'elasticloadbalancing:SetIpAddressType',
        'elasticloadbalancing:SetSecurityGroups',
        'elasticloadbalancing:SetSubnets',
        'elasticloadbalancing:DeleteLoadBalancer',
        'elasticloadbalancing:ModifyTargetGroup',
        'elasticloadbalancing:ModifyTargetGroupAttributes',
        'elasticloadbalancing:DeleteTargetGroup',
        'elasticloadbalancing:ModifyListenerAttributes',
        'elasticloadbalancing:ModifyCapacityReservation',
        'elasticloadbalancing:ModifyIpPools',
      ],
      Resource: '*',
      Condition: ownedResource,
    },
    {
      Effect: 'Allow',
      Action: 'elasticloadbalancing:AddTags',
      Resource: lbAndTargetGroups,
      Condition: {
        StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateTargetGroup', 'CreateLoadBalancer'] },
        Null: { [`aws:RequestTag/${ELB_TAG}`]: 'false' },
      },
    },
    {
      Effect: 'Allow',
      Action: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      Resource: elb('targetgroup/*/*'),
    },
    {
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:SetWebAcl',
        'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:AddListenerCertificates',
        'elasticloadbalancing:RemoveListenerCertificates',
        'elasticloadbalancing:ModifyRule',
        'elasticloadbalancing:SetRulePriorities',
      ],
      Resource: '*',
    },
  ]);
}
