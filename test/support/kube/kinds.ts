import { Deployment, ReplicaSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Event, Namespace, Pod, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';

/** kubernetes-models' way in to its schema: `validate()` runs the compiled JSON schema on `this`. */
export interface SchemaModel {
  prototype: { validate(this: unknown): void };
}

/** One resource the test server serves: how discovery lists it, and how its objects are checked. */
export interface Kind {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly subresources: readonly ('status' | 'log')[];
  /** kubernetes-models class; absent for the monitoring and Istio kinds, which get a light check. */
  readonly model?: SchemaModel;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const kind = (
  groupVersion: string,
  resource: string,
  kindName: string,
  options: { namespaced?: boolean; shortNames?: string[]; status?: boolean; model?: SchemaModel } = {},
): Kind => {
  const [group, version] = groupVersion.includes('/') ? groupVersion.split('/') : ['', groupVersion];
  return {
    group: group ?? '',
    version: version ?? 'v1',
    resource,
    singular: kindName.toLowerCase(),
    kind: kindName,
    namespaced: options.namespaced ?? true,
    shortNames: options.shortNames ?? [],
    subresources: [
      ...(options.status ? ['status' as const] : []),
      ...(resource === 'pods' ? ['log' as const] : []),
    ],
    ...(options.model ? { model: options.model } : {}),
  };
};

export const KINDS: readonly Kind[] = [
  kind('v1', 'namespaces', 'Namespace', {
    namespaced: false,
    shortNames: ['ns'],
    status: true,
    model: Namespace,
  }),
  kind('v1', 'pods', 'Pod', { shortNames: ['po'], status: true, model: Pod }),
  kind('v1', 'services', 'Service', { shortNames: ['svc'], status: true, model: Service }),
  kind('v1', 'serviceaccounts', 'ServiceAccount', { shortNames: ['sa'], model: ServiceAccount }),
  kind('v1', 'configmaps', 'ConfigMap', { shortNames: ['cm'], model: ConfigMap }),
  kind('v1', 'secrets', 'Secret', { model: Secret }),
  kind('v1', 'events', 'Event', { shortNames: ['ev'], model: Event }),
  kind('apps/v1', 'deployments', 'Deployment', { shortNames: ['deploy'], status: true, model: Deployment }),
  kind('apps/v1', 'replicasets', 'ReplicaSet', { shortNames: ['rs'], status: true, model: ReplicaSet }),
  kind('batch/v1', 'jobs', 'Job', { status: true, model: Job }),
  kind('autoscaling/v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', {
    shortNames: ['hpa'],
    status: true,
    model: HorizontalPodAutoscaler,
  }),
  kind('policy/v1', 'poddisruptionbudgets', 'PodDisruptionBudget', {
    shortNames: ['pdb'],
    status: true,
    model: PodDisruptionBudget,
  }),
  kind('networking.k8s.io/v1', 'networkpolicies', 'NetworkPolicy', {
    shortNames: ['netpol'],
    model: NetworkPolicy,
  }),
  kind('monitoring.coreos.com/v1', 'servicemonitors', 'ServiceMonitor', { shortNames: ['smon'] }),
  kind('monitoring.coreos.com/v1', 'prometheusrules', 'PrometheusRule', { shortNames: ['promrule'] }),
  kind('networking.istio.io/v1', 'virtualservices', 'VirtualService', { shortNames: ['vs'] }),
  kind('networking.istio.io/v1', 'destinationrules', 'DestinationRule', { shortNames: ['dr'] }),
  kind('networking.istio.io/v1', 'gateways', 'Gateway', { shortNames: ['gw'] }),
];

export const groupVersion = (k: Kind): string => (k.group ? `${k.group}/${k.version}` : k.version);

export const kindByResource = (group: string, version: string, resource: string): Kind | undefined =>
  KINDS.find((k) => k.group === group && k.version === version && k.resource === resource);

export const kindOf = (apiVersion: string, kindName: string): Kind | undefined =>
  KINDS.find((k) => groupVersion(k) === apiVersion && k.kind === kindName);

/** Looks a kind up by name; the controllers use it for the kinds they know exist. */
export function mustKind(kindName: string): Kind {
  const found = KINDS.find((k) => k.kind === kindName);
  if (!found) throw new Error(`unknown kind ${kindName}`);
  return found;
}

/** The APIResourceList entries of one group version, subresources included, as discovery serves them. */
export function apiResources(group: string, version: string): Record<string, unknown>[] {
  return KINDS.filter((k) => k.group === group && k.version === version).flatMap((k) => [
    {
      name: k.resource,
      singularName: k.singular,
      namespaced: k.namespaced,
      kind: k.kind,
      verbs: VERBS,
      ...(k.shortNames.length ? { shortNames: k.shortNames } : {}),
      ...(['pods', 'deployments', 'services', 'jobs', 'replicasets'].includes(k.resource)
        ? { categories: ['all'] }
        : {}),
    },
    ...k.subresources.map((sub) => ({
      name: `${k.resource}/${sub}`,
      singularName: '',
      namespaced: k.namespaced,
      kind: sub === 'log' ? 'Pod' : k.kind,
      verbs: sub === 'log' ? ['get'] : ['get', 'patch', 'update'],
    })),
  ]);
}
