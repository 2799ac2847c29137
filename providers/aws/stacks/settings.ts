import { awsRegion, type MlopsConfig } from '../../../src/config/schema.js';
import type { DerivedSetting } from '../../../src/core/ports/infra-runner.js';
import { MlopsError } from '../../../src/kernel/errors.js';
import { workloadIdentities } from '../../../src/manifests/workload-identities.js';
import { bucketNameProblem, derivedBucketName } from '../infra/bucket-names.js';
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

/** One setting that keeps the stacks from being synthesized or deployed, and what to do about it. */
interface SettingProblem {
  /** The config field, e.g. `infra.state.bucket`. */
  readonly setting: string;
  readonly problem: string;
  readonly fix: string;
  /** Not set at all (as opposed to set to something unusable). */
  readonly missing: boolean;
}

/** Collects every problem of a configuration, so that one run reports all of them. */
class Problems {
  readonly list: SettingProblem[] = [];

  invalid(setting: string, problem: string, fix: string): void {
    this.list.push({ setting, problem, fix, missing: false });
  }

  missing(setting: string, problem: string, fix: string): void {
    this.list.push({ setting, problem, fix, missing: true });
  }
}

/** Every problem at once: E7006 when something is missing (set it), E7005 when all are inconsistent. */
function settingsError(problems: readonly SettingProblem[]): MlopsError {
  const missing = problems.some((p) => p.missing);
  const what = `${problems.length === 1 ? 'an infrastructure setting is' : `${problems.length} infrastructure settings are`} ${missing ? 'missing or invalid' : 'invalid'}`;
  const lines = problems.map((p) => `${p.setting}: ${p.problem}; ${p.fix}`);
  return new MlopsError(`${what}:\n  - ${lines.join('\n  - ')}`, {
    code: missing ? 'MLOPS_INFRA_E7006' : 'MLOPS_INFRA_E7005',
    hint: 'set them in mlops.config.json (or in its environments.<name> section when you pass --env) and run again; `mlops infra synth` previews the stacks without them',
    source: 'config',
  });
}

export interface ResolveOptions {
  /** See SynthRequest.purpose: `preview` fills the settings only a deployment needs, and says so. */
  readonly purpose: 'preview' | 'deploy';
  /** Hashed into derived names. */
  readonly projectDir: string;
}

export const partitionOf = (region: string): string =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

/**
 * Zone names without asking the AWS API, so that plan needs no data source and runs offline. Zone
 * letters run from `a` in most regions; the exceptions listed here lack a letter for new accounts.
 */
const ZONE_LETTERS: Record<string, string> = { 'ap-northeast-1': 'acd' };

