import { describe, expect, it } from 'vitest';
import type { ManifestObject } from '../../src/manifests/serving/index.js';
import { find, NO_APIS, render, servingConfig, validate } from './serving-fixtures.js';

type Labels = Record<string, string>;
interface Route {
  destination: { host: string; port: { number: number }; subset?: string };
  weight?: number;
}
interface VirtualService {
  metadata: { name: string };
  spec: { hosts: string[]; gateways: string[]; http: { route: Route[] }[] };
}
interface Peer {
  namespaceSelector?: { matchExpressions: { key: string; operator: string; values: string[] }[] };
  podSelector?: { matchLabels: Labels };
  ipBlock?: { cidr: string };
}

const HOST = 'iris-serving.ml-serve.svc.cluster.local';
const kinds = (objects: readonly ManifestObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`);
const podLabels = (objects: readonly ManifestObject[], name: string) =>
  find<{ spec: { template: { metadata: { labels: Labels } } } }>(objects, 'Deployment', name).spec.template
    .metadata.labels;
const selects = (selector: Labels, labels: Labels) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('the Service and deploy.expose', () => {
  it('none (the default): ClusterIP on port 80 to the named pod port, no Istio routes', () => {
    const objects = render();
    expect(find(objects, 'Service')).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'iris-serving',
        namespace: 'ml-serve',
        labels: find<{ metadata: { labels: Labels } }>(objects, 'ServiceAccount').metadata.labels,
      },
      spec: {
        type: 'ClusterIP',
        selector: find<{ metadata: { labels: Labels } }>(objects, 'ServiceAccount').metadata.labels,
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }],
      },
    });
    expect(kinds(objects).filter((k) => /Gateway|VirtualService|DestinationRule/.test(k))).toEqual([]);
  });

  it('selects the stable and the canary pods alike (Istio splits them by subset)', () => {
    const objects = render({ canary: { version: 'v2', weight: 10 } });
    const selector = find<{ spec: { selector: Labels } }>(objects, 'Service').spec.selector;
    expect(selects(selector, podLabels(objects, 'iris-serving'))).toBe(true);
    expect(selects(selector, podLabels(objects, 'iris-serving-canary'))).toBe(true);
  });

  it('loadbalancer: type LoadBalancer with the AWS Load Balancer Controller NLB annotations', () => {
    const service = find<{ metadata: { annotations: Labels }; spec: { type: string } }>(
      render({ config: servingConfig({ expose: 'loadbalancer' }) }),
      'Service',
    );
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.metadata.annotations).toEqual({
      'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
      'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path': '/ready',
      'service.beta.kubernetes.io/aws-load-balancer-healthcheck-port': 'traffic-port',
      'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'http',
    });
    expect(() => validate(service as unknown as ManifestObject)).not.toThrow();
  });

  it('istio without TLS: a Gateway for deploy.hosts on HTTP 80 and a VirtualService to the Service', () => {
    const objects = render({ config: servingConfig({ expose: 'istio', hosts: ['iris.example.com'] }) });
    expect(find<{ spec: unknown }>(objects, 'Gateway').spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [{ hosts: ['iris.example.com'], port: { name: 'http', number: 80, protocol: 'HTTP' } }],
    });
    expect(find<VirtualService>(objects, 'VirtualService').spec).toEqual({
      gateways: ['iris-serving'],
      hosts: ['iris.example.com'],
      http: [{ route: [{ destination: { host: HOST, port: { number: 80 } } }] }],
    });
    expect(kinds(objects)).not.toContain('DestinationRule/iris-serving');
    for (const o of objects) expect(() => validate(o)).not.toThrow();
  });

  it('istio with deploy.tls.secretName: HTTPS 443 SIMPLE with that credential, HTTP redirects', () => {
    const gateway = find<{ spec: { servers: unknown[] } }>(
      render({ config: servingConfig({ expose: 'istio', tls: { secretName: 'iris-tls' } }) }),
      'Gateway',
    );
    expect(gateway.spec.servers).toEqual([
      { hosts: ['*'], port: { name: 'http', number: 80, protocol: 'HTTP' }, tls: { httpsRedirect: true } },
      {
        hosts: ['*'],
        port: { name: 'https', number: 443, protocol: 'HTTPS' },
        tls: { credentialName: 'iris-tls', mode: 'SIMPLE' },
      },
    ]);
    expect(() => validate(gateway as unknown as ManifestObject)).not.toThrow();
  });

  it('istio on a cluster without Istio: no Istio objects (the caller says so)', () => {
    const objects = render({
      apis: { monitoring: true, istio: false },
      config: servingConfig({ expose: 'istio' }),
    });
    expect(objects.some((o) => o.apiVersion.startsWith('networking.istio.io/'))).toBe(false);
  });
});

describe('a canary through Istio', () => {
  for (const weight of [0, 10, 50, 100]) {
    it(`at ${weight}%: routes sum to 100 and the subsets match the Deployments' pod labels`, () => {
      const objects = render({
        config: servingConfig({ expose: 'istio' }),
        canary: { version: 'v1.3', weight },
      });
      const rule = find<{ spec: { host: string; subsets: { name: string; labels: Labels }[] } }>(
        objects,
        'DestinationRule',
      );
      expect(rule.spec.host).toBe(HOST);
      const subset = (name: string) => rule.spec.subsets.find((s) => s.name === name)!.labels;
      const stablePods = podLabels(objects, 'iris-serving');
      const canaryPods = podLabels(objects, 'iris-serving-canary');
      expect(selects(subset('stable'), stablePods) && !selects(subset('stable'), canaryPods)).toBe(true);
      expect(selects(subset('canary'), canaryPods) && !selects(subset('canary'), stablePods)).toBe(true);
      expect(canaryPods).toMatchObject({ 'mlops.dev/version': 'v1.3', 'mlops.dev/track': 'canary' });
      for (const name of ['iris-serving', 'iris-serving-mesh']) {
        const route = find<VirtualService>(objects, 'VirtualService', name).spec.http[0]!.route;
        expect(route.map((r) => [r.destination.subset, r.weight])).toEqual([
          ['stable', 100 - weight],
          ['canary', weight],
        ]);
        expect(route.every((r) => r.destination.host === HOST)).toBe(true);
      }
      for (const o of objects) expect(() => validate(o)).not.toThrow();
    });
  }

  it('pins the canary Deployment (one replica, --version) and keeps the stable one following the alias', () => {
    const objects = render({ canary: { version: 'v1.3', weight: 10 } });
    const canary = find<{
      spec: {
        replicas: number;
        selector: { matchLabels: Labels };
        template: { spec: { containers: { args: string[] }[] } };
      };
    }>(objects, 'Deployment', 'iris-serving-canary');
    expect(canary.spec.replicas).toBe(1);
    expect(canary.spec.template.spec.containers[0]!.args).toEqual(['--version', 'v1.3']);
    expect(canary.spec.selector.matchLabels['mlops.dev/track']).toBe('canary');
    expect(podLabels(objects, 'iris-serving')['mlops.dev/version']).toBe('alias-production');
  });

  it('routes in-cluster callers through the mesh VirtualService by the Service name (no "*" host)', () => {
    const mesh = find<VirtualService>(render({ canary: { version: 'v2', weight: 20 } }), 'VirtualService');
    expect(mesh.metadata.name).toBe('iris-serving-mesh');
    expect(mesh.spec.gateways).toEqual(['mesh']);
    expect(mesh.spec.hosts).toEqual(['iris-serving', HOST]);
  });
});

