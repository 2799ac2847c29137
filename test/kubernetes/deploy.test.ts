import { execFile } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startKubeServer, type KubeObject, type KubeServer } from '../support/kube/index.js';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';
import { SERVING_REPOSITORY, writeDeployProject } from './deploy-project.js';

/**
 * `mlops deploy` end to end against the Kubernetes API test server: server-side apply, the rollout
 * followed with watches, a no-op second deploy, a new image rolling out, and each injected fault
 * diagnosed (exit 1, its code, the commands that recover); `kubectl rollout status` gives the same verdict.
 */

interface Line {
  readonly event: string;
  readonly [field: string]: unknown;
}

const skipKubectl = missingTool('kubectl', ['version', '--client']);
const project = tempDir('mlops-deploy-');
let kube: KubeServer;
let env: Record<string, string>;

beforeAll(async () => {
  writeDeployProject(project);
  kube = await startKubeServer({ projectDir: project });
  env = { KUBECONFIG: kube.kubeconfigPath };
}, 60_000);

afterAll(async () => {
  await kube?.stop();
});

beforeEach(() => kube.faults.clear());

const deploy = (args = '') => runMlops(`deploy ${args} --json`.trim().split(/\s+/), { cwd: project, env });
const lines = (stdout: string): Line[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

interface Failure {
  readonly event: string;
  readonly error: { readonly code: string; readonly message: string; readonly hint: string };
}
const failure = (stdout: string) => lines(stdout).at(-1) as unknown as Failure;

const deployment = () =>
  kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'serving', name: 'iris-serving' })!;