function availabilityZones(region: string, count: number, problems: Problems): string[] {
  const letters = ZONE_LETTERS[region] ?? 'abcdef';
  if (count > letters.length) {
    problems.invalid(
      'infra.azCount',
      `${count}, but ${region} has ${letters.length} availability zones mlops knows of`,
      `set it to at most ${letters.length}`,
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

function amiTypeFor(instanceTypes: readonly string[], problems: Problems): string {
  const arm = instanceTypes.map((t) => GRAVITON.test(t));
  if (arm.some((a) => a !== arm[0])) {
    problems.invalid(
      'infra.nodeInstanceTypes',
      `mixes Graviton and x86 types (${instanceTypes.join(', ')})`,
      'one node group runs one architecture: list instance types of a single architecture',
    );
  }
  return arm[0] ? 'AL2023_ARM_64_STANDARD' : 'AL2023_x86_64_STANDARD';
}

/** Where a derived value came from, for `infra synth` to report. */
type Derived = (derived: DerivedSetting) => void;

function bucketNameChecked(setting: string, name: string, problems: Problems): void {
  const problem = bucketNameProblem(name);
  if (problem) {
    problems.invalid(
      setting,
      `"${name}" is not a valid S3 bucket name (${problem})`,
      'use 3-63 lowercase letters, digits and "-" (or ".")',
    );
  }
}

function registryBucket(
  config: MlopsConfig,
  options: ResolveOptions,
  problems: Problems,
  derive: Derived,
): InfraSettings['bucket'] {
  const fromRegistry = /^s3:\/\/([^/]+)\/?(.*)$/.exec(config.registry);
  const registryName = fromRegistry?.[1];
  const configured = config.infra.bucketName;
  if (configured && registryName && configured !== registryName) {
    problems.invalid(
      'infra.bucketName',
      `"${configured}" is not the bucket of registry ${config.registry}`,
      'remove infra.bucketName (it defaults to the registry bucket) or make them the same',
    );
  }
  const name = configured ?? registryName;
  if (!name) {
    const howToSet = 'set registry to "s3://BUCKET/PREFIX" (or infra.bucketName to the bucket to create)';
    if (options.purpose === 'preview') {
      const derived = derivedBucketName(config.name, options.projectDir, 'models');
      derive({
        setting: 'infra.bucketName',
        value: derived,
        reason: `the registry (${config.registry}) is not on S3, so the bucket name was derived from the project`,
        howToSet,
      });
      return { name: derived, root: '' };
    }
    problems.missing(
      'registry',
      `${config.registry} is not on S3, so the registry stack has no bucket to create`,
      howToSet,
    );
    return { name: '', root: '' };
  }
  bucketNameChecked(configured ? 'infra.bucketName' : 'registry', name, problems);
  const root = registryName === name ? (fromRegistry?.[2] ?? '').replace(/^\/+|\/+$/g, '') : '';
  return { name, root };
}

function stateSettings(
  config: MlopsConfig,
  options: ResolveOptions,
  problems: Problems,
  derive: Derived,
): InfraSettings['state'] {
  const state = config.infra.state;
  if (state.backend === 'local') return { backend: 'local' };
  const region = state.region ?? config.region;
  if (state.region !== undefined && !awsRegion.safeParse(state.region).success) {
    problems.invalid(
      'infra.state.region',
      `"${state.region}" is not an AWS region`,
      'set the region of the state bucket, e.g. "us-east-1", or remove it to use the project region',
    );
  }
  if (!state.bucket) {
    const howToSet =
      'run `mlops infra bootstrap` (it creates the bucket and prints the setting; --write-config saves it), or set infra.state.backend to "local"';
    if (options.purpose === 'preview') {
      derive({
        setting: 'infra.state',
        value: 'local',
        reason:
          'infra.state.bucket is not set, so the stacks were synthesized with local state (DIR/state/<stack>.tfstate)',
        howToSet,
      });
    } else {
      problems.missing(
        'infra.state.bucket',
        'not set: the S3 backend needs a bucket for the Terraform state',
        howToSet,
      );
    }
    return { backend: 'local' };
  }
  bucketNameChecked('infra.state.bucket', state.bucket, problems);
  const keyPrefix = (state.key ?? `mlops/${config.name}`).replace(/^\/+|\/+$/g, '');
  return { backend: 's3', bucket: state.bucket, keyPrefix, region };
}

/**
 * The settings of every stack, from the configuration. All problems are collected and thrown as one
 * error (MLOPS_INFRA_E7006 when something is missing, E7005 when all are inconsistent), so that a
 * user fixes them in one go. `derive` hears of each value `preview` chose in the config's place.
 */
export function resolveInfraSettings(
  config: MlopsConfig,
  options: ResolveOptions,
  derive: Derived = () => undefined,
): InfraSettings {
  const infra = config.infra;
  const problems = new Problems();
  const vpc = parseCidr(infra.vpcCidr);
  const vpcUsable = vpc !== undefined && vpc.prefix >= 16 && vpc.prefix <= 20;
  if (!vpcUsable) {
    problems.invalid(
      'infra.vpcCidr',
      `"${infra.vpcCidr}" is not an IPv4 network between /16 and /20`,
      'use a private range such as 10.0.0.0/16',
    );
  }
  const zones = availabilityZones(config.region, infra.azCount, problems);
  // Private subnets (nodes, pods: the VPC CNI gives every pod a VPC address) get /20s of a /16;
  // public subnets only hold NAT gateways and load balancers, so /24s from the upper half suffice.
  const privateSubnets = vpcUsable ? zones.map((_, i) => formatCidr(cidrSubnet(vpc, 4, i))) : [];
  const publicSubnets = vpcUsable ? zones.map((_, i) => formatCidr(cidrSubnet(vpc, 8, 128 + i))) : [];

  if (!(infra.nodeMin <= infra.nodeDesired && infra.nodeDesired <= infra.nodeMax)) {
    problems.invalid(
      'infra.nodeMin/nodeDesired/nodeMax',
      `node counts must satisfy nodeMin ≤ nodeDesired ≤ nodeMax (got ${infra.nodeMin}, ${infra.nodeDesired}, ${infra.nodeMax})`,
      'adjust infra.nodeMin, infra.nodeDesired and infra.nodeMax',
    );
  }
  if (!infra.endpointPublicAccess && !infra.endpointPrivateAccess) {
    problems.invalid(
      'infra.endpointPublicAccess/endpointPrivateAccess',
      'the cluster endpoint would be reachable from nowhere (public and private access both off)',
      'set infra.endpointPrivateAccess or infra.endpointPublicAccess to true',
    );
  }
  if (infra.endpointPublicAccess && infra.publicAccessCidrs.length === 0) {
    problems.invalid(
      'infra.publicAccessCidrs',
      'empty while the public endpoint is on',
      'list the CIDRs allowed to reach the API server, or set infra.endpointPublicAccess to false',
    );
  }

  const clusterName = infra.clusterName ?? `${config.name}-cluster`;
  // IAM role names (≤ 64 chars) are the cluster name plus at most "-cluster-autoscaler".
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,44}$/.test(clusterName)) {
    problems.invalid(
      'infra.clusterName',
      `cluster name "${clusterName}" is not 1-45 letters, digits, "-" and "_" starting with a letter or digit`,
      'set infra.clusterName to a shorter name',
    );
  }

  const amiType = amiTypeFor(infra.nodeInstanceTypes, problems);
  const bucket = registryBucket(config, options, problems, derive);
  const state = stateSettings(config, options, problems, derive);
  if (problems.list.length > 0) throw settingsError(problems.list);

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
      amiType,
      min: infra.nodeMin,
      max: infra.nodeMax,
      desired: infra.nodeDesired,
    },
    endpoint: {
      publicAccess: infra.endpointPublicAccess,
      privateAccess: infra.endpointPrivateAccess,
      publicAccessCidrs: infra.publicAccessCidrs,
    },
    bucket,
    dataObject: dataMatch?.[1] && dataMatch[2] ? { bucket: dataMatch[1], key: dataMatch[2] } : undefined,
    workloads: workloadIdentities(config),
    repositories: {
      training: ecrRepositoryName(config.images.training?.repository) ?? `${config.name}-training`,
      serving: ecrRepositoryName(config.images.serving?.repository) ?? `${config.name}-serving`,
    },
    retentionDays: config.retention.days,
    addons: new Set(infra.addons),
    state,
  };
}