describe('HorizontalPodAutoscaler', () => {
  it('is autoscaling/v2 on CPU utilisation of the stable Deployment, min from cluster.replicas', () => {
    const hpa = find<{ spec: unknown }>(render(), 'HorizontalPodAutoscaler');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'iris-serving' },
      minReplicas: 3,
      maxReplicas: 10,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    });
  });

  it('takes deploy.autoscaling, and never has max below min', () => {
    const custom = find<{ spec: { minReplicas: number; maxReplicas: number; metrics: unknown[] } }>(
      render({
        config: servingConfig({ autoscaling: { minReplicas: 2, maxReplicas: 4, targetCPUUtilization: 55 } }),
      }),
      'HorizontalPodAutoscaler',
    );
    expect([custom.spec.minReplicas, custom.spec.maxReplicas]).toEqual([2, 4]);
    expect(JSON.stringify(custom.spec.metrics)).toContain('"averageUtilization":55');
    const big = find<{ spec: { minReplicas: number; maxReplicas: number } }>(
      render({ config: servingConfig({}, { replicas: 12 }) }),
      'HorizontalPodAutoscaler',
    );
    expect([big.spec.minReplicas, big.spec.maxReplicas]).toEqual([12, 12]);
    expect(() => servingConfig({ autoscaling: { minReplicas: 5, maxReplicas: 4 } })).toThrow(/minReplicas/);
  });
});

