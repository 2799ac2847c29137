import { spawn } from 'node:child_process';
import {
  DestinationRule,
  Gateway,
  VirtualService,
} from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startKubeServer, type KubeObject, type KubeServer } from '../support/kube/index.js';
import { kindOf, type SchemaModel } from '../support/kube/kinds.js';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';
import { writeDeployProject } from './deploy-project.js';

/**
 * `mlops deploy` beyond one rollout, against the test server: the dry-run manifests (valid YAML, accepted
 * by `kubectl apply --server-side --dry-run=server`, valid for the Kubernetes schemas), prune by label,
 * a canary through Istio promoted and one aborted, and the pull secret of a private registry.
 */

interface Line {
  readonly event: string;
  readonly [field: string]: unknown;
}

const skipKubectl = missingTool('kubectl', ['version', '--client']);
const project = tempDir('mlops-deploy-stack-');
const TOKEN = 'ghp_secretTokenValue1234567890';
let kube: KubeServer;
let env: Record<string, string>;

beforeAll(async () => {
  writeDeployProject(project);
  kube = await startKubeServer({ projectDir: project });
  env = { KUBECONFIG: kube.kubeconfigPath };
  for (const _ of [1, 2]) {
    const trained = await runMlops('train --local --json', { cwd: project, env });
    expect(trained.code, trained.stderr).toBe(0);
  }
  expect((await deploy()).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await kube?.stop();
});

const deploy = (args = '', extraEnv: Record<string, string> = {}) =>
  runMlops(`deploy ${args} --json`.trim().split(/\s+/), { cwd: project, env: { ...env, ...extraEnv } });
const lines = (stdout: string): Line[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
const changedObjects = (stdout: string) =>
  lines(stdout)
    .filter((l) => l.event === 'applied' && l.changed === true)
    .map((l) => `${String(l.kind)}/${String(l.name)}`);

/** The model's serving objects of the kinds a canary touches, by label, as `Kind/name`. */
const servingObjects = () =>
  [
    { apiVersion: 'apps/v1', kind: 'Deployment' },
    { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule' },
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' },
  ]
    .flatMap((k) => kube.list({ ...k, namespace: 'serving' }).map((o) => ({ ...o, kind: k.kind })))
    .filter((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'iris')
    .map((o) => `${o.kind}/${o.metadata.name}`)
    .sort();

const meshWeights = () => {
  const vs = kube.get({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    namespace: 'serving',
    name: 'iris-serving-mesh',
  });
  const http = (vs?.spec as { http: { route: { destination: { subset: string }; weight: number }[] }[] })
    .http;
  return Object.fromEntries(http[0]!.route.map((r) => [r.destination.subset, r.weight]));
};

const production = async () => {
  const listed = await runMlops('models list --json', { cwd: project, env });
  return listed.json<{ aliases: Record<string, string> }>().aliases.production;
};

/** `kubectl …` with stdin, asynchronously (the test server runs in this process). */
const kubectl = (
  input: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn('kubectl', args, {
      env: { PATH: process.env.PATH ?? '', HOME: project, KUBECONFIG: kube.kubeconfigPath },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });

const CRD_MODELS: Record<string, SchemaModel> = {
  ServiceMonitor,
  PrometheusRule,
  DestinationRule,
  Gateway,
  VirtualService,
};

/** Validates with kubernetes-models (Istio's v1 objects against its v1beta1 schema, the same shape). */
function validate(object: KubeObject): void {
  const model = kindOf(object.apiVersion, object.kind)?.model ?? CRD_MODELS[object.kind];
  expect(model, `${object.apiVersion} ${object.kind}`).toBeDefined();
  const checked =
    object.apiVersion === 'networking.istio.io/v1'
      ? { ...object, apiVersion: 'networking.istio.io/v1beta1' }
      : object;
  model!.prototype.validate.call(checked);
}

describe('mlops deploy --dry-run --output', () => {
  it('prints YAML documents kubectl accepts (server-side dry run) and the schemas validate; the pull secret is redacted', async () => {
    const result = await runMlops(
      [
        'deploy',
        '--dry-run',
        '--output',
        'yaml',
        '--image',
        'ghcr.io/acme/iris-serving:a',
        '--canary',
        'v1.0',
        '--weight',
        '10',
      ],
      { cwd: project, env: { ...env, GITHUB_TOKEN: TOKEN } },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Server-side dry run against https:\/\/127\.0\.0\.1:\d+/);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(result.stdout + result.stderr).not.toContain(Buffer.from(`mlops:${TOKEN}`).toString('base64'));
    const documents = parseAllDocuments(result.stdout);
    for (const d of documents) expect(d.errors).toEqual([]);
    const objects = documents.map((d) => d.toJS() as KubeObject);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      expect.arrayContaining([
        'Namespace/serving',
        'Secret/iris-pull',
        'Deployment/iris-serving',
        'Deployment/iris-serving-canary',
        'DestinationRule/iris-serving',
        'VirtualService/iris-serving-mesh',
        'ServiceMonitor/iris-serving',
      ]),
    );
    for (const object of objects) validate(object);
    const secret = objects.find((o) => o.kind === 'Secret')!;
    expect(secret.metadata.annotations?.['mlops.dev/create-with']).toMatch(
      /^kubectl create secret docker-registry iris-pull/,
    );
    // nothing was applied: no canary, no secret
    expect(
      kube.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'serving',
        name: 'iris-serving-canary',
      }),
    ).toBeUndefined();
    expect(
      kube.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'serving', name: 'iris-pull' }),
    ).toBeUndefined();
    if (!skipKubectl) {
      // as the owner of these fields (mlops applied the stack before): another manager would conflict on the image
      const accepted = await kubectl(
        result.stdout,
        'apply',
        '--server-side',
        '--field-manager=mlops',
        '--dry-run=server',
        '-f',
        '-',
      );
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(accepted.stdout).toMatch(/deployment\.apps\/iris-serving serverside-applied \(server dry run\)/);
    }
  });

  it('--output json is a List; without a reachable cluster the render is client-side and says so', async () => {
    const result = await runMlops(['deploy', '--output', 'json'], {
      cwd: project,
      env: { KUBECONFIG: `${project}/no-such-kubeconfig` },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Client-side dry run \(rendered only/);
    const list = JSON.parse(result.stdout) as { kind: string; items: KubeObject[] };
    expect(list.kind).toBe('List');
    for (const object of list.items) validate(object);
  });
});

describe('mlops deploy --prune', () => {
  it("deletes this model's serving object that is no longer rendered and leaves another model's alone", async () => {
    const labels = (partOf: string) => ({
      'app.kubernetes.io/managed-by': 'mlops',
      'app.kubernetes.io/part-of': partOf,
      'app.kubernetes.io/component': 'serving',
    });
    const configMap = (name: string, partOf: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'serving', labels: labels(partOf) },
      data: { stale: 'yes' },
    });
    kube.apply(configMap('iris-serving-old', 'iris'), { manager: 'mlops' });
    kube.apply(configMap('iris2-serving-old', 'iris2'), { manager: 'mlops' });
    const result = await deploy('--prune');
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout).filter((l) => l.event === 'pruned')).toEqual([
      { event: 'pruned', kind: 'ConfigMap', name: 'iris-serving-old', namespace: 'serving' },
    ]);
    const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'serving', name });
    expect(kube.get(ref('iris-serving-old'))).toBeUndefined();
    expect(kube.get(ref('iris2-serving-old'))).toBeDefined();
    expect(
      kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'serving', name: 'iris-serving' }),
    ).toBeDefined();
  });
});

