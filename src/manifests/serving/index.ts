/**
 * The serving stack of DESIGN.md §10 (`mlops deploy`): pure functions from the config and the caller's
 * choices (image, model, canary, pull secret, which optional APIs the cluster has) to the objects to
 * apply, in apply order. Same input, same objects, keys sorted.
 */
import { serviceAccountObject } from '../service-account.js';
import { servingAutoscaler, servingDisruptionBudget } from './availability.js';
import { servingDeployment } from './deployment.js';
import type { ManifestObject, ServingStackInput } from './input.js';
import { canaryDestinationRule, gatewayVirtualService, meshVirtualService, servingGateway } from './istio.js';
import { servingDashboard, servingPrometheusRule, servingServiceMonitor } from './monitoring.js';
import { servingNetworkPolicy } from './network-policy.js';
import { servingService } from './service.js';

export type {
  Canary,
  ManifestObject,
  OptionalApis,
  ServedModel,
  ServingConfig,
  ServingStackInput,
} from './input.js';
export {
  servingNames,
  versionLabel,
  TRACK_LABEL,
  VERSION_LABEL,
  type ServingNames,
  type Track,
} from './names.js';
export {
  pullSecret,
  redactedPullSecret,
  CREATE_WITH_ANNOTATION,
  type PullSecretInput,
  type PullSecretObject,
} from '../pull-secret.js';
export { drainTiming, SERVER_DRAIN_TIMEOUT_SECONDS, SERVING_CONTAINER } from './deployment.js';
export { replicaBounds } from './availability.js';
export { SERVICE_PORT } from './service.js';
export { SERVING_DASHBOARD_TEMPLATE } from './monitoring.js';

/**
 * Every object of the serving stack, in apply order: ServiceAccount, Service, the stable Deployment
 * (and the canary's), HPA, PDB, NetworkPolicy; with `apis.monitoring` the ServiceMonitor, the
 * PrometheusRule and (given `dashboardJson`) the dashboard ConfigMap; with `apis.istio` the
 * DestinationRule (before the routes that name its subsets), and the Gateway and VirtualService
 * (expose "istio") and the mesh VirtualService (canary). Objects of an absent API family are left out:
 * the caller says so. A canary without `apis.istio`, or a weight outside 0-100, is a programming error
 * (throws): the caller refuses first with its own MlopsError.
 */
export function renderServingStack(input: ServingStackInput): ManifestObject[] {
  const { config, canary, apis } = input;
  if (canary && !apis.istio) throw new Error('a canary needs Istio: check apis.istio before rendering one');
  if (canary && !(Number.isInteger(canary.weight) && canary.weight >= 0 && canary.weight <= 100)) {
    throw new Error(`canary weight must be an integer 0-100, got ${canary.weight}`);
  }
  const istioGateway = apis.istio && config.deploy.expose === 'istio';
  const deployment = (track: 'stable' | 'canary') =>
    servingDeployment({
      config,
      track,
      image: input.image,
      model:
        track === 'canary' && canary
          ? { version: canary.version }
          : (input.model ?? { alias: config.serve.alias }),
      replicas: track === 'canary' ? 1 : (input.replicas ?? config.cluster.replicas),
      pullSecretName: input.pullSecretName,
      env: input.env,
      scrapeAnnotations: !apis.monitoring,
    });
  return [
    serviceAccountObject(config, 'serving'),
    servingService(config),
    deployment('stable'),
    ...(canary ? [deployment('canary')] : []),
    servingAutoscaler(config),
    servingDisruptionBudget(config),
    servingNetworkPolicy(config),
    ...(apis.monitoring ? [servingServiceMonitor(config), servingPrometheusRule(config)] : []),
    ...(apis.monitoring && input.dashboardJson !== undefined
      ? [servingDashboard(config, input.dashboardJson)]
      : []),
    ...(canary ? [canaryDestinationRule(config, canary)] : []),
    ...(istioGateway ? [servingGateway(config), gatewayVirtualService(config, canary)] : []),
    ...(canary ? [meshVirtualService(config, canary)] : []),
  ];
}
