import { describe, expect, it } from 'vitest';
import { ALERT_THRESHOLDS, PREDICTION_ENDPOINTS } from '../../src/manifests/serving/monitoring.js';
import { isRow, shippedDashboard, type Panel } from './dashboard-fixture.js';

/**
 * What Grafana's dashboard schema requires, written down from the "Dashboard kind" schema reference that
 * grafana/grafana generates from kinds/dashboard/dashboard_kind.cue
 * (docs/sources/developers/kinds/core/dashboard/schema-reference.md, kind version 0.0, commit 01639dcc):
 * the classic JSON model that Grafana's "Dashboard JSON model" docs page describes and that file
 * provisioning (the kube-prometheus-stack sidecar loading our ConfigMap) reads.
 */
const GRAFANA_SCHEMA = {
  /** Spec: only schemaVersion (uint16) is required; uid is "string (8-40)". */
  dashboard: { required: ['schemaVersion'], uidLength: [8, 40] },
  /** Panel: `type` required, a string of length >= 1; id uint32 unique within the dashboard. */
  panel: { required: ['type'] },
  /** RowPanel: type "row", collapsed, id and panels (the panels of a collapsed row) required. */
  row: { required: ['type', 'collapsed', 'id', 'panels'] },
  /** GridPos: h, w, x, y required; h > 0, 0 < w <= 24, 0 <= x < 24, y >= 0. */
  gridPos: { required: ['h', 'w', 'x', 'y'] },
  /** FieldConfigSource: defaults and overrides required. */
  fieldConfig: { required: ['defaults', 'overrides'] },
  /** ThresholdsConfig: mode (absolute | percentage) and steps; Threshold: color and value (null = -Infinity). */
  thresholds: { modes: ['absolute', 'percentage'] },
  /** VariableModel (kinds/dashboard/dashboard_kind.cue #VariableModel): type and name required. */
  variable: {
    required: ['type', 'name'],
    types: ['query', 'adhoc', 'constant', 'datasource', 'interval', 'textbox', 'custom', 'system'],
  },
  /** DataSourceRef: optional type (plugin id) and uid (instance), strings. */
  dataSourceRef: { fields: ['type', 'uid'] },
} as const;

/** What this project asks of its dashboard beyond the schema (the brief of issue 11). */
const PANEL_TYPES = ['timeseries', 'stat', 'table', 'heatmap', 'bargauge'];
const PROMETHEUS = { type: 'prometheus', uid: '${datasource}' };

const dashboard = shippedDashboard();
const panels = dashboard.panels.filter((p) => !isRow(p));
const rows = dashboard.panels.filter(isRow);
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

function missing(object: object, required: readonly string[]): string[] {
  return required.filter((field) => !(field in object));
}