const replicaSets = () =>
  kube
    .list({ apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'serving' })
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.name === 'iris-serving'));
const specReplicas = (o: KubeObject) => (o.spec as { replicas: number }).replicas;
const image = (o: KubeObject) =>
  (o.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image;

const kubectl = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      'kubectl',
      args,
      {
        env: { PATH: process.env.PATH ?? '', HOME: project, KUBECONFIG: kube.kubeconfigPath },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('mlops deploy against the test server', () => {
  it('applies the stack and waits for the rollout (exit 0, rollout progress, deployed)', async () => {
    const result = await deploy();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const events = lines(result.stdout);
    const rollout = events.filter((l) => l.event === 'rollout');
    expect(rollout.length).toBeGreaterThan(0);
    expect(rollout.at(-1)).toMatchObject({ desired: 2, updated: 2, available: 2 });
    expect(events.at(-1)).toMatchObject({
      event: 'deployed',
      changed: true,
      deployment: 'iris-serving',
      namespace: 'serving',
      image: `${SERVING_REPOSITORY}:a`,
      follows: 'alias:production',
    });
    const applied = events
      .filter((l) => l.event === 'applied')
      .map((l) => `${String(l.kind)}/${String(l.name)}`);
    expect(applied).toEqual(
      expect.arrayContaining([
        'ServiceAccount/iris-serving',
        'Service/iris-serving',
        'Deployment/iris-serving',
      ]),
    );
    const d = deployment();
    expect(d.metadata.managedFields?.some((f) => f.manager === 'mlops' && f.operation === 'Apply')).toBe(
      true,
    );
    expect((d.status as { availableReplicas: number }).availableReplicas).toBe(2);
  });

  it('a second deploy changes nothing: same generation, same ReplicaSets, and says so', async () => {
    const generation = deployment().metadata.generation;
    const sets = replicaSets().map((rs) => rs.metadata.name);
    const result = await deploy();
    expect(result.code, result.stderr).toBe(0);
    const events = lines(result.stdout);
    expect(events.filter((l) => l.event === 'applied').every((l) => l.changed === false)).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'deployed', changed: false });
    expect(deployment().metadata.generation).toBe(generation);
    expect(replicaSets().map((rs) => rs.metadata.name)).toEqual(sets);
    const human = await runMlops(['deploy'], { cwd: project, env });
    expect(human.stdout).toMatch(/^Nothing changed: serving\/iris-serving is as rendered/);
  });

  it('a changed image rolls out: a new ReplicaSet with every replica, the old one scaled to 0', async () => {
    const before = replicaSets().map((rs) => rs.metadata.name);
    const result = await deploy(`--image ${SERVING_REPOSITORY}:b`);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout).at(-1)).toMatchObject({
      event: 'deployed',
      changed: true,
      image: `${SERVING_REPOSITORY}:b`,
    });
    const sets = replicaSets();
    const fresh = sets.filter((rs) => !before.includes(rs.metadata.name));
    expect(fresh).toHaveLength(1);
    expect(image(fresh[0]!)).toBe(`${SERVING_REPOSITORY}:b`);
    expect(specReplicas(fresh[0]!)).toBe(2);
    for (const old of sets.filter((rs) => before.includes(rs.metadata.name)))
      expect(specReplicas(old)).toBe(0);
  });

  it.each([
    [
      'imagePull',
      'c',
      'MLOPS_DEPLOY_E5207',
      /Cannot pull the serving image registry\.test:5000\/iris-serving:c/,
    ],
    ['crashLoop', 'd', 'MLOPS_DEPLOY_E5208', /keeps crashing \(\d+ restarts, last exit code 1\)/],
  ] as const)(
    'fault %s: its cause, exit 1, and the commands that go back',
    async (kind, tag, code, message) => {
      kube.faults.set({ kind, image: `${SERVING_REPOSITORY}:${tag}` });
      const result = await deploy(`--image ${SERVING_REPOSITORY}:${tag}`);
      expect(result.code).toBe(1);
      const failed = failure(result.stdout);
      expect(failed.event).toBe('failed');
      expect(failed.error.code).toBe(code);
      expect(failed.error.message).toMatch(message);
      expect(failed.error.hint).toContain(`mlops deploy --image ${SERVING_REPOSITORY}:b`);
      expect(failed.error.hint).toContain('mlops rollback');
    },
  );

  it('readiness never true: the progress deadline fails it with the last /ready answer; kubectl rollout status agrees', async () => {
    kube.faults.set({ kind: 'readinessNever', image: `${SERVING_REPOSITORY}:e` });
    const result = await deploy(`--image ${SERVING_REPOSITORY}:e`);
    expect(result.code).toBe(1);
    const failed = failure(result.stdout);
    expect(failed.error.code).toBe('MLOPS_DEPLOY_E5209');
    expect(failed.error.message).toMatch(
      /never became ready .* progress deadline of 10 s; the last \/ready answer: Readiness probe failed/,
    );
    expect(failed.error.hint).toContain('mlops rollback');
    if (!skipKubectl) {
      const status = await kubectl(
        'rollout',
        'status',
        'deployment/iris-serving',
        '-n',
        'serving',
        '--timeout=30s',
      );
      expect(status.code).not.toBe(0);
      expect(status.stderr).toMatch(/exceeded its progress deadline/);
    }
  });

  it('--timeout bounds the wait with its own message; the rollout goes on', async () => {
    kube.faults.set({ kind: 'readinessNever', image: `${SERVING_REPOSITORY}:f` });
    const result = await deploy(`--image ${SERVING_REPOSITORY}:f --timeout 1`);
    expect(result.code).toBe(1);
    const failed = failure(result.stdout);
    expect(failed.error.code).toBe('MLOPS_DEPLOY_E5211');
    expect(failed.error.message).toMatch(
      /did not finish within --timeout 1 s \(\d+ updated, \d+ ready, \d+ available of 2\)/,
    );
  });

  it.skipIf(skipKubectl)('kubectl rollout status agrees with a successful deploy', async () => {
    const result = await deploy(`--image ${SERVING_REPOSITORY}:b`);
    expect(result.code, result.stderr).toBe(0);
    const status = await kubectl(
      'rollout',
      'status',
      'deployment/iris-serving',
      '-n',
      'serving',
      '--timeout=30s',
    );
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/successfully rolled out/);
  });

  it('flags that cannot go together are a usage error (exit 2)', async () => {
    const both = await deploy('--alias production --version v1.0');
    expect(both.code).toBe(2);
    expect(lines(both.stdout).at(-1)).toMatchObject({ error: { code: 'MLOPS_DEPLOY_E5203' } });
    const weight = await deploy('--canary v1.0 --weight 0');
    expect(weight.code).toBe(2);
    expect(lines(weight.stdout).at(-1)).toMatchObject({ error: { code: 'MLOPS_DEPLOY_E5204' } });
  });
});