describe('PodDisruptionBudget', () => {
  /** The disruption controller's arithmetic: evictions allowed with every pod healthy. */
  const allowed = (spec: { maxUnavailable?: number; minAvailable?: number }, pods: number) =>
    pods - (spec.minAvailable ?? pods - (spec.maxUnavailable ?? 0));

  it('lets a node drain evict one pod at a time at any replica count, the HPA scaled or not', () => {
    for (const replicas of [1, 2, 3, 10]) {
      const objects = render({ config: servingConfig({}, { replicas }) });
      const pdb = find<{
        spec: { maxUnavailable?: number; minAvailable?: number; selector: { matchLabels: Labels } };
      }>(objects, 'PodDisruptionBudget');
      expect(allowed(pdb.spec, replicas)).toBe(1);
      expect(allowed(pdb.spec, replicas + 5)).toBe(1);
      expect(selects(pdb.spec.selector.matchLabels, podLabels(objects, 'iris-serving'))).toBe(true);
    }
  });

  it('covers the canary too (a pod under two budgets could not be evicted) and lets unhealthy pods go', () => {
    const objects = render({ canary: { version: 'v2', weight: 10 } });
    const pdb = find<{ spec: { selector: { matchLabels: Labels }; unhealthyPodEvictionPolicy: string } }>(
      objects,
      'PodDisruptionBudget',
    );
    expect(selects(pdb.spec.selector.matchLabels, podLabels(objects, 'iris-serving-canary'))).toBe(true);
    expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget')).toHaveLength(1);
  });
});

describe('NetworkPolicy', () => {
  const policyOf = (objects: readonly ManifestObject[]) =>
    find<{
      spec: {
        podSelector: { matchLabels: Labels };
        policyTypes: string[];
        ingress: { from: Peer[]; ports: { port: number; protocol: string }[] }[];
      };
    }>(objects, 'NetworkPolicy').spec;

  it('allows exactly the ingress gateway pods and Prometheus, to the serving port only; egress is open', () => {
    const objects = render();
    const policy = policyOf(objects);
    expect(policy.policyTypes).toEqual(['Ingress']);
    expect(selects(policy.podSelector.matchLabels, podLabels(objects, 'iris-serving'))).toBe(true);
    const ports = [{ port: 8080, protocol: 'TCP' }];
    const namespaces = (values: string[]) => ({
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values }],
    });
    expect(policy.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: namespaces(['istio-ingress', 'istio-system']),
            podSelector: { matchLabels: { istio: 'ingressgateway' } },
          },
        ],
        ports,
      },
      { from: [{ namespaceSelector: namespaces(['monitoring']) }], ports },
    ]);
  });

  it('takes the namespaces from deploy, and admits the VPC (NLB ip targets) only for a LoadBalancer', () => {
    const custom = policyOf(
      render({
        config: servingConfig({
          ingressNamespaces: ['gw'],
          prometheusNamespace: 'prom',
          expose: 'loadbalancer',
        }),
      }),
    );
    expect(custom.ingress.map((rule) => rule.from)).toEqual([
      [
        {
          namespaceSelector: {
            matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['gw'] }],
          },
          podSelector: { matchLabels: { istio: 'ingressgateway' } },
        },
      ],
      [
        {
          namespaceSelector: {
            matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['prom'] }],
          },
        },
      ],
      [{ ipBlock: { cidr: '10.0.0.0/16' } }],
    ]);
    expect(policyOf(render({ apis: NO_APIS })).ingress).toHaveLength(2);
  });
});
