import { componentLabels } from '../labels.js';
import type { ServedModel, ServingConfig } from './input.js';

/** The names of the serving stack's objects (all in cluster.servingNamespace). */
export interface ServingNames {
  /** Deployment, Service, HPA, PDB, NetworkPolicy, ServiceMonitor, PrometheusRule, Istio objects. */
  readonly stable: string;
  /** The canary Deployment, `<name>-serving-canary`. */
  readonly canary: string;
  /** The VirtualService of in-cluster (mesh) callers while a canary runs. */
  readonly mesh: string;
  /** The Grafana dashboard ConfigMap. */
  readonly dashboard: string;
}

export function servingNames(config: Pick<ServingConfig, 'name'>): ServingNames {
  const stable = `${config.name}-serving`;
  return { stable, canary: `${stable}-canary`, mesh: `${stable}-mesh`, dashboard: `${stable}-dashboard` };
}

export const VERSION_LABEL = 'mlops.dev/version';
export const TRACK_LABEL = 'mlops.dev/track';
export type Track = 'stable' | 'canary';

/**
 * The `mlops.dev/version` value of a Deployment: the pinned version, or `alias-<alias>` for one that
 * follows an alias. A label value is ≤ 63 of [A-Za-z0-9-_.], alphanumeric at both ends: other characters
 * become "-", and a long value is cut.
 */
export function versionLabel(model: ServedModel): string {
  const raw = 'version' in model ? model.version : `alias-${model.alias}`;
  const value = raw
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return value === '' ? 'unknown' : value;
}

/** The labels every serving object carries (and the Service, PDB, NetworkPolicy select by). */
export const servingLabels = (config: Pick<ServingConfig, 'name'>): Record<string, string> =>
  componentLabels(config.name, 'serving');

/** A Deployment's selector: the component and the track, never the version (a selector is immutable). */
export const trackSelector = (config: Pick<ServingConfig, 'name'>, track: Track): Record<string, string> => ({
  ...servingLabels(config),
  [TRACK_LABEL]: track,
});

/** The labels of a Deployment and its pods. */
export const podLabels = (
  config: Pick<ServingConfig, 'name'>,
  track: Track,
  model: ServedModel,
): Record<string, string> => ({ ...trackSelector(config, track), [VERSION_LABEL]: versionLabel(model) });
