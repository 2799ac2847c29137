import type { MlopsConfig } from '../../../src/config/schema.js';
import { MlopsError } from '../../../src/kernel/errors.js';
import { workloadIdentities } from '../../../src/manifests/workload-identities.js';
import { cidrSubnet, formatCidr, parseCidr } from './cidr.js';

/**
 * Everything the stacks need, resolved and checked once from the config, so that each stack is a
 * plain transcription of these values and an inconsistent config fails before any synthesis.
 */
export interface InfraSettings {
  readonly project: string;
  readonly region: string;
  /** aws, aws-cn or aws-us-gov: ARNs are built for it. */
  readonly partition: string;
  readonly clusterName: string;
  readonly kubernetesVersion: string;
  readonly network: {
    readonly vpcCidr: string;
    readonly availabilityZones: readonly string[];
    readonly publicSubnets: readonly string[];
    readonly privateSubnets: readonly string[];
    readonly natPerAz: boolean;
  };
  readonly nodes: {
    readonly instanceTypes: readonly string[];
    readonly amiType: string;
    readonly min: number;
    readonly max: number;
    readonly desired: number;
  };
  readonly endpoint: {
    readonly publicAccess: boolean;
    readonly privateAccess: boolean;
    readonly publicAccessCidrs: readonly string[];
  };
  readonly bucket: {
    readonly name: string;
    /** The registry root inside the bucket without slashes ('' when the registry is the whole bucket). */
    readonly root: string;
  };
  /** The training data object when the config reads it from S3. */
  readonly dataObject: { readonly bucket: string; readonly key: string } | undefined;
  readonly workloads: ReturnType<typeof workloadIdentities>;
  readonly repositories: { readonly training: string; readonly serving: string };
  readonly retentionDays: number;
  readonly addons: ReadonlySet<MlopsConfig['infra']['addons'][number]>;
  readonly state:
    | { readonly backend: 'local' }
    | {
        readonly backend: 's3';
        readonly bucket: string;
        readonly keyPrefix: string;
        readonly region: string;
      };
}

const inconsistent = (message: string, hint: string): MlopsError =>
  new MlopsError(message, { code: 'MLOPS_INFRA_E7005', hint, source: 'config' });

export const partitionOf = (region: string): string =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

/**
 * Zone names without asking the AWS API, so that plan needs no data source and runs offline. Zone
 * letters run from `a` in most regions; the exceptions listed here lack a letter for new accounts.
 */
const ZONE_LETTERS: Record<string, string> = { 'ap-northeast-1': 'acd' };

function availabilityZones(region: string, count: number): string[] {
  const letters = ZONE_LETTERS[region] ?? 'abcdef';
  if (count > letters.length) {
    throw inconsistent(
      `infra.azCount is ${count} but ${region} has ${letters.length} availability zones mlops knows of`,
      `set infra.azCount to at most ${letters.length}`,
    );
  }
  return [...letters.slice(0, count)].map((letter) => `${region}${letter}`);
}

/** ECR repository URL → repository name, so that `images.*.repository` and the stack agree. */
function ecrRepositoryName(repository: string | undefined): string | undefined {
  const match = repository
    ? /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/([^:@]+)$/.exec(repository)
    : null;
  return match?.[1];
}

const GRAVITON = /^[a-z]+\d+g[a-z]*\./;

function amiTypeFor(instanceTypes: readonly string[]): string {
  const arm = instanceTypes.map((t) => GRAVITON.test(t));
  if (arm.some((a) => a !== arm[0])) {
    throw inconsistent(
      `infra.nodeInstanceTypes mixes Graviton and x86 types (${instanceTypes.join(', ')})`,
      'one node group runs one architecture: list instance types of a single architecture',
    );
  }
  return arm[0] ? 'AL2023_ARM_64_STANDARD' : 'AL2023_x86_64_STANDARD';
}

function registryBucket(config: MlopsConfig): { name: string; root: string } {
  const fromRegistry = /^s3:\/\/([^/]+)\/?(.*)$/.exec(config.registry);
  const registryName = fromRegistry?.[1];
  const configured = config.infra.bucketName;
  if (configured && registryName && configured !== registryName) {
    throw inconsistent(
      `infra.bucketName "${configured}" is not the bucket of registry ${config.registry}`,
      'remove infra.bucketName (it defaults to the registry bucket) or make them the same',
    );
  }
  const name = configured ?? registryName;
  if (!name) {
    throw inconsistent(
      'the registry stack needs a bucket name and the registry is not on S3',
      'set registry to s3://BUCKET/PREFIX, or infra.bucketName',
    );
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) || name.includes('..')) {
    throw inconsistent(
      `"${name}" is not a valid S3 bucket name`,
      'use 3-63 lowercase letters, digits, "." and "-"',
    );
  }
  const root = registryName === name ? (fromRegistry?.[2] ?? '').replace(/^\/+|\/+$/g, '') : '';
  return { name, root };
}

