import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { find, render, servingConfig, validate } from './serving-fixtures.js';
import { missingTool } from '../support/tools.js';
import { tempDir } from '../support/temp-dir.js';

type Labels = Record<string, string>;
interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: Record<string, string>;
}
interface Panel {
  title: string;
  /** Absent on rows. */
  targets?: { expr: string }[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];

  templating: { list: { name: string; type: string; current?: { value: string } }[] };
}

const objects = render();
const rules = () =>
  find<{ spec: { groups: { name: string; rules: Rule[] }[] } }>(
    objects,
    'PrometheusRule',
  ).spec.groups.flatMap((g) => g.rules);
const dashboardOf = (o: readonly ReturnType<typeof render>[number][]) => {
  const map = find<{ metadata: { labels: Labels }; data: Record<string, string> }>(o, 'ConfigMap');
  return { map, dashboard: JSON.parse(Object.values(map.data)[0]!) as Dashboard };
};
const promtool = missingTool('promtool', ['--version']);

describe('ServiceMonitor', () => {
  it('scrapes /metrics on the Service named port every 15 s, in the serving namespace', () => {
    const monitor = find<{ spec: unknown }>(objects, 'ServiceMonitor');
    const service = find<{ metadata: { labels: Labels }; spec: { ports: { name: string }[] } }>(
      objects,
      'Service',
    );
    expect(monitor.spec).toEqual({
      endpoints: [{ interval: '15s', path: '/metrics', port: service.spec.ports[0]!.name, scheme: 'http' }],
      namespaceSelector: { matchNames: ['ml-serve'] },
      selector: { matchLabels: service.metadata.labels },
    });
    expect(() => validate(monitor as never)).not.toThrow();
  });

  it('labels series with the job and namespace the rules and the dashboard select', () => {
    // prometheus-operator sets job = the Service's name (no spec.jobLabel) and namespace = its namespace.
    const monitor = find<{ spec: { jobLabel?: string } }>(objects, 'ServiceMonitor');
    const service = find<{ metadata: { name: string; namespace: string } }>(objects, 'Service');
    expect(monitor.spec.jobLabel).toBeUndefined();
    const selector = `job="${service.metadata.name}",namespace="${service.metadata.namespace}"`;
    for (const rule of rules().filter((r) => /\bml_/.test(r.expr))) expect(rule.expr).toContain(selector);
    const variables = dashboardOf(objects).dashboard.templating.list;
    expect(variables.find((v) => v.name === 'job')?.current?.value).toBe(service.metadata.name);
    expect(variables.find((v) => v.name === 'namespace')?.current?.value).toBe(service.metadata.namespace);
  });
});

describe('PrometheusRule', () => {
  const dir = tempDir('mlops-rules-');

  it('alerts on errors, latency, traffic, readiness, reloads, restarts and drift, on the contract metrics', () => {
    expect(rules().map((r) => r.alert)).toEqual([
      'MlopsServingHighErrorRatio',
      'MlopsServingHighLatencyP99',
      'MlopsServingNoTraffic',
      'MlopsServingModelNotReady',
      'MlopsServingReloadFailures',
      'MlopsServingPodRestarts',
      'MlopsServingFeatureDrift',
      'MlopsServingPredictionDrift',
    ]);
    const byName = Object.fromEntries(rules().map((r) => [r.alert, r.expr]));
    expect(byName.MlopsServingHighErrorRatio).toMatch(/ml_requests_total\{[^}]*status=~"5\.\."/);
    expect(byName.MlopsServingHighLatencyP99).toMatch(
      /histogram_quantile\(0\.99, .*ml_request_duration_seconds_bucket/,
    );
    expect(byName.MlopsServingModelNotReady).toContain('ml_model_info');
    expect(byName.MlopsServingReloadFailures).toMatch(/ml_model_reloads_total\{[^}]*result="error"/);
    expect(byName.MlopsServingPodRestarts).toMatch(
      /kube_pod_container_status_restarts_total\{namespace="ml-serve",pod=~"iris-serving-/,
    );
    expect(byName.MlopsServingFeatureDrift).toMatch(/ml_feature_drift\{.*\) > 0\.2$/);
    expect(byName.MlopsServingPredictionDrift).toMatch(/ml_prediction_drift\{.*\) > 0\.2$/);
    for (const rule of rules())
      expect(Object.keys(rule.annotations).sort()).toEqual(['description', 'runbook', 'summary']);
  });

  it("selects this model's series only: job = the Service's name, namespace = the serving namespace", () => {
    for (const rule of rules()) {
      const selectors = [...rule.expr.matchAll(/\b(ml_\w+|up)\{([^}]*)\}/g)];
      const kube = [...rule.expr.matchAll(/\bkube_\w+\{([^}]*)\}/g)];
      expect(selectors.length + kube.length).toBeGreaterThan(0);
      for (const [, labels] of kube) expect(labels).toMatch(/^namespace="ml-serve",pod=~"iris-serving-/);
      for (const [, , labels] of selectors)
        expect(labels).toMatch(/^job="iris-serving",namespace="ml-serve"/);
    }
  });

  it('validates with the prometheus-operator schema', () => {
    expect(() => validate(find(objects, 'PrometheusRule'))).not.toThrow();
  });

  it.skipIf(promtool !== undefined)(
    `passes promtool check rules${promtool ? ` (skipped: ${promtool})` : ''}`,
    () => {
      const file = path.join(dir, 'rules.yaml');
      const rule = find<{ spec: { groups: unknown[] } }>(objects, 'PrometheusRule');
      writeFileSync(file, stringify({ groups: rule.spec.groups }));
      expect(execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })).toMatch(
        /SUCCESS: 8 rules found/,
      );
    },
  );
});

describe('the Grafana dashboard ConfigMap', () => {
  it('carries grafana_dashboard: "1" and a dashboard of this model (uid, title, namespace and job)', () => {
    const { map, dashboard } = dashboardOf(objects);
    expect(map.metadata.labels.grafana_dashboard).toBe('1');
    expect(Object.keys(map.data)).toEqual(['iris-serving.json']);
    expect(dashboard.uid).toBe('mlops-iris-serving');
    expect(dashboard.title).toBe('iris serving');
    const opensOn = Object.fromEntries(
      dashboard.templating.list
        .filter((v) => v.name === 'namespace' || v.name === 'job')
        .map((v) => [v.name, v.current?.value]),
    );
    expect(opensOn).toEqual({ namespace: 'ml-serve', job: 'iris-serving' });
    expect(() => validate(map as never)).not.toThrow();
  });

  it('shows request rate, latency p50/p95/p99, predictions by class and pod restarts', () => {
    const exprs = dashboardOf(objects).dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.join('\n')).toMatch(/rate\(ml_requests_total/);
    expect(
      exprs.filter((e) => e.includes('ml_request_duration_seconds_bucket')).map((e) => e.slice(0, 24)),
    ).toEqual(['histogram_quantile(0.5, ', 'histogram_quantile(0.95,', 'histogram_quantile(0.99,']);
    expect(exprs.join('\n')).toMatch(/sum by \(class\) \(rate\(ml_predictions_total/);
    expect(exprs.join('\n')).toContain('kube_pod_container_status_restarts_total');
  });

  it('keeps Grafana uids within 40 characters and distinct for long model names', () => {
    const name = (n: string) =>
      dashboardOf(render({ config: { ...servingConfig(), name: n } })).dashboard.uid;
    const a = name(`a${'b'.repeat(60)}c`);
    const b = name(`a${'b'.repeat(60)}d`);
    expect(a.length).toBeLessThanOrEqual(40);
    expect(a).not.toBe(b);
  });
});
