import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { awsRegion, configSchema, type MlopsConfig } from '../config/schema.js';
import { configError, usageError } from '../kernel/errors.js';
import type { IoHost } from '../kernel/io-host.js';
import { waiting } from './infra.js';
import type {
  StateBucketInspection,
  StateBucketProvisioner,
  StateBucketSetting,
  StateBucketSettingState,
} from './ports/state-bucket.js';
import { writeFiles } from './scaffold.js';

/**
 * `mlops infra bootstrap`: the Terraform state bucket the S3 backend needs, made the way `cdk bootstrap`
 * makes its own: inspect, show what would change, confirm, change only that. Running it again on a
 * bootstrapped bucket changes nothing. The S3 calls are behind the StateBucketProvisioner port.
 */

export interface BootstrapOptions {
  readonly config: MlopsConfig;
  /** The directory of the config file: the derived bucket name hashes it. */
  readonly configDir: string;
  /** The config file, which `writeConfig` updates. */
  readonly configFile: string;
  /** The --env section in use: `writeConfig` writes into `environments.<envName>.infra.state`. */
  readonly envName?: string;
  readonly io: IoHost;
  readonly provisioner: StateBucketProvisioner;
  /** `--bucket NAME`; default infra.state.bucket, else a name derived from the project. */
  readonly bucket?: string;
  /** `--yes`: create and change without asking (required headless). */
  readonly yes?: boolean;
  /** `--write-config`: save the `infra.state` setting in the config file. */
  readonly writeConfig?: boolean;
  readonly signal?: AbortSignal;
}

/** The `infra.state` setting that points terraform at the bucket. */
export interface S3StateSetting {
  readonly backend: 's3';
  readonly bucket: string;
  readonly region: string;
  readonly key?: string;
}

export interface BootstrapResult {
  readonly bucket: string;
  readonly region: string;
  /** Where the name came from: `--bucket`, `infra.state.bucket`, or derived from the project. */
  readonly nameFrom: 'flag' | 'config' | 'derived';
  readonly created: boolean;
  /** What this run changed, in order; [] when the bucket was already bootstrapped (or on a "no"). */
  readonly changed: readonly ('bucket' | StateBucketSetting)[];
  /** Every setting as the bucket now has it (`unsupported` where an S3-compatible server lacks it). */
  readonly settings: readonly StateBucketSettingState[];
  readonly state: S3StateSetting;
  /** How terraform locks the state: a lock file in the bucket, so no DynamoDB table is needed. */
  readonly locking: string;
  /** `written`/`unchanged` with --write-config; `not-written` without it (print `state` instead). */
  readonly config: { readonly file: string; readonly status: 'written' | 'unchanged' | 'not-written' };
  /** False when the confirmation was declined: nothing was changed. */
  readonly completed: boolean;
}

export const STATE_LOCKING =
  "terraform's S3 lock file (use_lockfile, terraform >= 1.10): no DynamoDB table is needed";

const ACTIONS: Record<StateBucketSetting, string> = {
  'public-access-block': 'block public access',
  encryption: 'encrypt by default (AES256)',
  versioning: 'enable versioning',
  'tls-only-policy': 'deny requests without TLS (bucket policy)',
};

/** The bucket name and where it came from; a bad name is refused before any S3 call. */
function chooseName(options: BootstrapOptions): { name: string; from: BootstrapResult['nameFrom'] } {
  const { provisioner, config } = options;
  const check = (name: string, invalid: (problem: string) => Error): string => {
    const problem = provisioner.nameProblem(name);
    if (problem) throw invalid(problem);
    return name;
  };
  if (options.bucket !== undefined) {
    const name = check(options.bucket, (problem) =>
      usageError(
        `--bucket "${options.bucket}" is not a valid S3 bucket name: ${problem}`,
        'MLOPS_USAGE_E1002',
        'use 3-63 lowercase letters, digits and "-", starting and ending with a letter or digit',
      ),
    );
    return { name, from: 'flag' };
  }
  const configured = config.infra.state.bucket;
  if (configured !== undefined) {
    const name = check(configured, (problem) =>
      configError(
        `infra.state.bucket "${configured}" is not a valid S3 bucket name: ${problem}`,
        'MLOPS_INFRA_E7005',
        'fix infra.state.bucket in mlops.config.json, or pass --bucket NAME',
      ),
    );
    return { name, from: 'config' };
  }
  const name = provisioner.defaultName(config.name, options.configDir);
  options.io.notify({
    level: 'info',
    event: 'setting-derived',
    message: `State bucket name: ${name} (derived from the project; --bucket NAME picks another).`,
    data: {
      setting: 'infra.state.bucket',
      value: name,
      reason: 'neither --bucket nor infra.state.bucket is set',
      howToSet: 'pass --bucket NAME, or keep this name: --write-config saves it in the config',
    },
  });
  return { name, from: 'derived' };
}

function stateRegion(config: MlopsConfig): string {
  const region = config.infra.state.region ?? config.region;
  if (!awsRegion.safeParse(region).success) {
    throw configError(
      `infra.state.region "${region}" is not an AWS region`,
      'MLOPS_INFRA_E7005',
      'set infra.state.region to the region of the state bucket (e.g. "us-east-1"), or remove it to use the project region',
    );
  }
  return region;
}

