import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster } from '../../providers/kubernetes/cluster-factory.js';
import { loadConfig } from '../../src/config/load.js';
import type { ClusterClient, KubeObject } from '../../src/core/ports/cluster.js';
import { readStatus, type ServingStatus, type StatusReport } from '../../src/core/status/read.js';
import { renderServingStack, type ServingStackInput } from '../../src/manifests/serving/index.js';
import { apiClient, byName, type ApiClient } from '../kube/api.js';
import { irisProject, ok, projectRegistry, startServer } from '../serving/fixture.js';
import { startKubeServer, type KubeServer } from '../support/kube/index.js';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * `mlops status` against the Kubernetes API test server with Deployment pods that really run: the
 * serving stack of src/manifests (as deploy renders it) is applied, each pod runs the project's
 * `node serving/server.mjs` (the serving image's entry point) on its own port, and status reads what
 * each one serves through the API server's pod proxy.
 */

const IMAGE_REPOSITORY = 'registry.test:5000/iris-serving';
const NAMESPACE = 'serving';
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`;

const root = tempDir('mlops-status-');
let dir: string;
let kube: KubeServer;
let api: ApiClient;
let cluster: ClusterClient;
let env: Record<string, string>;

const stack = (input: Partial<ServingStackInput> = {}) =>
  renderServingStack({
    config: loadConfig({ cwd: dir }).config,
    image: `${IMAGE_REPOSITORY}:test`,
    apis: { monitoring: false, istio: true },
    replicas: 2,
    ...input,
  });

const applyAll = async (objects: readonly KubeObject[]) => {
  for (const object of objects) await cluster.apply(object);
};

const rolledOut = (name: string, replicas: number) =>
  api.until(`${DEPLOYMENTS}?${byName(name)}`, (d) => {
    const s = (d as { status?: { readyReplicas?: number; updatedReplicas?: number } }).status;
    return s?.readyReplicas === replicas && s.updatedReplicas === replicas;
  });

const status = async (args = '', extraEnv: Record<string, string> = env) => {
  const res = await runMlops(`status --json ${args}`, { cwd: dir, env: extraEnv });
  return { ...res, report: JSON.parse(res.stdout) as StatusReport };
};

const serving = (report: StatusReport) => report.serving as ServingStatus;

beforeAll(async () => {
  dir = await irisProject(root, 'iris', 2);
  kube = await startKubeServer({
    projectDir: dir,
    runDeploymentPods: true,
    probePeriodMs: 100,
    entrypoints: { [IMAGE_REPOSITORY]: ['node', 'serving/server.mjs'] },
    podEnv: { PATH: process.env.PATH ?? '', HOME: dir },
  });
  api = apiClient(kube);
  env = { KUBECONFIG: kube.kubeconfigPath };
  cluster = await openCluster({ cluster: {}, env });
  await cluster.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  await applyAll(stack());
  await rolledOut('iris-serving', 2);
  // the test server runs no HPA controller: what one would report
  await api.call(
    'PATCH',
    `/apis/autoscaling/v2/namespaces/${NAMESPACE}/horizontalpodautoscalers/iris-serving/status`,
    {
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          currentReplicas: 2,
          desiredReplicas: 2,
          currentMetrics: [
            { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35 } } },
          ],
        },
      },
    },
  );
}, 180_000);

afterAll(async () => {
  await api?.close();
  await kube?.close();
});

describe('mlops status', () => {
  it('--json: the aliases, no training Jobs, the Deployment healthy, the HPA, the in-cluster address', async () => {
    const { code, report } = await status();
    expect(code).toBe(0);
    expect(report.model).toBe('iris');
    expect(report.aliases).toEqual({ production: 'v1.0' });
    expect(report.training).toEqual({ jobs: [] });
    expect(report.cluster).toEqual({ context: 'mlops-dev', server: kube.url });
    const s = serving(report);
    expect(s.deployment).toMatchObject({
      name: 'iris-serving',
      namespace: NAMESPACE,
      desired: 2,
      updated: 2,
      ready: 2,
      available: 2,
      restarts: 0,
      rollout: 'complete',
      revision: '1',
      image: `${IMAGE_REPOSITORY}:test`,
      follows: 'alias-production',
    });
    expect(s.deployment?.lastRollout).toEqual(expect.any(String));
    expect(s.pods).toHaveLength(2);
    expect(s.pods.every((p) => p.ready && p.track === 'stable')).toBe(true);
    expect(s.hpa).toMatchObject({ name: 'iris-serving', current: 2, desired: 2, cpu: { current: 35 } });
    expect(s.canary).toBeNull();
    expect(s.address).toMatchObject({
      url: null,
      source: 'cluster-ip',
      service: `iris-serving.${NAMESPACE}.svc.cluster.local:80`,
    });
    expect(s.address?.hint).toContain('kubectl port-forward -n serving service/iris-serving');
    const human = await runMlops('status', { cwd: dir, env });
    expect(human.stdout).toContain('serving/iris-serving: rollout complete · revision 1');
    expect(human.stdout).toContain('2/2 ready · 2 updated · 2 available · 0 restarts');
    expect(human.stdout).toContain('Autoscaler: 2 replicas, wants 2');
  });

  it('each pod’s version is the one its real server answers through the pod proxy (core and CLI); a canary shows its version and weight', async () => {
    await applyAll(stack({ canary: { version: 'v1.1', weight: 10 } }));
    await rolledOut('iris-serving-canary', 1);
    const report = await readStatus({
      config: loadConfig({ cwd: dir }).config,
      registry: () => projectRegistry(dir),
      cluster: async () => cluster,
    });
    const s = serving(report);
    const byTrack = (track: string) => s.pods.filter((p) => p.track === track).map((p) => p.version);
    expect(byTrack('stable')).toEqual(['v1.0', 'v1.0']);
    expect(byTrack('canary')).toEqual(['v1.1']);
    // the CLI reads the same through its own cluster client's pod proxy
    const cli = (await runMlops(['status', '--json'], { cwd: dir, env })).json<typeof report>();
    const cliPods = serving(cli).pods;
    expect(cliPods.filter((p) => p.track === 'stable').map((p) => p.version)).toEqual(['v1.0', 'v1.0']);
    expect(cliPods.filter((p) => p.track === 'canary').map((p) => p.version)).toEqual(['v1.1']);
    expect(s.canary).toEqual({
      deployment: 'iris-serving-canary',
      version: 'v1.1',
      weight: 10,
      desired: 1,
      ready: 1,
    });
    // the CLI reads the same canary
    expect(serving((await status()).report).canary).toMatchObject({ version: 'v1.1', weight: 10 });
  });

  it('with no kubeconfig: the registry part only, the reason, exit 0', async () => {
    const { code, report } = await status('', {});
    expect(code).toBe(0);
    expect(report.aliases).toEqual({ production: 'v1.0' });
    expect(report.training).toBeNull();
    expect(report.serving).toBeNull();
    expect(report.cluster).toMatchObject({ error: { code: 'MLOPS_CLUSTER_E7101' } });
    const human = await runMlops('status', { cwd: dir, env: {} });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/production\s+v1\.0/);
    expect(human.stdout).toContain('Not shown: No kubeconfig');
  });
});

describe('mlops predict without --url', () => {
  it('sends to the Service’s LoadBalancer address when the deployment has one (said on stderr); --url still wins', async () => {
    const deployed = await startServer(dir); // serves production (v1.0), standing in for the load balancer
    const local = await startServer(dir);
    try {
      const { port } = deployed;
      const [service] = stack().filter((o) => o.kind === 'Service');
      await cluster.apply({
        ...service!,
        spec: {
          ...(service!.spec as object),
          type: 'LoadBalancer',
          ports: [{ name: 'http', port, protocol: 'TCP', targetPort: 'http' }],
        },
      });
      await api.call('PATCH', `/api/v1/namespaces/${NAMESPACE}/services/iris-serving/status`, {
        contentType: 'application/merge-patch+json',
        body: { status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } },
      });
      const res = ok(await runMlops(`predict --data [5.1,3.5,1.4,0.2]`, { cwd: dir, env }));
      expect(res.stderr).toContain(`Sending to the deployment at http://127.0.0.1:${port} (loadbalancer)`);
      expect(res.stdout).toContain(`http://127.0.0.1:${port}`);
      const report = (await status()).report;
      expect(serving(report).address).toMatchObject({
        url: `http://127.0.0.1:${port}`,
        source: 'loadbalancer',
      });
      const chosen = ok(
        await runMlops(`predict --url ${local.url} --data [5.1,3.5,1.4,0.2]`, { cwd: dir, env }),
      );
      expect(chosen.stderr).not.toContain('Sending to the deployment');
      expect(chosen.stdout).toContain(local.url);
    } finally {
      await deployed.stop();
      await local.stop();
    }
  });
});

describe('mlops status with partial access', () => {
  it('deployments forbidden: the aliases and the Jobs, the serving part says why', async () => {
    kube.forbid({ verb: 'get', resource: 'deployments', namespace: NAMESPACE });
    const { code, report } = await status();
    expect(code).toBe(0);
    expect(report.aliases).toEqual({ production: 'v1.0' });
    expect(report.training).toEqual({ jobs: [] });
    expect(report.serving).toMatchObject({ error: { code: 'MLOPS_CLUSTER_E7108' } });
    expect(kube.controllerErrors).toEqual([]);
  });
});
