import {
  CloudwatchLogGroup,
  EksCluster,
  EksNodeGroup,
  Fn,
  IamOpenidConnectProvider,
  IamRole,
  IamRolePolicy,
  IamRolePolicyAttachment,
  KmsAlias,
  KmsKey,
  LaunchTemplate,
  TerraformLocal,
  TerraformOutput,
} from './cdktf-modules.js';
import type { Construct } from 'constructs';
import { MlopsStack } from './base-stack.js';
import {
  clusterAutoscalerPolicy,
  irsaTrustPolicy,
  loadBalancerControllerPolicy,
  policyDocument,
  serviceTrustPolicy,
  servingRegistryPolicy,
  trainingRegistryPolicy,
} from './iam-policies.js';
import type { NetworkStack } from './network-stack.js';
import type { InfraSettings } from './settings.js';

/** Control-plane log types; all of them, since audit and authenticator logs are what incidents need. */
export const CONTROL_PLANE_LOGS = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

/** Service accounts of the controllers the addons stack installs (the charts' own names). */
export const CONTROLLER_SERVICE_ACCOUNTS = {
  loadBalancerController: { namespace: 'kube-system', name: 'aws-load-balancer-controller' },
  clusterAutoscaler: { namespace: 'kube-system', name: 'cluster-autoscaler' },
} as const;

/**
 * EKS with encrypted secrets and full control-plane logging, one managed node group in the private
 * subnets, and the IAM roles for service accounts (IRSA) the workloads and controllers assume.
 */
export class ClusterStack extends MlopsStack {
  readonly cluster: EksCluster;
  readonly oidcProvider: IamOpenidConnectProvider;
  readonly trainingRole: IamRole;
  readonly servingRole: IamRole;
  readonly loadBalancerControllerRole: IamRole | undefined;
  readonly clusterAutoscalerRole: IamRole | undefined;

