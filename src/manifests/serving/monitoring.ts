import { createHash } from 'node:crypto';
import { canonical, componentSelector } from '../labels.js';
import { HTTP_PORT_NAME, SERVING_CONTAINER } from './deployment.js';
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

/**
 * The alert thresholds, in one place. The dashboard template draws the same values as threshold lines
 * (test/monitoring/dashboard.test.ts holds the two together).
 */
export const ALERT_THRESHOLDS = {
  /** 5xx share of prediction requests: client retries hide a few failures, 5 % reach callers. */
  errorRatio: 0.05,
  /** p99 prediction latency (s): a batched small model answers in milliseconds; 0.5 s means saturation. */
  latencyP99Seconds: 0.5,
  /** PSI of a feature or of the predicted classes: above 0.2 is the conventional "significant shift". */
  psi: 0.2,
  /** Fewer rows in a pod's drift window make PSI noise (10 bins → 50 expected rows per bin at 500). */
  driftMinRows: 500,
  /** Container restarts per pod in the restart window: one OOM kill is tolerated, a crash loop is not. */
  restarts: 2,
} as const;

/** Windows and `for:` durations in seconds (multiplied by `timeScale`). */
const ALERT_TIMES = {
  /** rate() window of the error ratio and latency rules: smooths single slow or failed requests. */
  rateWindow: 300,
  errorRatioFor: 300,
  /** Latency warns later than errors: a slow spell during a scale-up is not worth a page. */
  latencyFor: 600,
  /** No prediction at all for this long while pods are up: callers lost their way (DNS, Ingress, mesh). */
  noTrafficWindow: 900,
  noTrafficFor: 300,
  /** A model loads in seconds to minutes; a pod without one for 10 min is stuck (registry, artifact). */
  modelNotReadyFor: 600,
  /** A failed hot reload is reported for this long after it happened. */
  reloadWindow: 900,
  /** Back-off between crash-loop restarts grows to 5 min: 30 min sees a loop, not a single OOM kill. */
  restartWindow: 1800,
  /** Drift must persist: a burst of unusual rows is not a shifted population. */
  driftFor: 1800,
} as const;

/** The routes that run the model (simple, TF Serving, Open Inference); probes and /metrics excluded. */
export const PREDICTION_ENDPOINTS = '/predict|/v1/models/.+:predict|/v2/models/.+/infer';

export interface AlertRuleOptions {
  /**
   * Multiplies every window and `for:` duration; thresholds stay. A test against a live Prometheus
   * passes 1/60 so that minutes become seconds.
   * @default 1
   */
  readonly timeScale?: number;
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'warning' | 'critical' };
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook: string };
}

/** Seconds as a Prometheus duration (`5m`, `15s`, `500ms`). */
function promDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * The alert rules on the contract metrics of DESIGN.md §5, selecting this model's series by `job` (the
 * Service's name, which the ServiceMonitor gives them) and `namespace`. Each carries a summary, a
 * description and a runbook that says what to run.
 */