describe('mlops deploy --canary (Istio)', () => {
  const stableOnly = ['Deployment/iris-serving'];
  const withCanary = [
    'Deployment/iris-serving',
    'Deployment/iris-serving-canary',
    'DestinationRule/iris-serving',
    'VirtualService/iris-serving-mesh',
  ];

  it('10 % to v1.0, re-weighted to 20 % (only the split changes), then promoted: the alias moves, the canary goes', async () => {
    const started = await deploy('--canary v1.0 --weight 10');
    expect(started.code, started.stderr).toBe(0);
    expect(lines(started.stdout).find((l) => l.event === 'canary')).toMatchObject({
      action: 'started',
      version: 'v1.0',
      weight: 10,
    });
    expect(servingObjects()).toEqual(withCanary);
    expect(meshWeights()).toEqual({ stable: 90, canary: 10 });

    const weighted = await deploy('--canary v1.0 --weight 20');
    expect(weighted.code, weighted.stderr).toBe(0);
    expect(changedObjects(weighted.stdout)).toEqual(['VirtualService/iris-serving-mesh']);
    expect(meshWeights()).toEqual({ stable: 80, canary: 20 });

    const kept = await deploy();
    expect(kept.code, kept.stderr).toBe(0);
    expect(lines(kept.stdout).at(-1)).toMatchObject({
      event: 'deployed',
      changed: false,
      canary: { version: 'v1.0', weight: 20 },
    });

    const promoted = await deploy('--canary-promote');
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(lines(promoted.stdout).find((l) => l.event === 'promoted')).toMatchObject({ to: 'v1.0' });
    expect(await production()).toBe('v1.0');
    expect(servingObjects()).toEqual(stableOnly);
  });

  it('a canary aborted leaves the stable Deployment only, and the alias as it was', async () => {
    expect((await deploy('--canary v1.1 --weight 10')).code).toBe(0);
    expect(servingObjects()).toEqual(withCanary);
    const aborted = await deploy('--canary-abort');
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(lines(aborted.stdout).find((l) => l.event === 'canary')).toMatchObject({
      action: 'aborted',
      version: 'v1.1',
    });
    expect(servingObjects()).toEqual(stableOnly);
    expect(await production()).toBe('v1.0');
  });

  it('refuses to end a canary when none runs, and a version the registry lacks', async () => {
    const none = await deploy('--canary-abort');
    expect(none.code).toBe(2);
    expect(lines(none.stdout).at(-1)).toMatchObject({ error: { code: 'MLOPS_DEPLOY_E5213' } });
    const unknown = await deploy('--canary v9.9 --weight 10');
    expect(unknown.code).toBe(2);
    expect(lines(unknown.stdout).at(-1)).toMatchObject({ error: { code: 'MLOPS_DEPLOY_E5205' } });
  });
});

