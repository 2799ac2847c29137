import { canonical } from '../labels.js';
import { HTTP_PORT_NAME } from './deployment.js';
import type { ManifestObject, ServingConfig } from './input.js';
import { servingLabels, servingNames } from './names.js';

/** The Service's port (the pods listen on serve.port, 8080). */
export const SERVICE_PORT = 80;

const AWS_LB = 'service.beta.kubernetes.io/aws-load-balancer';

/**
 * The annotations that make the AWS Load Balancer Controller (not the in-tree cloud provider) give the
 * Service an internet-facing NLB sending to pod IPs, and health-check readiness so that a loading or
 * draining pod gets no traffic.
 */
export const NLB_ANNOTATIONS: Readonly<Record<string, string>> = {
  [`${AWS_LB}-type`]: 'external',
  [`${AWS_LB}-nlb-target-type`]: 'ip',
  [`${AWS_LB}-scheme`]: 'internet-facing',
  [`${AWS_LB}-healthcheck-protocol`]: 'http',
  [`${AWS_LB}-healthcheck-path`]: '/ready',
  [`${AWS_LB}-healthcheck-port`]: 'traffic-port',
};

/**
 * The Service in front of the stable and the canary pods (Istio splits between them by subset).
 * ClusterIP, or type LoadBalancer with an NLB when `deploy.expose` is "loadbalancer".
 */
export function servingService(config: ServingConfig): ManifestObject {
  const loadBalancer = config.deploy.expose === 'loadbalancer';
  return canonical({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: servingNames(config).stable,
      namespace: config.cluster.servingNamespace,
      labels: servingLabels(config),
      annotations: loadBalancer ? { ...NLB_ANNOTATIONS } : undefined,
    },
    spec: {
      type: loadBalancer ? 'LoadBalancer' : 'ClusterIP',
      selector: servingLabels(config),
      // The "http" name and appProtocol tell Istio the protocol; the ServiceMonitor scrapes by name.
      ports: [
        {
          name: HTTP_PORT_NAME,
          port: SERVICE_PORT,
          targetPort: HTTP_PORT_NAME,
          protocol: 'TCP',
          appProtocol: 'http',
        },
      ],
    },
  });
}