function stateSettings(config: MlopsConfig): InfraSettings['state'] {
  const state = config.infra.state;
  if (state.backend === 'local') return { backend: 'local' };
  if (!state.bucket) {
    throw inconsistent(
      'infra.state.bucket is not set: the S3 backend needs an existing bucket for the Terraform state',
      'create a versioned bucket and set infra.state.bucket, or set infra.state.backend to "local"',
    );
  }
  const keyPrefix = (state.key ?? `mlops/${config.name}`).replace(/^\/+|\/+$/g, '');
  return { backend: 's3', bucket: state.bucket, keyPrefix, region: state.region ?? config.region };
}

export function resolveInfraSettings(config: MlopsConfig): InfraSettings {
  const infra = config.infra;
  const vpc = parseCidr(infra.vpcCidr);
  if (!vpc || vpc.prefix < 16 || vpc.prefix > 20) {
    throw inconsistent(
      `infra.vpcCidr "${infra.vpcCidr}" is not an IPv4 network between /16 and /20`,
      'use a private range such as 10.0.0.0/16',
    );
  }
  const zones = availabilityZones(config.region, infra.azCount);
  // Private subnets (nodes, pods: the VPC CNI gives every pod a VPC address) get /20s of a /16;
  // public subnets only hold NAT gateways and load balancers, so /24s from the upper half suffice.
  const privateSubnets = zones.map((_, i) => formatCidr(cidrSubnet(vpc, 4, i)));
  const publicSubnets = zones.map((_, i) => formatCidr(cidrSubnet(vpc, 8, 128 + i)));

  if (!(infra.nodeMin <= infra.nodeDesired && infra.nodeDesired <= infra.nodeMax)) {
    throw inconsistent(
      `node counts must satisfy nodeMin ≤ nodeDesired ≤ nodeMax (got ${infra.nodeMin}, ${infra.nodeDesired}, ${infra.nodeMax})`,
      'adjust infra.nodeMin, infra.nodeDesired and infra.nodeMax',
    );
  }
  if (!infra.endpointPublicAccess && !infra.endpointPrivateAccess) {
    throw inconsistent(
      'the cluster endpoint would be reachable from nowhere (public and private access both off)',
      'set infra.endpointPrivateAccess or infra.endpointPublicAccess to true',
    );
  }
  if (infra.endpointPublicAccess && infra.publicAccessCidrs.length === 0) {
    throw inconsistent(
      'infra.publicAccessCidrs is empty while the public endpoint is on',
      'list the CIDRs allowed to reach the API server, or set infra.endpointPublicAccess to false',
    );
  }

  const clusterName = infra.clusterName ?? `${config.name}-cluster`;
  // IAM role names (≤ 64 chars) are the cluster name plus at most "-cluster-autoscaler".
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,44}$/.test(clusterName)) {
    throw inconsistent(
      `cluster name "${clusterName}" is not 1-45 letters, digits, "-" and "_" starting with a letter or digit`,
      'set infra.clusterName to a shorter name',
    );
  }

  const dataMatch = /^s3:\/\/([^/]+)\/(.+)$/.exec(config.data.source);
  return {
    project: config.name,
    region: config.region,
    partition: partitionOf(config.region),
    clusterName,
    kubernetesVersion: infra.kubernetesVersion,
    network: {
      vpcCidr: infra.vpcCidr,
      availabilityZones: zones,
      publicSubnets,
      privateSubnets,
      natPerAz: infra.natPerAz,
    },
    nodes: {
      instanceTypes: infra.nodeInstanceTypes,
      amiType: amiTypeFor(infra.nodeInstanceTypes),
      min: infra.nodeMin,
      max: infra.nodeMax,
      desired: infra.nodeDesired,
    },
    endpoint: {
      publicAccess: infra.endpointPublicAccess,
      privateAccess: infra.endpointPrivateAccess,
      publicAccessCidrs: infra.publicAccessCidrs,
    },
    bucket: registryBucket(config),
    dataObject: dataMatch?.[1] && dataMatch[2] ? { bucket: dataMatch[1], key: dataMatch[2] } : undefined,
    workloads: workloadIdentities(config),
    repositories: {
      training: ecrRepositoryName(config.images.training?.repository) ?? `${config.name}-training`,
      serving: ecrRepositoryName(config.images.serving?.repository) ?? `${config.name}-serving`,
    },
    retentionDays: config.retention.days,
    addons: new Set(infra.addons),
    state: stateSettings(config),
  };
}
