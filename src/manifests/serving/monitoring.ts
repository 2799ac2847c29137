import { createHash } from 'node:crypto';
import { canonical } from '../labels.js';
import { HTTP_PORT_NAME } from './deployment.js';
import type { ManifestObject, ServingConfig } from './input.js';
import { servingLabels, servingNames } from './names.js';

/** The templates/ file the caller reads and passes as `dashboardJson`. */
export const SERVING_DASHBOARD_TEMPLATE = 'monitoring/serving-dashboard.json';

/** The label Grafana's dashboard sidecar (kube-prometheus-stack) loads ConfigMaps by. */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

/**
 * monitoring.coreos.com/v1 ServiceMonitor: Prometheus scrapes `/metrics` on the Service's named port of
 * every serving pod (stable and canary) every 15 s. Its series carry `job` = the Service's name and
 * `namespace`, which the rules and the dashboard select by.
 */
export function servingServiceMonitor(config: ServingConfig): ManifestObject {
  const namespace = config.cluster.servingNamespace;
  return canonical({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: servingNames(config).stable, namespace, labels: servingLabels(config) },
    spec: {
      selector: { matchLabels: servingLabels(config) },
      namespaceSelector: { matchNames: [namespace] },
      endpoints: [{ port: HTTP_PORT_NAME, path: '/metrics', interval: '15s', scheme: 'http' }],
    },
  });
}

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'warning' | 'critical' };
  readonly annotations: { readonly summary: string; readonly description: string };
}

/**
 * The alert rules on the contract metrics of DESIGN.md §5 (the delivery-and-monitoring issue owns their
 * thresholds): 5xx share, p99 latency, a pod up without a model, failed hot reloads, feature drift
 * (PSI > 0.2, the conventional alarm).
 */
export function servingAlertRules(config: ServingConfig): AlertRule[] {
  const svc = servingNames(config).stable;
  const sel = `job="${svc}",namespace="${config.cluster.servingNamespace}"`;
  const rule = (
    alert: string,
    expr: string,
    duration: string,
    severity: 'warning' | 'critical',
    summary: string,
    description: string,
  ): AlertRule => ({
    alert,
    expr,
    for: duration,
    labels: { severity },
    annotations: { summary, description },
  });
  return [
    rule(
      'MlopsServingHigh5xxRate',
      `sum(rate(ml_requests_total{${sel},status=~"5.."}[5m])) / sum(rate(ml_requests_total{${sel}}[5m])) > 0.05`,
      '5m',
      'critical',
      `${config.name}: more than 5% of requests fail with 5xx`,
      'The share of 5xx answers is {{ $value | humanizePercentage }} over 5 minutes.',
    ),
    rule(
      'MlopsServingHighLatencyP99',
      `histogram_quantile(0.99, sum by (le) (rate(ml_request_duration_seconds_bucket{${sel}}[5m]))) > 0.5`,
      '10m',
      'warning',
      `${config.name}: p99 latency above 500 ms`,
      'The 99th percentile of request duration is {{ $value | humanizeDuration }}.',
    ),
    rule(
      'MlopsServingNoModelLoaded',
      `(up{${sel}} == 1) unless on (pod) (max by (pod) (ml_model_info{${sel}}) == 1)`,
      '10m',
      'critical',
      `${config.name}: a serving pod has no model loaded`,
      'Pod {{ $labels.pod }} answers scrapes but serves no model: see its log and the registry alias.',
    ),
    rule(
      'MlopsServingReloadFailures',
      `sum by (pod) (increase(ml_model_reloads_total{${sel},result="error"}[15m])) > 0`,
      '0m',
      'warning',
      `${config.name}: hot reload of a new model version failed`,
      'Pod {{ $labels.pod }} failed to load a new version and keeps the old one.',
    ),
    rule(
      'MlopsServingFeatureDrift',
      `max by (feature) (ml_feature_drift{${sel}}) > 0.2`,
      '30m',
      'warning',
      `${config.name}: feature drift above 0.2 (PSI)`,
      'Feature {{ $labels.feature }} drifted from its training baseline (PSI {{ $value }}): consider retraining.',
    ),
  ];
}

/** monitoring.coreos.com/v1 PrometheusRule holding servingAlertRules. */
export function servingPrometheusRule(config: ServingConfig): ManifestObject {
  const name = servingNames(config).stable;
  return canonical({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name, namespace: config.cluster.servingNamespace, labels: servingLabels(config) },
    spec: { groups: [{ name, rules: servingAlertRules(config) }] },
  });
}

interface DashboardVariable {
  readonly name?: unknown;
  readonly [field: string]: unknown;
}

/** Grafana uids are at most 40 characters: a long model name gets a hash suffix. */
function dashboardUid(model: string): string {
  const uid = `mlops-${model}-serving`;
  if (uid.length <= 40) return uid;
  return `${uid.slice(0, 31)}-${createHash('sha256').update(model).digest('hex').slice(0, 8)}`;
}

/**
 * The Grafana dashboard ConfigMap (label `grafana_dashboard: "1"`, which the sidecar picks up in every
 * namespace). The template's constant variables `namespace` and `job` are set to this model's, and its
 * uid and title made the model's, so that several models' dashboards live side by side.
 */
export function servingDashboard(config: ServingConfig, dashboardJson: string): ManifestObject {
  const names = servingNames(config);
  const template = JSON.parse(dashboardJson) as {
    readonly templating?: { readonly list?: readonly DashboardVariable[] };
    readonly [field: string]: unknown;
  };
  const constants: Record<string, string> = { namespace: config.cluster.servingNamespace, job: names.stable };
  const list = (template.templating?.list ?? []).map((variable) => {
    const value = typeof variable.name === 'string' ? constants[variable.name] : undefined;
    if (value === undefined) return variable;
    return { ...variable, query: value, current: { text: value, value } };
  });
  const dashboard = {
    ...template,
    uid: dashboardUid(config.name),
    title: `${config.name} serving`,
    templating: { ...template.templating, list },
  };
  return canonical({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: names.dashboard,
      namespace: config.cluster.servingNamespace,
      labels: { ...servingLabels(config), [GRAFANA_DASHBOARD_LABEL]: '1' },
    },
    data: { [`${names.stable}.json`]: `${JSON.stringify(dashboard, null, 2)}\n` },
  });
}