/** Says which setting an S3-compatible server could not check or make, and which operation it lacks. */
function warnIfUnsupported(io: IoHost, s: StateBucketSettingState): void {
  if (s.status !== 'unsupported') return;
  io.notify({
    level: 'warn',
    event: 'operation-unsupported',
    message: `${s.setting}: not ${s.operation?.startsWith('Get') ? 'checked' : 'set'}: the S3 server does not implement ${s.operation} (AWS S3 does).`,
    data: { setting: s.setting, operation: s.operation },
  });
}

/** Asks before creating or changing anything; headless, --yes is the answer (the error names it). */
async function approved(options: BootstrapOptions, inspection: StateBucketInspection): Promise<boolean> {
  if (options.yes === true) return true;
  const actions = [
    ...(inspection.exists ? [] : ['create it']),
    ...inspection.settings.filter((s) => s.status === 'change').map((s) => ACTIONS[s.setting]),
  ];
  return options.io.request({
    kind: 'confirm',
    message: `State bucket ${inspection.bucket} (${inspection.region}): ${actions.join(', ')}. Go ahead?`,
    flag: '--yes',
  });
}

/**
 * Sets `infra.state` in the config file (or in its `environments.<env>` section), keeping every other
 * field; the file is replaced whole through a temp file, never left half-written.
 */
async function writeStateSetting(
  options: BootstrapOptions,
  state: S3StateSetting,
): Promise<'written' | 'unchanged'> {
  const raw = JSON.parse(await fs.readFile(options.configFile, 'utf8')) as Record<string, unknown>;
  const object = (parent: Record<string, unknown>, key: string): Record<string, unknown> => {
    const value = parent[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    const created: Record<string, unknown> = {};
    parent[key] = created;
    return created;
  };
  const section = options.envName ? object(object(raw, 'environments'), options.envName) : raw;
  const infra = object(section, 'infra');
  const before = infra.state;
  const next = { ...(typeof before === 'object' ? before : {}), ...state };
  if (isDeepStrictEqual(before, next)) return 'unchanged';
  infra.state = next;
  // The loaded config passed the schema; this only guards against writing one that would not.
  if (!configSchema.safeParse(raw).success) {
    throw configError(
      `writing infra.state into ${options.configFile} would make it invalid`,
      'MLOPS_INFRA_E7005',
      `add "infra": {"state": ${JSON.stringify(state)}} to it by hand`,
    );
  }
  await writeFiles(path.dirname(options.configFile), [
    { path: path.basename(options.configFile), content: `${JSON.stringify(raw, null, 2)}\n` },
  ]);
  return 'written';
}

export async function bootstrapStateBucket(options: BootstrapOptions): Promise<BootstrapResult> {
  const { io, provisioner } = options;
  const region = stateRegion(options.config);
  const { name, from } = chooseName(options);
  const ctx = { signal: options.signal };
  const inspection = await waiting(io, `Checking the state bucket ${name}`, () =>
    provisioner.inspect({ bucket: name, region }, ctx),
  );
  const key = options.config.infra.state.key;
  const state: S3StateSetting = {
    backend: 's3',
    bucket: name,
    region: inspection.region,
    ...(key !== undefined ? { key } : {}),
  };
  const base = {
    bucket: name,
    region: inspection.region,
    nameFrom: from,
    state,
    locking: STATE_LOCKING,
  };
  for (const s of inspection.settings) warnIfUnsupported(io, s);
  const pending = !inspection.exists || inspection.settings.some((s) => s.status === 'change');
  if (pending && !(await approved(options, inspection))) {
    io.notify({ level: 'warn', event: 'bootstrap-declined', message: 'Nothing was changed.' });
    return {
      ...base,
      created: false,
      changed: [],
      settings: inspection.settings,
      config: { file: options.configFile, status: 'not-written' },
      completed: false,
    };
  }
  const target = { bucket: name, region: inspection.region };
  const changed: ('bucket' | StateBucketSetting)[] = [];
  const settings: StateBucketSettingState[] = [];
  if (pending) {
    await waiting(io, `${inspection.exists ? 'Updating' : 'Creating'} the state bucket ${name}`, async () => {
      if (!inspection.exists) {
        await provisioner.create(target, ctx);
        changed.push('bucket');
      }
      // One at a time, in the provisioner's order (public access is blocked first).
      for (const before of inspection.settings) {
        if (before.status !== 'change') {
          settings.push(before);
          continue;
        }
        const after = await provisioner.set(target, before.setting, ctx);
        if (after.status === 'ok') changed.push(after.setting);
        warnIfUnsupported(io, after);
        settings.push(after);
      }
    });
  } else {
    settings.push(...inspection.settings);
  }
  io.notify({
    level: 'info',
    event: 'state-bucket-ready',
    message: changed.length
      ? `State bucket ${name} (${inspection.region}): ${inspection.exists ? 'updated' : 'created'} (${changed.join(', ')}).`
      : `State bucket ${name} (${inspection.region}) is already bootstrapped: nothing to change.`,
    data: { bucket: name, region: inspection.region, created: !inspection.exists, changes: changed },
  });
  let status: BootstrapResult['config']['status'] = 'not-written';
  if (options.writeConfig === true) {
    status = await writeStateSetting(options, state);
    if (status === 'written') {
      const where = options.envName ? `environments.${options.envName}.infra.state` : 'infra.state';
      io.notify({
        level: 'info',
        event: 'config-updated',
        message: `Wrote ${where} to ${options.configFile}.`,
        data: { file: options.configFile, path: where },
      });
    }
  }
  return {
    ...base,
    created: !inspection.exists,
    changed,
    settings,
    config: { file: options.configFile, status },
    completed: true,
  };
}
