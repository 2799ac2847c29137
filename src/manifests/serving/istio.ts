import { canonical } from '../labels.js';
import type { Canary, ManifestObject, ServingConfig } from './input.js';
import { servingLabels, servingNames, TRACK_LABEL, VERSION_LABEL, versionLabel } from './names.js';
import { INGRESS_GATEWAY_LABELS } from './network-policy.js';
import { SERVICE_PORT } from './service.js';

const ISTIO_NETWORKING = 'networking.istio.io/v1';

/** The mesh's name for the Service. */
const serviceHost = (config: ServingConfig) =>
  `${servingNames(config).stable}.${config.cluster.servingNamespace}.svc.cluster.local`;

const meta = (config: ServingConfig, name: string) => ({
  name,
  namespace: config.cluster.servingNamespace,
  labels: servingLabels(config),
});

/**
 * The Gateway on the Istio ingress gateway (expose "istio"): HTTP on 80 for deploy.hosts and, with
 * deploy.tls.secretName, HTTPS on 443 terminated with that Secret (then HTTP redirects to HTTPS).
 */
export function servingGateway(config: ServingConfig): ManifestObject {
  const { hosts, tls } = config.deploy;
  return canonical({
    apiVersion: ISTIO_NETWORKING,
    kind: 'Gateway',
    metadata: meta(config, servingNames(config).stable),
    spec: {
      selector: { ...INGRESS_GATEWAY_LABELS },
      servers: [
        {
          port: { number: 80, name: 'http', protocol: 'HTTP' },
          hosts: [...hosts],
          tls: tls.secretName ? { httpsRedirect: true } : undefined,
        },
        ...(tls.secretName
          ? [
              {
                port: { number: 443, name: 'https', protocol: 'HTTPS' },
                hosts: [...hosts],
                tls: { mode: 'SIMPLE', credentialName: tls.secretName },
              },
            ]
          : []),
      ],
    },
  });
}

/** The route to the Service: all of it, or split by weight between the stable and canary subsets. */
function route(config: ServingConfig, canary: Canary | undefined) {
  const destination = (subset?: string) => ({
    host: serviceHost(config),
    port: { number: SERVICE_PORT },
    subset,
  });
  if (!canary) return [{ destination: destination() }];
  return [
    { destination: destination('stable'), weight: 100 - canary.weight },
    { destination: destination('canary'), weight: canary.weight },
  ];
}

/** The VirtualService of the Gateway's hosts (expose "istio"), to the Service or split for a canary. */
export function gatewayVirtualService(config: ServingConfig, canary: Canary | undefined): ManifestObject {
  const name = servingNames(config).stable;
  return canonical({
    apiVersion: ISTIO_NETWORKING,
    kind: 'VirtualService',
    metadata: meta(config, name),
    spec: {
      hosts: [...config.deploy.hosts],
      gateways: [name],
      http: [{ route: route(config, canary) }],
    },
  });
}

/**
 * The VirtualService that splits in-cluster (mesh) callers of the Service while a canary runs. It is
 * its own object because a mesh-bound VirtualService may not have the Gateway's `*` host.
 */
export function meshVirtualService(config: ServingConfig, canary: Canary): ManifestObject {
  const names = servingNames(config);
  return canonical({
    apiVersion: ISTIO_NETWORKING,
    kind: 'VirtualService',
    metadata: meta(config, names.mesh),
    spec: {
      hosts: [names.stable, serviceHost(config)],
      gateways: ['mesh'],
      http: [{ route: route(config, canary) }],
    },
  });
}

/**
 * The DestinationRule that names the two subsets: `stable` by the track (its version label changes
 * with every deploy, and a rollout has both for a while), `canary` by the track and the canary's version.
 */
export function canaryDestinationRule(config: ServingConfig, canary: Canary): ManifestObject {
  return canonical({
    apiVersion: ISTIO_NETWORKING,
    kind: 'DestinationRule',
    metadata: meta(config, servingNames(config).stable),
    spec: {
      host: serviceHost(config),
      subsets: [
        { name: 'stable', labels: { [TRACK_LABEL]: 'stable' } },
        {
          name: 'canary',
          labels: { [TRACK_LABEL]: 'canary', [VERSION_LABEL]: versionLabel({ version: canary.version }) },
        },
      ],
    },
  });
}
