import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthStacks } from '../../providers/aws/infra/synth.js';
import { ENV_VARS } from '../../src/config/env.js';
import { canonical } from '../../src/manifests/labels.js';
import {
  drainTiming,
  renderServingStack,
  SERVER_DRAIN_TIMEOUT_SECONDS,
  type ManifestObject,
} from '../../src/manifests/serving/index.js';
import { workloadIdentities } from '../../src/manifests/workload-identities.js';
import { parsePolicy } from '../infra/fixtures.js';
import { tempDir } from '../support/temp-dir.js';
import { find, IMAGE, NO_APIS, render, servingConfig, validate } from './serving-fixtures.js';

interface Container {
  name: string;
  image: string;
  args?: string[];
  env: { name: string; value: string }[];
  envFrom?: { secretRef: { name: string } }[];
  ports: { name: string; containerPort: number }[];
  startupProbe: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  lifecycle?: { preStop: { exec: { command: string[] } } };
  resources: unknown;
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string }[];
}
interface Probe {
  httpGet: { path: string; port: string };
  periodSeconds: number;
  failureThreshold: number;
}
interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  imagePullSecrets?: { name: string }[];
  securityContext: Record<string, unknown>;
  terminationGracePeriodSeconds: number;
  topologySpreadConstraints: Record<string, unknown>[];
  containers: Container[];
  volumes: { name: string; emptyDir?: object }[];
}
interface Deployment {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    replicas: number;
    progressDeadlineSeconds: number;
    strategy: unknown;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: PodSpec;
    };
  };
}

const stable = (objects: readonly ManifestObject[]) =>
  find<Deployment>(objects, 'Deployment', 'iris-serving');
const pod = (d: Deployment) => d.spec.template.spec;
const container = (d: Deployment) => pod(d).containers[0]!;
const envOf = (d: Deployment) => Object.fromEntries(container(d).env.map((e) => [e.name, e.value]));

const objects = render();

describe('renderServingStack', () => {
  it('renders the objects of DESIGN.md §10 in apply order, each valid for its schema', () => {
    const withCanary = render({
      canary: { version: 'v1.3', weight: 10 },
      config: servingConfig({ expose: 'istio' }),
    });
    expect(withCanary.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/iris-serving',
      'Service/iris-serving',
      'Deployment/iris-serving',
      'Deployment/iris-serving-canary',
      'HorizontalPodAutoscaler/iris-serving',
      'PodDisruptionBudget/iris-serving',
      'NetworkPolicy/iris-serving',
      'ServiceMonitor/iris-serving',
      'PrometheusRule/iris-serving',
      'ConfigMap/iris-serving-dashboard',
      'DestinationRule/iris-serving',
      'Gateway/iris-serving',
      'VirtualService/iris-serving',
      'VirtualService/iris-serving-mesh',
    ]);
    for (const object of withCanary) expect(() => validate(object)).not.toThrow();
    expect(new Set(withCanary.map((o) => o.metadata.namespace))).toEqual(new Set(['ml-serve']));
    for (const object of withCanary) {
      expect(object.metadata.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'mlops',
        'app.kubernetes.io/component': 'serving',
        'mlops.dev/model': 'iris',
      });
    }
  });

  it('leaves out the CRD families the cluster lacks (the core objects stay)', () => {
    const core = render({ apis: NO_APIS, config: servingConfig({ expose: 'istio' }) });
    expect(core.map((o) => o.kind)).toEqual([
      'ServiceAccount',
      'Service',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'NetworkPolicy',
    ]);
    expect(render({ dashboardJson: undefined }).map((o) => o.kind)).not.toContain('ConfigMap');
  });

  it('refuses a canary without Istio, or a weight outside 0-100, as a programming error', () => {
    expect(() => render({ apis: NO_APIS, canary: { version: 'v2', weight: 10 } })).toThrow(/needs Istio/);
    expect(() => render({ canary: { version: 'v2', weight: 101 } })).toThrow(/0-100/);
    expect(() => render({ canary: { version: 'v2', weight: 2.5 } })).toThrow(/0-100/);
  });

  it('is pure: the same input gives byte-identical objects, keys sorted (apiVersion, kind, metadata first)', () => {
    const again = render();
    expect(JSON.stringify(again)).toBe(JSON.stringify(objects));
    for (const object of objects) {
      expect(JSON.stringify(canonical(object))).toBe(JSON.stringify(object));
      expect(Object.keys(object).slice(0, 3)).toEqual(['apiVersion', 'kind', 'metadata']);
    }
    expect(JSON.stringify(objects)).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
  });
});

