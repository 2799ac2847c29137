import { describe, expect, it } from 'vitest';
import {
  canaryWeight,
  servingAddress,
  type GatewayObject,
  type ServiceObject,
  type VirtualServiceObject,
} from '../../src/core/status/serving.js';

/** The address rules of `mlops status` and `predict` for the three exposures, and the canary's weight. */

const service = (spec: ServiceObject['spec'], status?: ServiceObject['status']): ServiceObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'iris-serving', namespace: 'serving' },
  spec,
  ...(status ? { status } : {}),
});

const clusterIp = service({ type: 'ClusterIP', ports: [{ port: 80 }] });

const gateway = (hosts: string[], protocol = 'HTTP', number = 80): GatewayObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { name: 'iris-serving', namespace: 'serving' },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number, protocol }, hosts }] },
});

const nlb = service(
  { type: 'LoadBalancer', ports: [{ port: 80 }] },
  { loadBalancer: { ingress: [{ hostname: 'k8s-istio-abc.elb.eu-west-1.amazonaws.com' }] } },
);

describe('the serving address', () => {
  it('a LoadBalancer Service with an ingress hostname or IP is the address (the port unless 80)', () => {
    expect(servingAddress(nlb, undefined, undefined)).toMatchObject({
      url: 'http://k8s-istio-abc.elb.eu-west-1.amazonaws.com',
      source: 'loadbalancer',
    });
    const ip = service(
      { type: 'LoadBalancer', ports: [{ port: 8080 }] },
      { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } },
    );
    expect(servingAddress(ip, undefined, undefined).url).toBe('http://203.0.113.7:8080');
  });

  it('a LoadBalancer still waiting for its address is in-cluster only, with the port-forward hint', () => {
    const pending = service({ type: 'LoadBalancer', ports: [{ port: 80 }] });
    expect(servingAddress(pending, undefined, undefined)).toEqual({
      url: null,
      source: 'cluster-ip',
      service: 'iris-serving.serving.svc.cluster.local:80',
      hint: 'kubectl port-forward -n serving service/iris-serving 8080:80, then mlops predict --url http://127.0.0.1:8080',
    });
  });

  it('Istio: the Gateway’s host (https with TLS), and where it must resolve; `*` is the gateway’s own address', () => {
    expect(servingAddress(clusterIp, gateway(['iris.example.com'], 'HTTPS', 443), nlb)).toEqual({
      url: 'https://iris.example.com',
      source: 'istio',
      service: 'iris.example.com',
      hint: 'iris.example.com must resolve to the ingress gateway at http://k8s-istio-abc.elb.eu-west-1.amazonaws.com',
    });
    expect(servingAddress(clusterIp, gateway(['*']), nlb).url).toBe(
      'http://k8s-istio-abc.elb.eu-west-1.amazonaws.com',
    );
    // an ingress gateway without an address yet: nothing external to name
    expect(servingAddress(clusterIp, gateway(['*']), service({ type: 'LoadBalancer' })).url).toBeNull();
  });
});

describe('the canary weight', () => {
  const vs = (route: { subset?: string; weight?: number }[]): VirtualServiceObject => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'iris-serving' },
    spec: {
      http: [
        {
          route: route.map((r) => ({
            destination: r.subset ? { subset: r.subset } : {},
            ...(r.weight === undefined ? {} : { weight: r.weight }),
          })),
        },
      ],
    },
  });

  it('is the weight of the routes to the canary subset; none without a split', () => {
    expect(
      canaryWeight([
        vs([
          { subset: 'stable', weight: 75 },
          { subset: 'canary', weight: 25 },
        ]),
      ]),
    ).toBe(25);
    expect(canaryWeight([vs([{}])])).toBeNull();
    expect(canaryWeight([])).toBeNull();
  });
});