  constructor(scope: Construct, settings: InfraSettings, network: NetworkStack) {
    super(scope, 'cluster', settings);
    const { clusterName, partition } = settings;
    const managedPolicy = (name: string): string => `arn:${partition}:iam::aws:policy/${name}`;

    const secretsKey = new KmsKey(this, 'secrets-key', {
      description: `EKS secrets envelope encryption for ${clusterName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(this, 'secrets-key-alias', {
      name: `alias/${clusterName}-eks-secrets`,
      targetKeyId: secretsKey.keyId,
    });

    // Created before the cluster so that EKS writes into a group with a retention, not one kept forever.
    const logGroup = new CloudwatchLogGroup(this, 'control-plane-logs', {
      name: `/aws/eks/${clusterName}/cluster`,
      retentionInDays: 90,
    });

    const clusterRole = new IamRole(this, 'cluster-role', {
      name: `${clusterName}-cluster`,
      assumeRolePolicy: serviceTrustPolicy('eks.amazonaws.com'),
    });
    const clusterPolicy = new IamRolePolicyAttachment(this, 'cluster-role-eks', {
      role: clusterRole.name,
      policyArn: managedPolicy('AmazonEKSClusterPolicy'),
    });
    // EKS uses the cluster role to wrap secrets with the key.
    const clusterKeyUse = new IamRolePolicy(this, 'cluster-role-kms', {
      role: clusterRole.id,
      name: 'secrets-encryption',
      policy: policyDocument([
        {
          Effect: 'Allow',
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ListGrants', 'kms:DescribeKey'],
          Resource: secretsKey.arn,
        },
      ]),
    });

    this.cluster = new EksCluster(this, 'cluster', {
      name: clusterName,
      version: settings.kubernetesVersion,
      roleArn: clusterRole.arn,
      enabledClusterLogTypes: CONTROL_PLANE_LOGS,
      encryptionConfig: { resources: ['secrets'], provider: { keyArn: secretsKey.arn } },
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
      vpcConfig: {
        subnetIds: network.privateSubnets.map((s) => s.id),
        endpointPublicAccess: settings.endpoint.publicAccess,
        endpointPrivateAccess: settings.endpoint.privateAccess,
        ...(settings.endpoint.publicAccess
          ? { publicAccessCidrs: [...settings.endpoint.publicAccessCidrs] }
          : {}),
      },
      dependsOn: [clusterPolicy, clusterKeyUse, logGroup],
    });

    const issuer = this.cluster.identity.get(0).oidc.get(0).issuer;
    this.oidcProvider = new IamOpenidConnectProvider(this, 'oidc-provider', {
      url: issuer,
      clientIdList: ['sts.amazonaws.com'],
    });
    // A local, so that the trust policies read `${local.oidc_issuer_host}:sub` rather than embedding a
    // function call with quoted arguments inside their JSON text.
    const issuerHost = new TerraformLocal(
      this,
      'oidc_issuer_host',
      Fn.replace(this.oidcProvider.url, 'https://', ''),
    ).asString;
    const irsaRole = (id: string, name: string, namespace: string, serviceAccount: string): IamRole =>
      new IamRole(this, id, {
        name,
        assumeRolePolicy: irsaTrustPolicy({
          oidcProviderArn: this.oidcProvider.arn,
          issuerHost,
          namespace,
          serviceAccount,
        }),
      });

    // Nodes get only what kubelet, the VPC CNI and image pulls need; workloads use IRSA roles, and the
    // launch template's hop limit keeps pods away from the node's instance credentials.
    const nodeRole = new IamRole(this, 'node-role', {
      name: `${clusterName}-node`,
      assumeRolePolicy: serviceTrustPolicy('ec2.amazonaws.com'),
    });
    const nodePolicies = [
      'AmazonEKSWorkerNodePolicy',
      'AmazonEKS_CNI_Policy',
      'AmazonEC2ContainerRegistryReadOnly',
    ].map(
      (policy) =>
        new IamRolePolicyAttachment(this, `node-role-${policy}`, {
          role: nodeRole.name,
          policyArn: managedPolicy(policy),
        }),
    );

    const launchTemplate = new LaunchTemplate(this, 'node-launch-template', {
      namePrefix: `${clusterName}-node-`,
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required', // IMDSv2 only
        httpPutResponseHopLimit: 1,
      },
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: { volumeSize: 50, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
        },
      ],
      tagSpecifications: [{ resourceType: 'instance', tags: { Name: `${clusterName}-node` } }],
    });

    new EksNodeGroup(this, 'nodes', {
      clusterName: this.cluster.name,
      nodeGroupNamePrefix: `${clusterName}-default-`,
      nodeRoleArn: nodeRole.arn,
      subnetIds: network.privateSubnets.map((s) => s.id),
      instanceTypes: [...settings.nodes.instanceTypes],
      amiType: settings.nodes.amiType,
      capacityType: 'ON_DEMAND',
      scalingConfig: {
        minSize: settings.nodes.min,
        maxSize: settings.nodes.max,
        desiredSize: settings.nodes.desired,
      },
      updateConfig: { maxUnavailable: 1 },
      launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.toString() },
      labels: { 'mlops/node-group': 'default' },
      tags: {
        'k8s.io/cluster-autoscaler/enabled': 'true',
        [`k8s.io/cluster-autoscaler/${clusterName}`]: 'owned',
      },
      dependsOn: nodePolicies,
      lifecycle: {
        // The cluster autoscaler owns the current size; a new instance type replaces the group
        // without a capacity gap.
        ignoreChanges: ['scaling_config[0].desired_size'],
        createBeforeDestroy: true,
      },
    });

    const registry = {
      partition,
      bucket: settings.bucket.name,
      root: settings.bucket.root,
      model: settings.project,
    };
    const { training, serving } = settings.workloads;
    this.trainingRole = irsaRole(
      'training-role',
      `${clusterName}-training`,
      training.namespace,
      training.serviceAccount,
    );
    new IamRolePolicy(this, 'training-role-registry', {
      role: this.trainingRole.id,
      name: 'model-registry',
      policy: trainingRegistryPolicy(registry, settings.dataObject),
    });
    this.servingRole = irsaRole(
      'serving-role',
      `${clusterName}-serving`,
      serving.namespace,
      serving.serviceAccount,
    );
    new IamRolePolicy(this, 'serving-role-registry', {
      role: this.servingRole.id,
      name: 'model-registry-read',
      policy: servingRegistryPolicy(registry),
    });

    const lb = CONTROLLER_SERVICE_ACCOUNTS.loadBalancerController;
    this.loadBalancerControllerRole = settings.addons.has('aws-load-balancer-controller')
      ? irsaRole('lb-controller-role', `${clusterName}-lb-controller`, lb.namespace, lb.name)
      : undefined;
    if (this.loadBalancerControllerRole) {
      new IamRolePolicy(this, 'lb-controller-role-policy', {
        role: this.loadBalancerControllerRole.id,
        name: 'aws-load-balancer-controller',
        policy: loadBalancerControllerPolicy(partition),
      });
    }
    const ca = CONTROLLER_SERVICE_ACCOUNTS.clusterAutoscaler;
    this.clusterAutoscalerRole = settings.addons.has('cluster-autoscaler')
      ? irsaRole('cluster-autoscaler-role', `${clusterName}-cluster-autoscaler`, ca.namespace, ca.name)
      : undefined;
    if (this.clusterAutoscalerRole) {
      new IamRolePolicy(this, 'cluster-autoscaler-role-policy', {
        role: this.clusterAutoscalerRole.id,
        name: 'cluster-autoscaler',
        policy: clusterAutoscalerPolicy(clusterName),
      });
    }

    new TerraformOutput(this, 'cluster_name', { value: this.cluster.name });
    new TerraformOutput(this, 'cluster_endpoint', { value: this.cluster.endpoint });
    new TerraformOutput(this, 'cluster_certificate_authority', {
      value: this.cluster.certificateAuthority.get(0).data,
    });
    new TerraformOutput(this, 'oidc_provider_arn', { value: this.oidcProvider.arn });
    new TerraformOutput(this, 'training_role_arn', { value: this.trainingRole.arn });
    new TerraformOutput(this, 'serving_role_arn', { value: this.servingRole.arn });
    new TerraformOutput(this, 'kubeconfig_command', {
      // mlops writes a context whose user runs `mlops eks-token`; the AWS CLI's way works as well.
      value: `mlops infra kubeconfig (or: aws eks update-kubeconfig --name ${clusterName} --region ${settings.region})`,
    });
  }
}