describe('the serving Deployment', () => {
  const deployment = stable(objects);

  it('is hardened: non-root uid 1000, read-only root, no escalation, no capabilities, RuntimeDefault seccomp', () => {
    expect(pod(deployment).securityContext).toEqual({
      fsGroup: 1000,
      runAsGroup: 1000,
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container(deployment).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsGroup: 1000,
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod(deployment).automountServiceAccountToken).toBe(false);
  });

  it('gives the read-only root an emptyDir at /tmp', () => {
    expect(container(deployment).volumeMounts).toEqual([{ mountPath: '/tmp', name: 'tmp' }]);
    expect(pod(deployment).volumes).toEqual([{ emptyDir: {}, name: 'tmp' }]);
  });

  it('runs as the identity the cluster stack trusts with the serving IRSA role', () => {
    const outDir = tempDir('mlops-serving-irsa-');
    const config = servingConfig();
    synthStacks({ config, outDir, stack: 'cluster', purpose: 'deploy', projectDir: outDir });
    const cluster = JSON.parse(
      readFileSync(path.join(outDir, 'stacks', 'cluster', 'cdk.tf.json'), 'utf8'),
    ) as {
      resource: { aws_iam_role: Record<string, { assume_role_policy: string }> };
    };
    const trust = parsePolicy(cluster.resource.aws_iam_role['serving-role']!.assume_role_policy) as {
      Statement: { Condition: { StringEquals: Record<string, string> } }[];
    };
    const identity = workloadIdentities(config).serving;
    expect([deployment.metadata.namespace, pod(deployment).serviceAccountName]).toEqual([
      identity.namespace,
      identity.serviceAccount,
    ]);
    expect(trust.Statement[0]!.Condition.StringEquals['${local.oidc_issuer_host}:sub']).toBe(
      `system:serviceaccount:ml-serve:iris-serving`,
    );
    const account = find<{ metadata: { name: string; namespace: string } }>(objects, 'ServiceAccount');
    expect(account.metadata).toMatchObject({ name: identity.serviceAccount, namespace: identity.namespace });
  });

  it('rolls out one new pod at a time without losing capacity, within the progress deadline', () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    expect(deployment.spec.progressDeadlineSeconds).toBe(600);
    const custom = stable(
      render({ config: servingConfig({ progressDeadlineSeconds: 120 }, { replicas: 5 }) }),
    );
    expect([custom.spec.replicas, custom.spec.progressDeadlineSeconds]).toEqual([5, 120]);
    expect(stable(render({ replicas: 7 })).spec.replicas).toBe(7);
  });

  it('probes /health for liveness and startup and /ready for readiness, on the named port', () => {
    const c = container(deployment);
    expect(c.ports).toEqual([{ containerPort: 8080, name: 'http', protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    // The startup probe, not the liveness probe, covers a slow first model load.
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(120);
  });

  it('sleeps in preStop, then drains, all within terminationGracePeriodSeconds', () => {
    for (const drainSeconds of [0, 10, 45]) {
      const d = stable(render({ config: servingConfig({ drainSeconds }) }));
      const preStop = d.spec.template.spec.containers[0]!.lifecycle?.preStop.exec.command;
      expect(preStop).toEqual(drainSeconds === 0 ? undefined : ['sleep', String(drainSeconds)]);
      // The kubelet counts the grace period from the preStop: sleep + the server's drain must fit.
      expect(pod(d).terminationGracePeriodSeconds).toBeGreaterThan(
        drainSeconds + SERVER_DRAIN_TIMEOUT_SECONDS,
      );
      expect(pod(d).terminationGracePeriodSeconds).toBe(
        drainTiming(drainSeconds).terminationGracePeriodSeconds,
      );
      // The sleep already covers the routing delay: the server's own drain delay is off.
      expect(envOf(d).DRAIN_DELAY_SECONDS).toBe('0');
    }
  });

  it('spreads across zones and hosts, as well as the cluster can', () => {
    const selector = deployment.spec.selector.matchLabels;
    expect(pod(deployment).topologySpreadConstraints).toEqual(
      ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
        labelSelector: { matchLabels: selector },
        matchLabelKeys: ['pod-template-hash'],
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: 'ScheduleAnyway',
      })),
    );
  });

  it('tells server.mjs to bind 0.0.0.0:<serve.port> and to follow serve.alias', () => {
    expect(envOf(deployment)).toEqual({
      AWS_REGION: 'us-east-1',
      DRAIN_DELAY_SECONDS: '0',
      HOST: '0.0.0.0',
      MLOPS_ALIAS: 'production',
      PORT: '8080',
    });
    expect(container(deployment).args).toBeUndefined();
    expect(container(deployment).image).toBe(IMAGE);
    expect(deployment.metadata.labels['mlops.dev/version']).toBe('alias-production');
  });

  it('uses the variable names server.mjs and the config loader read', () => {
    const entryPoint = readFileSync(
      path.join(import.meta.dirname, '..', '..', 'templates', 'serving', 'server.mjs'),
      'utf8',
    );
    for (const name of ['HOST', 'PORT', 'DRAIN_DELAY_SECONDS']) expect(entryPoint).toContain(`env.${name}`);
    expect(ENV_VARS.MLOPS_ALIAS?.path).toBe('serve.alias');
  });

  it('pins a version with --version and labels it, or follows another alias', () => {
    const pinned = stable(render({ model: { version: 'v1.2' }, env: 'production' }));
    expect(container(pinned).args).toEqual(['--version', 'v1.2']);
    expect(envOf(pinned).MLOPS_ALIAS).toBeUndefined();
    expect(envOf(pinned).MLOPS_ENV).toBe('production');
    expect(pinned.spec.template.metadata.labels['mlops.dev/version']).toBe('v1.2');
    const staging = stable(render({ model: { alias: 'staging/eu' } }));
    expect(envOf(staging).MLOPS_ALIAS).toBe('staging/eu');
    // A label value allows [A-Za-z0-9-_.] only.
    expect(staging.metadata.labels['mlops.dev/version']).toBe('alias-staging-eu');
    expect(() => validate(find(render({ model: { alias: 'staging/eu' } }), 'Deployment'))).not.toThrow();
  });

  it('selects its pods by component and track, never by the version (a selector is immutable)', () => {
    const selector = {
      'app.kubernetes.io/component': 'serving',
      'app.kubernetes.io/managed-by': 'mlops',
      'app.kubernetes.io/name': 'iris-serving',
      'app.kubernetes.io/part-of': 'iris',
      'mlops.dev/model': 'iris',
      'mlops.dev/track': 'stable',
    };
    expect(deployment.spec.selector.matchLabels).toEqual(selector);
    expect(stable(render({ model: { version: 'v9' } })).spec.selector.matchLabels).toEqual(selector);
    expect(deployment.spec.template.metadata.labels).toEqual({
      ...selector,
      'mlops.dev/version': 'alias-production',
    });
  });

  it('takes its resources from deploy.resources', () => {
    expect(container(deployment).resources).toEqual({
      limits: { cpu: '1', memory: '1Gi' },
      requests: { cpu: '250m', memory: '512Mi' },
    });
    const sized = stable(render({ config: servingConfig({ resources: { requests: { cpu: '2' } } }) }));
    expect(container(sized).resources).toEqual({
      limits: { cpu: '1', memory: '1Gi' },
      requests: { cpu: '2', memory: '512Mi' },
    });
  });

  it('references the pull secret only when one is given', () => {
    expect(pod(deployment).imagePullSecrets).toBeUndefined();
    const privateImage = render({ pullSecretName: 'iris-pull', canary: { version: 'v2', weight: 5 } });
    for (const d of privateImage.filter((o) => o.kind === 'Deployment') as unknown as Deployment[]) {
      expect(pod(d).imagePullSecrets).toEqual([{ name: 'iris-pull' }]);
    }
  });

  it('takes environment variables from deploy.secretEnv by the Secret name only, when one is set', () => {
    expect(container(deployment).envFrom).toBeUndefined();
    const rendered = render({ config: servingConfig({ secretEnv: 'iris-registry' }) });
    rendered.forEach(validate);
    expect(container(stable(rendered)).envFrom).toEqual([{ secretRef: { name: 'iris-registry' } }]);
  });

  it('carries prometheus.io annotations only when no ServiceMonitor scrapes it', () => {
    expect(deployment.spec.template.metadata.annotations).toBeUndefined();
    const annotated = stable(renderServingStack({ config: servingConfig(), image: IMAGE, apis: NO_APIS }));
    expect(annotated.spec.template.metadata.annotations).toEqual({
      'prometheus.io/path': '/metrics',
      'prometheus.io/port': '8080',
      'prometheus.io/scrape': 'true',
    });
  });
});