describe('pull secrets', () => {
  it('a GHCR image with GITHUB_TOKEN gets the iris-pull secret, referenced by the pods; the token is never printed', async () => {
    const result = await deploy('--image ghcr.io/acme/iris-serving:a', {
      GITHUB_TOKEN: TOKEN,
      GITHUB_ACTOR: 'octo',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(lines(result.stdout).find((l) => l.event === 'pull-secret')).toMatchObject({
      name: 'iris-pull',
      registry: 'ghcr.io',
      source: 'GITHUB_TOKEN',
    });
    const secret = kube.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'serving', name: 'iris-pull' })!;
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    const config = JSON.parse(
      Buffer.from((secret.data as Record<string, string>)['.dockerconfigjson']!, 'base64').toString(),
    ) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(config.auths['ghcr.io']!.auth, 'base64').toString()).toBe(`octo:${TOKEN}`);
    const deployment = kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'serving',
      name: 'iris-serving',
    })!;
    const pod = (deployment.spec as { template: { spec: { imagePullSecrets?: { name: string }[] } } })
      .template.spec;
    expect(pod.imagePullSecrets).toEqual([{ name: 'iris-pull' }]);
  });

  it('an ECR image needs none', async () => {
    const result = await deploy('--image 123456789012.dkr.ecr.us-east-1.amazonaws.com/iris-serving:a', {
      GITHUB_TOKEN: TOKEN,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout).some((l) => l.event === 'pull-secret')).toBe(false);
    const deployment = kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'serving',
      name: 'iris-serving',
    })!;
    const pod = (deployment.spec as { template: { spec: { imagePullSecrets?: { name?: string }[] } } })
      .template.spec;
    expect(pod.imagePullSecrets ?? []).toEqual([]);
  });
});