describe('the Grafana dashboard, against the dashboard schema', () => {
  it('has every field the schema requires, at the top and in every panel, row, gridPos and variable', () => {
    expect(missing(dashboard, GRAFANA_SCHEMA.dashboard.required)).toEqual([]);
    expect(Number.isInteger(dashboard.schemaVersion)).toBe(true);
    const uid = dashboard.uid as string;
    expect(uid.length).toBeGreaterThanOrEqual(GRAFANA_SCHEMA.dashboard.uidLength[0]);
    expect(uid.length).toBeLessThanOrEqual(GRAFANA_SCHEMA.dashboard.uidLength[1]);
    for (const panel of panels) {
      expect(missing(panel, GRAFANA_SCHEMA.panel.required), panel.title).toEqual([]);
      expect(panel.type.length).toBeGreaterThanOrEqual(1);
      expect(missing(panel.fieldConfig ?? {}, GRAFANA_SCHEMA.fieldConfig.required), panel.title).toEqual([]);
      const thresholds = panel.fieldConfig?.defaults.thresholds;
      if (thresholds) {
        expect(GRAFANA_SCHEMA.thresholds.modes).toContain(thresholds.mode);
        for (const step of thresholds.steps) expect(missing(step, ['color', 'value'])).toEqual([]);
      }
    }
    for (const row of rows) expect(missing(row, GRAFANA_SCHEMA.row.required), row.title).toEqual([]);
    for (const panel of dashboard.panels) {
      expect(missing(panel.gridPos, GRAFANA_SCHEMA.gridPos.required), panel.title).toEqual([]);
      const { x, y, w, h } = panel.gridPos;
      expect(h > 0 && w > 0 && w <= 24 && x >= 0 && x < 24 && y >= 0, panel.title).toBe(true);
    }
    for (const variable of dashboard.templating.list) {
      expect(missing(variable, GRAFANA_SCHEMA.variable.required)).toEqual([]);
      expect(GRAFANA_SCHEMA.variable.types).toContain(variable.type);
    }
  });

  it('is a current dashboard: uid, title, schemaVersion >= 39, version, time, refresh and tags', () => {
    expect(dashboard).toMatchObject({
      uid: 'mlops-iris-serving',
      title: 'iris serving',
      schemaVersion: 39,
      version: expect.any(Number),
      time: { from: expect.any(String), to: 'now' },
      refresh: expect.stringMatching(/^\d+[smh]$/),
      tags: expect.arrayContaining(['mlops']),
    });
  });

  it('has a Prometheus datasource variable and namespace/job variables listed from the serving metrics', () => {
    const byName = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(byName.datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(byName.namespace).toMatchObject({
      type: 'query',
      datasource: PROMETHEUS,
      query: { query: 'label_values(ml_requests_total, namespace)' },
      current: { value: 'ml-serve' },
    });
    expect(byName.job).toMatchObject({
      type: 'query',
      query: { query: 'label_values(ml_requests_total{namespace="$namespace"}, job)' },
      current: { value: 'iris-serving' },
    });
  });
});

describe('the panels', () => {
  it('each have an allowed type, title, description, unit, the Prometheus datasource and targets', () => {
    for (const panel of panels) {
      expect(PANEL_TYPES, panel.title).toContain(panel.type);
      expect(panel.description, panel.title).toMatch(/\w{3,}/);
      expect(panel.fieldConfig?.defaults.unit, panel.title).toEqual(expect.any(String));
      expect(panel.datasource, panel.title).toEqual(PROMETHEUS);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
      for (const target of panel.targets ?? []) {
        expect(target, panel.title).toMatchObject({
          refId: expect.any(String),
          expr: expect.any(String),
          legendFormat: expect.any(String),
          datasource: PROMETHEUS,
        });
      }
    }
  });

  it('have unique ids and tile the 24-column grid without overlap, grouped under rows', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const overlaps = (a: Panel, b: Panel) =>
      a.gridPos.x < b.gridPos.x + b.gridPos.w &&
      b.gridPos.x < a.gridPos.x + a.gridPos.w &&
      a.gridPos.y < b.gridPos.y + b.gridPos.h &&
      b.gridPos.y < a.gridPos.y + a.gridPos.h;
    for (const [i, a] of dashboard.panels.entries()) {
      expect(a.gridPos.x + a.gridPos.w, a.title).toBeLessThanOrEqual(24);
      for (const b of dashboard.panels.slice(i + 1))
        expect(overlaps(a, b), `${a.title} / ${b.title}`).toBe(false);
    }
    expect(rows.map((r) => r.title)).toEqual(['Traffic', 'Model', 'Drift', 'Pods']);
    for (const row of rows) expect(row.gridPos).toMatchObject({ x: 0, w: 24, h: 1 });
    expect(dashboard.panels[0]?.type).toBe('row');
  });

  it('select the model by $job and $namespace and use $__rate_interval in every rate()', () => {
    for (const expr of exprs) {
      for (const [, labels] of expr.matchAll(/\b(?:ml_|process_)\w+\{([^}]*)\}/g))
        expect(labels, expr).toMatch(/^job="\$job",namespace="\$namespace"/);
      for (const [, labels] of expr.matchAll(/\bkube_\w+\{([^}]*)\}/g))
        expect(labels, expr).toMatch(
          /^namespace="\$namespace",(pod=~"\$job-|horizontalpodautoscaler="\$job")/,
        );
      for (const [, window] of expr.matchAll(/\brate\([^[]*\[([^\]]+)\]/g))
        expect(window, expr).toBe('$__rate_interval');
    }
  });

  it('cover traffic, errors, latency, classes, version, batches, reloads, drift, CPU, memory, restarts and the HPA', () => {
    const all = exprs.join('\n');
    for (const metric of [
      'ml_requests_total',
      'ml_request_duration_seconds_bucket',
      'ml_predictions_total',
      'ml_model_info',
      'ml_batch_size_bucket',
      'ml_model_reloads_total',
      'ml_feature_drift',
      'ml_prediction_drift',
      'ml_drift_window_rows',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'kube_pod_container_status_restarts_total',
      'kube_horizontalpodautoscaler_status_current_replicas',
      'kube_horizontalpodautoscaler_spec_max_replicas',
    ])
      expect(all).toContain(`${metric}{`);
    for (const q of ['0.5', '0.95', '0.99']) expect(all).toContain(`histogram_quantile(${q}, `);
    for (const expr of exprs.filter((e) => /ml_request(s_total|_duration_seconds_bucket)\{/.test(e)))
      expect(expr).toContain(`endpoint=~"${PREDICTION_ENDPOINTS}"`);
    expect(all).toMatch(/status=~"5\.\."/);
    expect(all).toMatch(/status=~"4\.\."/);
  });

  it('draw the alert thresholds as lines: 5xx share, p99 latency and PSI 0.2', () => {
    const line = (title: RegExp) => {
      const panel = panels.find((p) => title.test(p.title));
      expect(panel?.fieldConfig?.defaults.custom?.thresholdsStyle?.mode).toBe('line');
      return panel?.fieldConfig?.defaults.thresholds?.steps.map((s) => s.value);
    };
    expect(line(/^Error ratio/)).toContain(ALERT_THRESHOLDS.errorRatio);
    expect(line(/latency/)).toContain(ALERT_THRESHOLDS.latencyP99Seconds);
    expect(line(/^Feature drift/)).toContain(ALERT_THRESHOLDS.psi);
    expect(line(/^Prediction drift/)).toContain(ALERT_THRESHOLDS.psi);
  });
});
