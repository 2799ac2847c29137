/**
 * Where the deployed model answers: read by `mlops status` and by `mlops predict` (no --url) alike, so
 * both name the same address.
 */
import type { MlopsConfig } from '../../config/schema.js';
import { MlopsError } from '../../kernel/errors.js';
import { servingNames } from '../../manifests/serving/names.js';
import { workloadIdentities } from '../../manifests/workload-identities.js';
import type { ClusterClient } from '../ports/cluster.js';
import { servingAddress, type GatewayObject, type ServiceObject, type ServingAddress } from './serving.js';

/** Where the Istio ingress gateway's Service lives (the istio/gateway chart's and the classic default). */
const INGRESS_NAMESPACES = ['istio-ingress', 'istio-system'];

/** Absent when it does not exist or cannot be read (an optional part: HPA, Istio, the ingress gateway). */
export async function optional<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (MlopsError.is(error)) return undefined;
    throw error;
  }
}

/** The serving Service's address (see servingAddress); null when there is no Service. */
export async function readAddress(
  cluster: ClusterClient,
  config: Pick<MlopsConfig, 'name' | 'cluster'>,
  signal?: AbortSignal,
): Promise<ServingAddress | null> {
  const namespace = workloadIdentities(config).serving.namespace;
  const name = servingNames(config).stable;
  const [service, gateway] = await Promise.all([
    cluster.get<ServiceObject>({ apiVersion: 'v1', kind: 'Service', namespace, name }, signal),
    optional(
      cluster.get<GatewayObject>(
        { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', namespace, name },
        signal,
      ),
    ),
  ]);
  if (!service) return null;
  const ingress = gateway ? await ingressGateway(cluster, gateway, signal) : undefined;
  return servingAddress(service, gateway, ingress);
}

/** The Service of the Istio ingress gateway the Gateway selects, in istio-ingress or istio-system. */
async function ingressGateway(
  cluster: ClusterClient,
  gateway: GatewayObject,
  signal: AbortSignal | undefined,
): Promise<ServiceObject | undefined> {
  const labelSelector = Object.entries(gateway.spec?.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  if (!labelSelector) return undefined;
  for (const namespace of INGRESS_NAMESPACES) {
    const found = await optional(
      cluster.list<ServiceObject>(
        { apiVersion: 'v1', kind: 'Service', namespace },
        { labelSelector, signal },
      ),
    );
    const service = found?.items.find((s) => s.spec?.type === 'LoadBalancer') ?? found?.items[0];
    if (service) return service;
  }
  return undefined;
}

/**
 * The URL predict sends to when no --url is given: the deployed model's external address, when a
 * serving Deployment exists and its Service (or the Istio gateway) has one; otherwise undefined.
 */
export async function deployedUrl(
  cluster: ClusterClient,
  config: Pick<MlopsConfig, 'name' | 'cluster'>,
  signal?: AbortSignal,
): Promise<ServingAddress | undefined> {
  const namespace = workloadIdentities(config).serving.namespace;
  const [deployment, address] = await Promise.all([
    cluster.get(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: servingNames(config).stable },
      signal,
    ),
    readAddress(cluster, config, signal),
  ]);
  return deployment && address?.url ? address : undefined;
}
