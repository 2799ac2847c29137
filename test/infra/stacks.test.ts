import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MlopsConfig, MlopsConfigInput } from '../../src/config/schema.js';
import { bucketNameProblem, derivedBucketName } from '../../providers/aws/infra/bucket-names.js';
import { synthStacks } from '../../providers/aws/infra/synth.js';
import { errorOf } from '../support/error-code.js';
import { tempDir } from '../support/temp-dir.js';
import { asArray, makeConfig, parsePolicy, resolveRemote, StackJson, type Block } from './fixtures.js';

const STACKS = ['network', 'cluster', 'addons', 'registry'] as const;

interface Scenario {
  readonly title: string;
  readonly config: MlopsConfig;
  readonly expect: {
    readonly zones: string[];
    readonly privateCidrs: string[];
    readonly publicCidrs: string[];
    readonly natGateways: number;
    readonly clusterName: string;
    readonly partition: string;
    readonly bucket: string;
    readonly modelRoot: string;
    readonly amiType: string;
    readonly releases: string[];
    readonly registryUri: string;
  };
}

const ALL_RELEASES = [
  'aws-load-balancer-controller',
  'cluster-autoscaler',
  'istio-base',
  'istio-ingressgateway',
  'istiod',
  'kube-prometheus-stack',
  'metrics-server',
];

const scenarios: Scenario[] = [
  {
    title: 'defaults (one NAT, public+private endpoint, local state)',
    config: makeConfig({ registry: 's3://iris-models/registry', infra: { state: { backend: 'local' } } }),
    expect: {
      zones: ['us-east-1a', 'us-east-1b'],
      privateCidrs: ['10.0.0.0/20', '10.0.16.0/20'],
      publicCidrs: ['10.0.128.0/24', '10.0.129.0/24'],
      natGateways: 1,
      clusterName: 'iris-cluster',
      partition: 'aws',
      bucket: 'iris-models',
      modelRoot: 'registry/iris',
      amiType: 'AL2023_x86_64_STANDARD',
      releases: ALL_RELEASES,
      registryUri: 's3://iris-models/registry',
    },
  },
  {
    title: 'production (3 AZs, NAT per AZ, private endpoint, Graviton, S3 state, S3 data, some add-ons)',
    config: makeConfig({
      name: 'fraud',
      region: 'eu-west-1',
      registry: 's3://acme-ml-registry',
      data: { source: 's3://acme-datasets/fraud/train.csv' },
      cluster: { trainingNamespace: 'ml-train', servingNamespace: 'ml-serve' },
      retention: { days: 30 },
      infra: {
        clusterName: 'prod-eks',
        vpcCidr: '10.42.0.0/16',
        azCount: 3,
        natPerAz: true,
        kubernetesVersion: '1.30',
        nodeInstanceTypes: ['m7g.large', 'm7g.xlarge'],
        nodeMin: 3,
        nodeMax: 12,
        nodeDesired: 4,
        endpointPublicAccess: false,
        endpointPrivateAccess: true,
        addons: ['metrics-server', 'kube-prometheus-stack', 'cluster-autoscaler'],
        state: { backend: 's3', bucket: 'acme-tf-state', key: 'ml/fraud', region: 'us-east-1' },
      },
    }),
    expect: {
      zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
      privateCidrs: ['10.42.0.0/20', '10.42.16.0/20', '10.42.32.0/20'],
      publicCidrs: ['10.42.128.0/24', '10.42.129.0/24', '10.42.130.0/24'],
      natGateways: 3,
      clusterName: 'prod-eks',
      partition: 'aws',
      bucket: 'acme-ml-registry',
      modelRoot: 'fraud',
      amiType: 'AL2023_ARM_64_STANDARD',
      releases: ['cluster-autoscaler', 'kube-prometheus-stack', 'metrics-server'],
      registryUri: 's3://acme-ml-registry',
    },
  },
  {
    title: 'GovCloud, restricted public endpoint, bucket from infra.bucketName',
    config: makeConfig({
      name: 'wine',
      region: 'us-gov-west-1',
      registry: 'file://.mlops/registry',
      infra: {
        vpcCidr: '172.20.0.0/18',
        bucketName: 'wine-registry',
        endpointPublicAccess: true,
        endpointPrivateAccess: false,
        publicAccessCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
        nodeInstanceTypes: ['c6i.2xlarge'],
        state: { backend: 'local' },
      },
    }),
    expect: {
      zones: ['us-gov-west-1a', 'us-gov-west-1b'],
      privateCidrs: ['172.20.0.0/22', '172.20.4.0/22'],
      publicCidrs: ['172.20.32.0/26', '172.20.32.64/26'],
      natGateways: 1,
      clusterName: 'wine-cluster',
      partition: 'aws-us-gov',
      bucket: 'wine-registry',
      modelRoot: 'wine',
      amiType: 'AL2023_x86_64_STANDARD',
      releases: ALL_RELEASES,
      registryUri: 's3://wine-registry',
    },
  },
];

