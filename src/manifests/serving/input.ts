import type { MlopsConfig } from '../../config/schema.js';

/** The config sections the serving stack reads. */
export type ServingConfig = Pick<MlopsConfig, 'name' | 'region' | 'cluster' | 'serve' | 'deploy' | 'infra'>;

/** What a Deployment serves: the version an alias points to (followed: hot reload), or one version. */
export type ServedModel = { readonly alias: string } | { readonly version: string };

export interface Canary {
  /** A registry version such as v1.3 (the canary Deployment is pinned to it). */
  readonly version: string;
  /** Percent of the traffic the canary gets, 0-100; the stable Deployment gets the rest. */
  readonly weight: number;
}

/** Which optional API families the cluster serves (the caller reads discovery). */
export interface OptionalApis {
  /** monitoring.coreos.com/v1: ServiceMonitor, PrometheusRule (and then the Grafana dashboard). */
  readonly monitoring: boolean;
  /** networking.istio.io/v1: Gateway, VirtualService, DestinationRule. */
  readonly istio: boolean;
}

export interface ServingStackInput {
  readonly config: ServingConfig;
  /** `repository:tag` or `repository@sha256:…`, resolved by the caller. */
  readonly image: string;
  /** What the stable Deployment serves; default: follow `serve.alias`. */
  readonly model?: ServedModel;
  /** A second Deployment pinned to a version, and the Istio traffic split. Needs `apis.istio`. */
  readonly canary?: Canary;
  /** A `kubernetes.io/dockerconfigjson` Secret in the serving namespace the pods pull with. */
  readonly pullSecretName?: string;
  readonly apis: OptionalApis;
  /**
   * The stable Deployment's replicas; default cluster.replicas. When the HPA has scaled the live
   * Deployment, pass its current spec.replicas so that a re-deploy does not undo the autoscaler.
   */
  readonly replicas?: number;
  /** The `--env` the pods load their config with (MLOPS_ENV), e.g. production. */
  readonly env?: string;
  /** Grafana dashboard JSON (templates/monitoring/serving-dashboard.json); with `apis.monitoring`. */
  readonly dashboardJson?: string;
}

/** A Kubernetes object as plain JSON (structurally a KubeObject of core's cluster port). */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}
