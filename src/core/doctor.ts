import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../kernel/errors.js';
import { homeDir } from '../kernel/home.js';
import type { MlopsConfig } from '../config/schema.js';
import { workloadIdentities } from '../manifests/workload-identities.js';
import type { ClusterClient } from './ports/cluster.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** How to fix a miss. */
  readonly fix?: string;
}

export interface DoctorCheck {
  readonly name: string;
  run(): Promise<Omit<CheckResult, 'name'>>;
}

type Env = Readonly<Record<string, string | undefined>>;

function runTool(command: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 10_000 }, (error, stdout) =>
      resolve(error ? undefined : stdout.trim()),
    );
  });
}

export const nodeCheck = (version = process.versions.node): DoctorCheck => ({
  name: 'node',
  async run() {
    const [major = 0, minor = 0] = version.split('.').map(Number);
    const ok = major > 20 || (major === 20 && minor >= 19);
    return ok
      ? { status: 'ok', detail: `Node ${version}` }
      : {
          status: 'fail',
          detail: `Node ${version} is too old`,
          fix: 'Install Node 20.19 or newer (22 LTS recommended).',
        };
  },
});

export const backendCheck = (preferred: 'auto' | 'tensorflow' | 'wasm' | 'cpu' = 'auto'): DoctorCheck => ({
  name: 'ml backend',
  async run() {
    const { loadTf } = await import('../ml/index.js');
    const { backend } = await loadTf(preferred);
    return backend === 'tensorflow'
      ? { status: 'ok', detail: 'tfjs-node (native TensorFlow)' }
      : {
          status: 'ok',
          detail: `${backend} (portable${backend === 'cpu' ? ', slow' : ''})`,
          fix: 'Optional: npm install @tensorflow/tfjs-node for native speed where its library can be downloaded.',
        };
  },
});

/**
 * The cluster the kubeconfig points at: context and server, the server's version (reachable, and it
 * accepts our credentials), the model's namespaces and the training service account. No kubeconfig at
 * all is a warning (only the cluster commands need one); unreachable, 401, 403 and TLS fail.
 */
export const clusterCheck = (
  open: () => Promise<ClusterClient>,
  config?: Pick<MlopsConfig, 'name' | 'cluster'>,
): DoctorCheck => ({
  name: 'kubernetes',
  async run() {
    const cluster = await open().catch((error: unknown) => {
      if (MlopsError.is(error) && error.code === 'MLOPS_CLUSTER_E7101') return undefined;
      throw error;
    });
    if (!cluster) {
      return {
        status: 'warn',
        detail: 'no kubeconfig (needed by train on the cluster, deploy, status)',
        fix: 'On EKS: mlops infra kubeconfig (after mlops infra up); otherwise set KUBECONFIG.',
      };
    }
    const where = `context ${cluster.context} (${cluster.server}), Kubernetes ${await cluster.serverVersion()}`;
    if (!config) return { status: 'ok', detail: where };
    const { training, serving } = workloadIdentities(config);
    const namespaces = [...new Set([training.namespace, serving.namespace])];
    const present = await Promise.all(
      namespaces.map((name) => cluster.get({ apiVersion: 'v1', kind: 'Namespace', name })),
    );
    const trainingAccount =
      present[0] &&
      (await cluster.get({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        namespace: training.namespace,
        name: training.serviceAccount,
      }));
    const namespaceText = namespaces
      .map((name, i) => `${name} ${present[i] ? 'present' : 'created on first use'}`)
      .join(', ');
    return {
      status: 'ok',
      detail: `${where}; namespaces ${namespaceText}; service account ${training.serviceAccount} ${trainingAccount ? 'present' : 'created on first use'}`,
    };
  },
});

export const builderCheck = (): DoctorCheck => ({
  name: 'image builder',
  async run() {
    const [docker, buildah] = await Promise.all([
      runTool('docker', ['info', '--format', '{{.ServerVersion}}']),
      runTool('buildah', ['--version']),
    ]);
    const found = [docker && `docker ${docker}`, buildah].filter(Boolean);
    return found.length
      ? { status: 'ok', detail: found.join(', ') }
      : {
          status: 'warn',
          detail: 'no docker engine and no buildah (needed by mlops build)',
          fix: 'Install buildah (daemonless) or start a Docker engine.',
        };
  },
});

export const awsCheck = (env: Env): DoctorCheck => ({
  name: 'aws credentials',
  async run() {
    if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
      return { status: 'ok', detail: 'from AWS_ACCESS_KEY_ID (environment)' };
    if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return { status: 'ok', detail: 'web identity (IRSA / OIDC)' };
    const files = [
      env.AWS_SHARED_CREDENTIALS_FILE,
      env.AWS_CONFIG_FILE,
      path.join(homeDir(env), '.aws', 'credentials'),
      path.join(homeDir(env), '.aws', 'config'),
    ];
    const file = files.find((f) => f && existsSync(f));
    if (file) return { status: 'ok', detail: `profile ${env.AWS_PROFILE ?? 'default'} from ${file}` };
    return {
      status: 'warn',
      detail: 'none found (needed for s3:// registries, ECR and mlops infra)',
      fix: 'Run `aws configure` or `aws sso login`, or set AWS_PROFILE; in GitHub Actions use aws-actions/configure-aws-credentials.',
    };
  },
});

/** A check's verdict on an error: its message, and its hint as the fix when it is one of ours. */
export function checkFromError(
  error: unknown,
  status: 'warn' | 'fail' = 'fail',
  suffix = '',
): Omit<CheckResult, 'name'> {
  const detail = `${(error instanceof Error ? error.message : String(error)).split('\n').join('; ')}${suffix}`;
  return { status, detail, ...(MlopsError.is(error) && error.hint ? { fix: error.hint } : {}) };
}

/** Runs checks concurrently; a check that throws counts as failed with its message. */
export async function runDoctor(checks: readonly DoctorCheck[]): Promise<CheckResult[]> {
  return Promise.all(
    checks.map(async (check) => {
      try {
        return { name: check.name, ...(await check.run()) };
      } catch (error) {
        return { name: check.name, ...checkFromError(error) };
      }
    }),
  );
}
