import { canonical } from '../labels.js';
import type { ManifestObject, ServingConfig } from './input.js';
import { servingLabels, servingNames } from './names.js';

/** The label the Istio ingress gateway's pods carry (and its Gateway selects). */
export const INGRESS_GATEWAY_LABELS: Readonly<Record<string, string>> = { istio: 'ingressgateway' };

const NAMESPACE_NAME = 'kubernetes.io/metadata.name';

const inNamespaces = (names: readonly string[]) => ({
  namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME, operator: 'In', values: [...names] }] },
});

/**
 * networking.k8s.io/v1 NetworkPolicy of the serving pods: ingress to the serving port only from the
 * Istio ingress gateway's pods (deploy.ingressNamespaces) and from Prometheus (deploy.prometheusNamespace)
 * and, with an NLB (expose "loadbalancer", ip targets: sources are the NLB's addresses in the VPC), from
 * the VPC's CIDR. Egress is not restricted: the pods reach S3 or an S3-compatible endpoint on any port,
 * STS for IRSA, and an Istio sidecar needs istiod (15012); restricting it would break those and protect
 * little, as the pods hold no credential but their own role's.
 */
export function servingNetworkPolicy(config: ServingConfig): ManifestObject {
  const { deploy } = config;
  const ports = [{ port: config.serve.port, protocol: 'TCP' }];
  return canonical({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: servingNames(config).stable,
      namespace: config.cluster.servingNamespace,
      labels: servingLabels(config),
    },
    spec: {
      podSelector: { matchLabels: servingLabels(config) },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            {
              ...inNamespaces(deploy.ingressNamespaces),
              podSelector: { matchLabels: INGRESS_GATEWAY_LABELS },
            },
          ],
          ports,
        },
        { from: [inNamespaces([deploy.prometheusNamespace])], ports },
        ...(deploy.expose === 'loadbalancer'
          ? [{ from: [{ ipBlock: { cidr: config.infra.vpcCidr } }], ports }]
          : []),
      ],
    },
  });
}