const tagsOf = (block: Block): Record<string, string> => (block.tags ?? {}) as Record<string, string>;

describe.each(scenarios)('stacks: $title', ({ config, expect: want }) => {
  const outDir = tempDir('mlops-synth-');
  const stacks: Record<string, StackJson> = {};
  let counts: Record<string, number> = {};

  beforeAll(() => {
    const result = synthStacks({ config, outDir, purpose: 'deploy', projectDir: outDir });
    counts = Object.fromEntries(result.stacks.map((s) => [s.stack, s.resources]));
    for (const name of STACKS) stacks[name] = new StackJson(outDir, name);
  });

  it('writes DIR/stacks/<stack>/cdk.tf.json and reports the resource count of each', () => {
    for (const name of STACKS) {
      expect(existsSync(path.join(outDir, 'stacks', name, 'cdk.tf.json'))).toBe(true);
      expect(counts[name]).toBe(stacks[name]!.count());
    }
  });

  it('pins terraform and provider versions in every stack', () => {
    for (const name of STACKS) {
      const tf = stacks[name]!.json.terraform;
      expect(tf.required_version).toBe('>= 1.10.0');
      expect(tf.required_providers.aws).toEqual({ source: 'hashicorp/aws', version: '5.100.0' });
    }
    expect(stacks.addons!.json.terraform.required_providers.helm).toEqual({
      source: 'hashicorp/helm',
      version: '3.1.1',
    });
  });

  it('keeps state where the config says, with locking on S3', () => {
    const state = config.infra.state;
    for (const name of STACKS) {
      const backend = stacks[name]!.json.terraform.backend;
      if (state.backend === 'local') {
        expect(backend).toEqual({ local: { path: `../../state/${name}.tfstate` } });
      } else {
        expect(backend).toEqual({
          s3: {
            bucket: state.bucket,
            key: `${state.key}/${name}.tfstate`,
            region: state.region,
            encrypt: true,
            use_lockfile: true,
          },
        });
      }
    }
    // Consumers read upstream state from the same place.
    const remote = stacks.cluster!.json.data?.terraform_remote_state?.['cross-stack-reference-input-network'];
    expect(remote?.backend).toBe(state.backend);
    const config_ = remote?.config as Block;
    if (state.backend === 'local') expect(config_.path).toBe('../../state/network.tfstate');
    else expect([config_.bucket, config_.key]).toEqual([state.bucket, `${state.key}/network.tfstate`]);
  });

  it('network and registry read no data source, so they plan without calling AWS', () => {
    expect(stacks.network!.json.data).toBeUndefined();
    expect(stacks.registry!.json.data).toBeUndefined();
    expect(Object.keys(stacks.cluster!.json.data ?? {})).toEqual(['terraform_remote_state']);
  });

  it('lays out public and private subnets per zone, tagged for load balancers', () => {
    const net = stacks.network!;
    expect(net.resource('aws_vpc.vpc')).toMatchObject({
      cidr_block: config.infra.vpcCidr,
      enable_dns_hostnames: true,
      enable_dns_support: true,
    });
    want.zones.forEach((zone, i) => {
      const pub = net.resource(`aws_subnet.public-${zone}`);
      const priv = net.resource(`aws_subnet.private-${zone}`);
      expect(pub).toMatchObject({
        availability_zone: zone,
        cidr_block: want.publicCidrs[i],
        map_public_ip_on_launch: false,
      });
      expect(priv).toMatchObject({
        availability_zone: zone,
        cidr_block: want.privateCidrs[i],
        map_public_ip_on_launch: false,
      });
      expect(tagsOf(pub)['kubernetes.io/role/elb']).toBe('1');
      expect(tagsOf(pub)['kubernetes.io/role/internal-elb']).toBeUndefined();
      expect(tagsOf(priv)['kubernetes.io/role/internal-elb']).toBe('1');
      expect(tagsOf(priv)['kubernetes.io/role/elb']).toBeUndefined();
      for (const subnet of [pub, priv])
        expect(tagsOf(subnet)[`kubernetes.io/cluster/${want.clusterName}`]).toBe('shared');
      // Private subnets leave through a NAT gateway, never straight through the internet gateway.
      const routes = net.resource(`aws_route_table.private-${zone}-routes-table`).route as Block[];
      expect(routes).toHaveLength(1);
      expect(routes[0]!.nat_gateway_id).toMatch(/^\$\{aws_nat_gateway\.nat-/);
      expect(routes[0]!.gateway_id ?? null).toBeNull();
      expect(net.resource(`aws_route_table_association.private-${zone}-routes`).subnet_id).toBe(
        `\${aws_subnet.private-${zone}.id}`,
      );
    });
    expect(net.resources('aws_nat_gateway')).toHaveLength(want.natGateways);
    for (const [, nat] of net.resources('aws_nat_gateway'))
      expect(String(nat.subnet_id)).toMatch(/aws_subnet\.public-/);
    expect(net.resources('aws_eip')).toHaveLength(want.natGateways);
    expect(net.resources('aws_internet_gateway')).toHaveLength(1);
    expect(net.resource('aws_route_table.public-routes').route).toEqual([
      expect.objectContaining({
        cidr_block: '0.0.0.0/0',
        gateway_id: '${aws_internet_gateway.internet-gateway.id}',
      }),
    ]);
    // The default security group is adopted and left without rules.
    const sg = net.resource('aws_default_security_group.default-security-group');
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
  });

  it('runs the cluster with logging, KMS-encrypted secrets and the configured endpoint access', () => {
    const eks = stacks.cluster!.resource('aws_eks_cluster.cluster');
    expect(eks.name).toBe(want.clusterName);
    expect(eks.version).toBe(config.infra.kubernetesVersion);
    expect(eks.enabled_cluster_log_types).toEqual([
      'api',
      'audit',
      'authenticator',
      'controllerManager',
      'scheduler',
    ]);
    expect(eks.encryption_config).toEqual({
      resources: ['secrets'],
      provider: { key_arn: '${aws_kms_key.secrets-key.arn}' },
    });
    expect(stacks.cluster!.resource('aws_kms_key.secrets-key').enable_key_rotation).toBe(true);
    const vpc = eks.vpc_config as Block;
    expect(vpc.endpoint_public_access).toBe(config.infra.endpointPublicAccess);
    expect(vpc.endpoint_private_access).toBe(config.infra.endpointPrivateAccess);
    if (config.infra.endpointPublicAccess)
      expect(vpc.public_access_cidrs).toEqual(config.infra.publicAccessCidrs);
    else expect(vpc.public_access_cidrs).toBeUndefined();
    const log = stacks.cluster!.resource('aws_cloudwatch_log_group.control-plane-logs');
    expect(log.name).toBe(`/aws/eks/${want.clusterName}/cluster`);
    expect(eks.depends_on).toContain('aws_cloudwatch_log_group.control-plane-logs');
  });

  it('puts the nodes in the private subnets, with IMDSv2 and autoscaler tags', () => {
    const group = stacks.cluster!.resource('aws_eks_node_group.nodes');
    const subnets = (group.subnet_ids as string[]).map((ref) => resolveRemote(ref, stacks));
    expect(subnets).toEqual(want.zones.map((z) => `\${aws_subnet.private-${z}.id}`));
    expect((stacks.cluster!.resource('aws_eks_cluster.cluster').vpc_config as Block).subnet_ids).toEqual(
      group.subnet_ids,
    );
    expect(group.scaling_config).toEqual({
      min_size: config.infra.nodeMin,
      max_size: config.infra.nodeMax,
      desired_size: config.infra.nodeDesired,
    });
    expect(group.instance_types).toEqual(config.infra.nodeInstanceTypes);
    expect(group.ami_type).toBe(want.amiType);
    expect(tagsOf(group)).toMatchObject({
      'k8s.io/cluster-autoscaler/enabled': 'true',
      [`k8s.io/cluster-autoscaler/${want.clusterName}`]: 'owned',
    });
    expect((group.lifecycle as Block).ignore_changes).toEqual(['scaling_config[0].desired_size']);
    expect(group.launch_template).toMatchObject({ id: '${aws_launch_template.node-launch-template.id}' });
    const template = stacks.cluster!.resource('aws_launch_template.node-launch-template');
    expect(template.metadata_options).toEqual({
      http_endpoint: 'enabled',
      http_tokens: 'required',
      http_put_response_hop_limit: 1,
    });
    expect((template.block_device_mappings as Block[])[0]!.ebs).toMatchObject({ encrypted: 'true' });
  });

  it('gives the node role no application permissions', () => {
    const cluster = stacks.cluster!;
    const attached = cluster
      .resources('aws_iam_role_policy_attachment')
      .filter(([, a]) => a.role === '${aws_iam_role.node-role.name}')
      .map(([, a]) => a.policy_arn);
    expect(attached.sort()).toEqual(
      ['AmazonEC2ContainerRegistryReadOnly', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy'].map(
        (p) => `arn:${want.partition}:iam::aws:policy/${p}`,
      ),
    );
    const inline = cluster
      .resources('aws_iam_role_policy')
      .filter(([, p]) => String(p.role).includes('node-role'));
    expect(inline).toEqual([]);
    expect(parsePolicy(cluster.resource('aws_iam_role.node-role').assume_role_policy).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });

  it('scopes every IRSA trust policy to one service account in one namespace', () => {
    const cluster = stacks.cluster!;
    const issuer = '${local.oidc_issuer_host}';
    expect(cluster.json.locals).toEqual({
      oidc_issuer_host: '${replace(aws_iam_openid_connect_provider.oidc-provider.url, "https://", "")}',
    });
    const expected: [string, string][] = [
      ['training-role', `system:serviceaccount:${config.cluster.trainingNamespace}:${config.name}-training`],
      ['serving-role', `system:serviceaccount:${config.cluster.servingNamespace}:${config.name}-serving`],
    ];
    if (config.infra.addons.includes('aws-load-balancer-controller')) {
      expected.push(['lb-controller-role', 'system:serviceaccount:kube-system:aws-load-balancer-controller']);
    } else expect(cluster.json.resource?.aws_iam_role?.['lb-controller-role']).toBeUndefined();
    if (config.infra.addons.includes('cluster-autoscaler')) {
      expected.push(['cluster-autoscaler-role', 'system:serviceaccount:kube-system:cluster-autoscaler']);
    }
    for (const [role, subject] of expected) {
      const trust = parsePolicy(cluster.resource(`aws_iam_role.${role}`).assume_role_policy);
      expect(trust.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Federated: '${aws_iam_openid_connect_provider.oidc-provider.arn}' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${issuer}:sub`]: subject, [`${issuer}:aud`]: 'sts.amazonaws.com' } },
        },
      ]);
    }
    expect(cluster.resource('aws_iam_openid_connect_provider.oidc-provider')).toMatchObject({
      client_id_list: ['sts.amazonaws.com'],
      url: '${aws_eks_cluster.cluster.identity[0].oidc[0].issuer}',
    });
  });

  it('lets serving only read its model and training only add versions', () => {
    const cluster = stacks.cluster!;
    const bucketArn = `arn:${want.partition}:s3:::${want.bucket}`;
    const serving = parsePolicy(
      cluster.resource('aws_iam_role_policy.serving-role-registry').policy,
    ).Statement;
    expect(serving.flatMap((s) => asArray(s.Action as string | string[])).sort()).toEqual([
      's3:GetObject',
      's3:ListBucket',
    ]);
    expect(serving.find((s) => s.Action === 's3:GetObject')!.Resource).toBe(
      `${bucketArn}/${want.modelRoot}/*`,
    );
    expect(serving.find((s) => s.Action === 's3:ListBucket')!.Condition).toEqual({
      StringLike: { 's3:prefix': [want.modelRoot, `${want.modelRoot}/*`] },
    });

    const training = parsePolicy(
      cluster.resource('aws_iam_role_policy.training-role-registry').policy,
    ).Statement;
    const writes = training.filter((s) => asArray(s.Action as string | string[]).includes('s3:PutObject'));
    expect(writes).toHaveLength(1);
    expect(writes[0]!.Resource).toBe(`${bucketArn}/${want.modelRoot}/versions/*`);
    for (const s of training) {
      expect(s.Effect).toBe('Allow');
      for (const action of asArray(s.Action as string | string[])) {
        expect(['s3:GetObject', 's3:ListBucket', 's3:PutObject', 's3:AbortMultipartUpload']).toContain(
          action,
        );
      }
    }
    const data = /^s3:\/\/([^/]+)\/(.+)$/.exec(config.data.source);
    const readData = training.find((s) => s.Sid === 'ReadData');
    if (data) expect(readData?.Resource).toBe(`arn:${want.partition}:s3:::${data[1]}/${data[2]}`);
    else expect(readData).toBeUndefined();
  });

  it('gives the controllers the policies their charts document', () => {
    const cluster = stacks.cluster!;
    if (config.infra.addons.includes('cluster-autoscaler')) {
      const ca = parsePolicy(
        cluster.resource('aws_iam_role_policy.cluster-autoscaler-role-policy').policy,
      ).Statement;
      const scaling = ca.find((s) =>
        asArray(s.Action as string[]).includes('autoscaling:SetDesiredCapacity'),
      )!;
      expect(scaling.Condition).toEqual({
        StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${want.clusterName}`]: 'owned' },
      });
    }
    if (config.infra.addons.includes('aws-load-balancer-controller')) {
      const lb = parsePolicy(
        cluster.resource('aws_iam_role_policy.lb-controller-role-policy').policy,
      ).Statement;
      const actions = lb.flatMap((s) => asArray(s.Action as string | string[]));
      expect(actions).toEqual(
        expect.arrayContaining(['elasticloadbalancing:CreateLoadBalancer', 'ec2:CreateSecurityGroup']),
      );
      const deletes = lb.find((s) =>
        asArray(s.Action as string[]).includes('elasticloadbalancing:DeleteLoadBalancer'),
      )!;
      expect(deletes.Condition).toEqual({ Null: { 'aws:ResourceTag/elbv2.k8s.aws/cluster': 'false' } });
      for (const s of lb) {
        for (const r of asArray((s.Resource ?? '*') as string | string[])) {
          if (r !== '*') expect(r.startsWith(`arn:${want.partition}:`)).toBe(true);
        }
      }
    }
  });

  it('secures the registry bucket: private, encrypted, TLS-only, versioned, lifecycle without live expiry', () => {
    const reg = stacks.registry!;
    expect(reg.resource('aws_s3_bucket.bucket')).toMatchObject({ bucket: want.bucket, force_destroy: false });
    expect(reg.resource('aws_s3_bucket_public_access_block.bucket-public-access')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(reg.resource('aws_s3_bucket_server_side_encryption_configuration.bucket-encryption').rule).toEqual(
      [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }],
    );
    expect(reg.resource('aws_s3_bucket_versioning.bucket-versioning').versioning_configuration).toEqual({
      status: 'Enabled',
    });
    expect(reg.resource('aws_s3_bucket_ownership_controls.bucket-ownership').rule).toEqual({
      object_ownership: 'BucketOwnerEnforced',
    });

    const policy = parsePolicy(reg.resource('aws_s3_bucket_policy.bucket-policy').policy);
    const arn = `arn:${want.partition}:s3:::${want.bucket}`;
    expect(policy.Statement).toEqual([
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);

    const rules = reg.resource('aws_s3_bucket_lifecycle_configuration.bucket-lifecycle').rule as Block[];
    const days = config.retention.days;
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      status: 'Enabled',
      filter: [{ prefix: '' }],
      noncurrent_version_expiration: [{ noncurrent_days: days }],
      abort_incomplete_multipart_upload: [{ days_after_initiation: days }],
    });
    // Live model versions are retired by `mlops models gc` only.
    expect(rules[0]!.expiration).toBeUndefined();
    expect(rules[0]!.transition).toBeUndefined();
  });

  it('creates both image repositories with scan on push and a lifecycle policy', () => {
    const reg = stacks.registry!;
    for (const kind of ['training', 'serving']) {
      const repo = reg.resource(`aws_ecr_repository.${kind}-repository`);
      expect(repo.name).toBe(`${config.name}-${kind}`);
      expect(repo.image_scanning_configuration).toEqual({ scan_on_push: true });
      const lifecycle = JSON.parse(
        String(reg.resource(`aws_ecr_lifecycle_policy.${kind}-repository-lifecycle`).policy),
      ) as {
        rules: Block[];
      };
      expect(lifecycle.rules.map((r) => (r.action as Block).type)).toEqual(['expire', 'expire']);
      expect((lifecycle.rules[0]!.selection as Block).tagStatus).toBe('untagged');
    }
    expect(reg.output('registry_uri')).toBe(want.registryUri);
  });

  it('installs the configured add-ons at pinned versions, wired to the cluster', () => {
    const addons = stacks.addons!;
    const releases = Object.fromEntries(addons.resources('helm_release'));
    expect(Object.keys(releases).sort()).toEqual(want.releases);
    for (const release of Object.values(releases)) expect(release.version).toMatch(/^\d+\.\d+\.\d+$/);
    const values = (name: string): Block => JSON.parse((releases[name]!.values as string[])[0]!) as Block;
    const roleArn = (v: unknown): string => resolveRemote(v, stacks);

    const helm = addons.json.provider.helm![0]!.kubernetes as Block;
    expect(resolveRemote(helm.host, stacks)).toBe('${aws_eks_cluster.cluster.endpoint}');
    expect(helm.token).toBe('${data.aws_eks_cluster_auth.cluster-auth.token}');

    if (want.releases.includes('aws-load-balancer-controller')) {
      const lb = values('aws-load-balancer-controller');
      expect(releases['aws-load-balancer-controller']!.namespace).toBe('kube-system');
      expect(resolveRemote(lb.clusterName, stacks)).toBe('${aws_eks_cluster.cluster.name}');
      expect(lb.region).toBe(config.region);
      expect(resolveRemote(lb.vpcId, stacks)).toBe('${aws_vpc.vpc.id}');
      const sa = lb.serviceAccount as { name: string; annotations: Record<string, string> };
      expect(sa.name).toBe('aws-load-balancer-controller');
      expect(roleArn(sa.annotations['eks.amazonaws.com/role-arn'])).toBe(
        '${aws_iam_role.lb-controller-role.arn}',
      );
    }
    if (want.releases.includes('cluster-autoscaler')) {
      const ca = values('cluster-autoscaler');
      expect(resolveRemote((ca.autoDiscovery as Block).clusterName, stacks)).toBe(
        '${aws_eks_cluster.cluster.name}',
      );
      expect(ca.awsRegion).toBe(config.region);
      expect((ca.image as Block).tag).toBe(`v${config.infra.kubernetesVersion}.0`);
      const sa = (ca.rbac as { serviceAccount: { name: string; annotations: Record<string, string> } })
        .serviceAccount;
      expect(sa.name).toBe('cluster-autoscaler');
      expect(roleArn(sa.annotations['eks.amazonaws.com/role-arn'])).toBe(
        '${aws_iam_role.cluster-autoscaler-role.arn}',
      );
    }
    if (want.releases.includes('kube-prometheus-stack')) {
      expect(releases['kube-prometheus-stack']).toMatchObject({
        namespace: 'monitoring',
        create_namespace: true,
      });
      expect((values('kube-prometheus-stack').grafana as Block).adminPassword).toBe('');
    }
    if (want.releases.includes('istiod')) {
      expect(releases.istiod!.depends_on).toEqual(['helm_release.istio-base']);
      expect(releases['istio-ingressgateway']!.depends_on).toContain(
        'helm_release.aws-load-balancer-controller',
      );
      for (const name of ['istio-base', 'istiod', 'istio-ingressgateway'])
        expect(releases[name]!.namespace).toBe('istio-system');
    }
  });
});

describe('synthStacks', () => {
  const config = makeConfig({ registry: 's3://iris-models', infra: { state: { backend: 'local' } } });

  it('synthesizes one stack with only what it references', () => {
    const outDir = tempDir('mlops-synth-one-');
    const registry = synthStacks({
      config,
      outDir,
      stack: 'registry',
      purpose: 'deploy',
      projectDir: outDir,
    });
    expect(registry.stacks.map((s) => s.stack)).toEqual(['registry']);
    expect(readdirSync(path.join(outDir, 'stacks'))).toEqual(['registry']);

    const addons = synthStacks({ config, outDir, stack: 'addons', purpose: 'deploy', projectDir: outDir });
    expect(addons.stacks.map((s) => s.stack)).toEqual(['addons']);
    expect(readdirSync(path.join(outDir, 'stacks')).sort()).toEqual([
      'addons',
      'cluster',
      'network',
      'registry',
    ]);
  });

  const refusals: [string, NonNullable<MlopsConfigInput['infra']>, string, string?][] = [
    ['a VPC CIDR that is not a network', { vpcCidr: '10.0.0.1/16' }, 'infra.vpcCidr'],
    ['a VPC too small for the subnets', { vpcCidr: '10.0.0.0/24' }, 'infra.vpcCidr'],
    ['node counts out of order', { nodeMin: 3, nodeDesired: 2, nodeMax: 4 }, 'infra.nodeMin'],
    [
      'an endpoint reachable from nowhere',
      { endpointPublicAccess: false, endpointPrivateAccess: false },
      'infra.endpointPublicAccess',
    ],
    ['mixed architectures', { nodeInstanceTypes: ['m6i.large', 'm7g.large'] }, 'infra.nodeInstanceTypes'],
    ['a bucket that is not the registry', { bucketName: 'other-bucket' }, 'infra.bucketName'],
    ['a cluster name too long for its IAM role names', { clusterName: 'x'.repeat(46) }, 'infra.clusterName'],
    ['more zones than the region has', { azCount: 4 }, 'infra.azCount', 'ap-northeast-1'],
    [
      'a state bucket name S3 refuses',
      { state: { backend: 's3', bucket: 'Terraform_State' } },
      'infra.state.bucket',
    ],
  ];
  it.each(refusals)(
    'refuses %s (MLOPS_INFRA_E7005), in preview too',
    (_title, infra, setting, region = 'us-east-1') => {
      const bad = makeConfig({
        region,
        registry: 's3://iris-models',
        infra: { state: { backend: 'local' }, ...infra },
      });
      for (const purpose of ['deploy', 'preview'] as const) {
        const outDir = tempDir('mlops-synth-bad-');
        const error = errorOf(() => synthStacks({ config: bad, outDir, purpose, projectDir: outDir }));
        expect(error.code).toBe('MLOPS_INFRA_E7005');
        expect(error.source).toBe('config');
        expect(error.message).toContain(`- ${setting}`);
        expect(error.hint).toBeTruthy();
      }
    },
  );

  it('for a deployment, lists every missing and invalid setting in one error (MLOPS_INFRA_E7006)', () => {
    const outDir = tempDir('mlops-synth-bad-');
    const config = makeConfig({
      registry: 'file://.mlops/registry',
      infra: { vpcCidr: '10.0.0.1/16', state: { backend: 's3', region: 'the-moon' } },
    });
    const error = errorOf(() => synthStacks({ config, outDir, purpose: 'deploy', projectDir: outDir }));
    expect(error.code).toBe('MLOPS_INFRA_E7006');
    expect(error.source).toBe('config');
    const listed = error.message.split('\n').filter((line) => line.startsWith('  - '));
    expect(listed.map((line) => line.slice(4, line.indexOf(':')))).toEqual([
      'infra.vpcCidr',
      'registry',
      'infra.state.region',
      'infra.state.bucket',
    ]);
    expect(error.message).toMatch(/^4 infrastructure settings are missing or invalid:/);
    expect(listed.find((l) => l.includes('infra.state.bucket'))).toContain('mlops infra bootstrap');
    expect(listed.find((l) => l.includes('registry'))).toContain('s3://BUCKET/PREFIX');
    // Nothing is synthesized from a configuration that cannot be deployed.
    expect(existsSync(path.join(outDir, 'stacks'))).toBe(false);
  });
});

describe('synthStacks previews a project that is not set up for AWS yet', () => {
  // What `mlops init` writes: a file:// registry and no infra.state (S3 backend, no bucket).
  const config = makeConfig({ registry: 'file://.mlops/registry' });
  const projectDir = tempDir('mlops-synth-preview-');
  const outDir = path.join(projectDir, '.mlops', 'infra');
  let result: ReturnType<typeof synthStacks>;

  beforeAll(() => {
    result = synthStacks({ config, outDir, purpose: 'preview', projectDir });
  });

  it('derives a valid, stable registry bucket name from the project and says how to set it', () => {
    const derived = result.defaults.find((d) => d.setting === 'infra.bucketName');
    expect(derived?.value).toMatch(/^iris-models-[0-9a-f]{8}$/);
    expect(bucketNameProblem(derived!.value)).toBeUndefined();
    expect(derived?.howToSet).toContain('s3://BUCKET/PREFIX');
    expect(new StackJson(outDir, 'registry').resource('aws_s3_bucket.bucket').bucket).toBe(derived?.value);
    expect(derivedBucketName('iris', projectDir, 'models')).toBe(derived?.value);
    expect(derivedBucketName('iris', tempDir('mlops-other-'), 'models')).not.toBe(derived?.value);
  });

  it('keeps the state local instead of needing a state bucket, and says so', () => {
    expect(result.defaults.find((d) => d.setting === 'infra.state')).toMatchObject({
      value: 'local',
      howToSet: expect.stringContaining('mlops infra bootstrap'),
    });
    for (const name of STACKS) {
      expect(new StackJson(outDir, name).json.terraform.backend).toEqual({
        local: { path: `../../state/${name}.tfstate` },
      });
    }
  });

  it('derives nothing a configured project already has', () => {
    const dir = tempDir('mlops-synth-configured-');
    const configured = makeConfig({
      registry: 's3://iris-models',
      infra: { state: { backend: 's3', bucket: 'iris-tf-state' } },
    });
    expect(
      synthStacks({ config: configured, outDir: dir, purpose: 'preview', projectDir: dir }).defaults,
    ).toEqual([]);
  });
});

describe('bucket names', () => {
  it.each([
    ['ab', 'it has 2 characters, not 3-63'],
    ['a'.repeat(64), 'it has 64 characters, not 3-63'],
    ['My-Bucket', 'only lowercase letters, digits, "." and "-" are allowed'],
    ['-bucket', 'it must start and end with a letter or digit'],
    ['my..bucket', 'it has two adjacent periods'],
    ['192.168.5.4', 'it is formatted as an IP address'],
    ['xn--bucket', 'the prefix "xn--" is reserved by AWS'],
    ['bucket-s3alias', 'the suffix "-s3alias" is reserved by AWS'],
  ])('refuses %s: %s', (name, problem) => {
    expect(bucketNameProblem(name)).toBe(problem);
  });

  it('derives names S3 accepts from any project name, at most 63 characters', () => {
    for (const project of [
      'iris',
      'x'.repeat(63),
      `${'a'.repeat(45)}-${'b'.repeat(10)}`,
      'xn--iris',
      'sthree-x',
    ]) {
      for (const purpose of ['models', 'tfstate'] as const) {
        const name = derivedBucketName(project, '/projects/p', purpose);
        expect(bucketNameProblem(name), name).toBeUndefined();
        expect(name).toMatch(new RegExp(`-${purpose}-[0-9a-f]{8}$`));
      }
    }
  });
});

describe('provider imports', () => {
  it('never import a CDKTF provider barrel (1.5 s and 540 MB)', () => {
    const root = fileURLToPath(new URL('../../providers/aws/', import.meta.url));
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const source = readFileSync(path.join(root, file), 'utf8');
      expect(source, file).not.toMatch(/['"]@cdktf\/provider-(aws|helm)['"]/);
      expect(source, file).not.toMatch(/['"]@cdktf\/provider-(aws|helm)\/lib\/index\.js['"]/);
    }
  });
});