export function servingAlertRules(config: ServingConfig, options: AlertRuleOptions = {}): AlertRule[] {
  const scale = options.timeScale ?? 1;
  const time = (name: keyof typeof ALERT_TIMES): string => promDuration(ALERT_TIMES[name] * scale);
  const t = ALERT_THRESHOLDS;
  const svc = servingNames(config).stable;
  const ns = config.cluster.servingNamespace;
  const sel = `job="${svc}",namespace="${ns}"`;
  const predict = `${sel},endpoint=~"${PREDICTION_ENDPOINTS}"`;
  const by = 'namespace, job';
  const rows = `on (instance) (ml_drift_window_rows{${sel}} >= ${t.driftMinRows})`;
  const logs = `kubectl -n ${ns} logs -l ${componentSelector(config.name, 'serving')} --tail=200`;
  const rule = (
    alert: string,
    severity: 'warning' | 'critical',
    expr: string,
    duration: string,
    annotations: AlertRule['annotations'],
  ): AlertRule => ({ alert, expr, for: duration, labels: { severity }, annotations });
  return [
    rule(
      'MlopsServingHighErrorRatio',
      'critical',
      `sum by (${by}) (rate(ml_requests_total{${predict},status=~"5.."}[${time('rateWindow')}])) / sum by (${by}) (rate(ml_requests_total{${predict}}[${time('rateWindow')}])) > ${t.errorRatio}`,
      time('errorRatioFor'),
      {
        summary: `${config.name}: more than ${t.errorRatio * 100}% of prediction requests fail with 5xx`,
        description: `{{ $value | humanizePercentage }} of prediction requests answered 5xx over ${time('rateWindow')}.`,
        runbook: `Run \`mlops status\` (which version serves, error rates), then \`${logs}\`. If it began with a new version: \`mlops rollback\`.`,
      },
    ),
    rule(
      'MlopsServingHighLatencyP99',
      'warning',
      `histogram_quantile(0.99, sum by (${by}, le) (rate(ml_request_duration_seconds_bucket{${predict}}[${time('rateWindow')}]))) > ${t.latencyP99Seconds}`,
      time('latencyFor'),
      {
        summary: `${config.name}: p99 prediction latency above ${t.latencyP99Seconds * 1000} ms`,
        description: 'The 99th percentile of prediction latency is {{ $value | humanizeDuration }}.',
        runbook: `Run \`mlops status\`. Pods at their CPU limit or the HPA at its maximum: raise deploy.autoscaling.maxReplicas (or the CPU request) and run \`mlops deploy\`. Began with a new version: \`mlops rollback\`.`,
      },
    ),
    rule(
      'MlopsServingNoTraffic',
      'warning',
      `sum by (${by}) (up{${sel}} == 1) unless on (${by}) (sum by (${by}) (rate(ml_requests_total{${predict}}[${time('noTrafficWindow')}])) > 0)`,
      time('noTrafficFor'),
      {
        summary: `${config.name}: no prediction requests for ${time('noTrafficWindow')}`,
        description: `{{ $value }} serving pods are up but none was asked for a prediction in ${time('noTrafficWindow')}.`,
        runbook: `Run \`mlops status\` (endpoint, canary weights) and check what routes callers here (Service, Ingress, VirtualService: \`kubectl -n ${ns} get svc,ingress,virtualservice\`). Expected on an idle environment: silence it.`,
      },
    ),
    rule(
      'MlopsServingModelNotReady',
      'critical',
      `(up{${sel}} == 1) unless on (instance) (ml_model_info{${sel}} == 1)`,
      time('modelNotReadyFor'),
      {
        summary: `${config.name}: a serving pod runs without a model`,
        description:
          'Pod {{ $labels.pod }} ({{ $labels.instance }}) answers scrapes but has no model loaded: /ready and predictions answer 503.',
        runbook: `Run \`${logs}\` for the load error, and \`mlops status\` / \`mlops models show <version>\` for the alias and its artifact; \`mlops rollback\` if the alias points at a broken version.`,
      },
    ),
    rule(
      'MlopsServingReloadFailures',
      'warning',
      `sum by (${by}, pod, instance) (increase(ml_model_reloads_total{${sel},result="error"}[${time('reloadWindow')}])) > 0`,
      '0s',
      {
        summary: `${config.name}: hot reload of a new model version failed`,
        description:
          'Pod {{ $labels.pod }} ({{ $labels.instance }}) failed to load the version the alias points at and keeps serving the previous one.',
        runbook: `Run \`${logs}\` for the reason (download, sha256, warm-up), \`mlops models verify\` for the artifact; \`mlops rollback\` to point the alias back.`,
      },
    ),
    rule(
      'MlopsServingPodRestarts',
      'warning',
      `sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{namespace="${ns}",pod=~"${servingPodPattern(svc)}",container="${SERVING_CONTAINER}"}[${time('restartWindow')}])) > ${t.restarts}`,
      '0s',
      {
        summary: `${config.name}: a serving pod restarted more than ${t.restarts} times in ${time('restartWindow')}`,
        description: `Pod {{ $labels.pod }} restarted {{ $value }} times in ${time('restartWindow')}.`,
        runbook: `Run \`kubectl -n ${ns} logs {{ $labels.pod }} --previous\` and \`kubectl -n ${ns} describe pod {{ $labels.pod }}\` (OOMKilled: raise the memory limit), \`mlops status\`; \`mlops rollback\` if a new version crashes.`,
      },
    ),
    rule(
      'MlopsServingFeatureDrift',
      'warning',
      `max by (${by}, feature) (ml_feature_drift{${sel}} and ${rows}) > ${t.psi}`,
      time('driftFor'),
      {
        summary: `${config.name}: feature {{ $labels.feature }} drifted (PSI above ${t.psi})`,
        description:
          'Feature {{ $labels.feature }} of recent requests differs from its training baseline: PSI {{ $value | printf "%.3f" }}.',
        runbook: `Run \`mlops drift --data <recent rows>.csv\` to confirm on production data, then retrain (\`mlops train\`) and \`mlops promote\` the new version.`,
      },
    ),
    rule(
      'MlopsServingPredictionDrift',
      'warning',
      `max by (${by}) (ml_prediction_drift{${sel}} and ${rows}) > ${t.psi}`,
      time('driftFor'),
      {
        summary: `${config.name}: the predicted classes drifted (PSI above ${t.psi})`,
        description:
          'The shares of predicted classes differ from those on the validation split: PSI {{ $value | printf "%.3f" }}.',
        runbook: `Run \`mlops drift --data <recent rows>.csv\` (which features moved), then retrain (\`mlops train\`) and \`mlops promote\`; \`mlops rollback\` if it began with a new version.`,
      },
    ),
  ];
}

/**
 * The pods of the stable and canary Deployments (`<svc>-<replicaset hash>-<5 chars>`,
 * `<svc>-canary-…`), not those of another model whose name starts with this one's.
 */
function servingPodPattern(svc: string): string {
  return `${svc}-(canary-)?[a-z0-9]+-[a-z0-9]{5}`;
}

/** monitoring.coreos.com/v1 PrometheusRule holding servingAlertRules. */
export function servingPrometheusRule(config: ServingConfig, options: AlertRuleOptions = {}): ManifestObject {
  const name = servingNames(config).stable;
  return canonical({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name, namespace: config.cluster.servingNamespace, labels: servingLabels(config) },
    spec: { groups: [{ name, rules: servingAlertRules(config, options) }] },
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
 * namespace). The template's `namespace` and `job` variables open on this model's (their `current`; the
 * queries still list the others), and its uid and title are made the model's, so that several models'
 * dashboards live side by side.
 */
export function servingDashboard(config: ServingConfig, dashboardJson: string): ManifestObject {
  const names = servingNames(config);
  const template = JSON.parse(dashboardJson) as {
    readonly templating?: { readonly list?: readonly DashboardVariable[] };
    readonly [field: string]: unknown;
  };
  const defaults: Record<string, string> = { namespace: config.cluster.servingNamespace, job: names.stable };
  const list = (template.templating?.list ?? []).map((variable) => {
    const value = typeof variable.name === 'string' ? defaults[variable.name] : undefined;
    if (value === undefined) return variable;
    return { ...variable, current: { selected: true, text: value, value } };
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
