import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { servingAlertRules } from '../../src/manifests/serving/monitoring.js';
import { servingConfig } from '../manifests/serving-fixtures.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';

/**
 * `promtool test rules` on the rendered rules at their real windows and `for:` durations: for every
 * alert, input series that make it fire (with the labels and annotations a user receives) and series that
 * must leave it silent.
 */

const promtool = missingTool('promtool', ['--version']);
const rules = servingAlertRules(servingConfig());
const rule = (alert: string) => {
  const found = rules.find((r) => r.alert === alert);
  if (!found) throw new Error(`no rule ${alert}`);
  return found;
};

type Labels = Record<string, string>;
const MODEL = { job: 'iris-serving', namespace: 'ml-serve' };
const POD_A = { ...MODEL, instance: '10.0.0.7:8080', pod: 'iris-serving-6d4cf56db6-x7k2p' };
const POD_B = { ...MODEL, instance: '10.0.0.8:8080', pod: 'iris-serving-6d4cf56db6-q9w3z' };

const series = (name: string, labels: Labels, values: string) => ({
  series: `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`,
  values,
});
const requests = (endpoint: string, status: string, values: string, pod = POD_A) =>
  series('ml_requests_total', { ...pod, endpoint, status }, values);
const latency = (le: string, values: string) =>
  series('ml_request_duration_seconds_bucket', { ...POD_A, endpoint: '/predict', le }, values);
const restarts = (pod: string, values: string) =>
  series(
    'kube_pod_container_status_restarts_total',
    { job: 'kube-state-metrics', namespace: 'ml-serve', pod, container: 'serve' },
    values,
  );

interface Case {
  readonly name: string;
  readonly input: ReturnType<typeof series>[];
  /** Alerts expected at this time; none when `labels` is absent. */
  readonly at: string;
  readonly fires?: { readonly labels: Labels; readonly description: string };
}

/** `{{ $labels.x }}` of the rule's summary and runbook, as Prometheus fills it in. */
const fill = (template: string, labels: Labels) =>
  template.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '');

const CASES: Record<string, Case[]> = {
  MlopsServingHighErrorRatio: [
    {
      name: '10% of predictions answer 503 for 5 minutes',
      input: [requests('/predict', '200', '0+54x20'), requests('/predict', '503', '0+6x20')],
      at: '12m',
      fires: { labels: MODEL, description: '10% of prediction requests answered 5xx over 5m.' },
    },
    {
      name: 'still pending 3 minutes in (for: 5m)',
      input: [requests('/predict', '200', '0+54x20'), requests('/predict', '503', '0+6x20')],
      at: '3m',
    },
    {
      name: '1% of predictions fail, and 503s of /ready while a pod starts do not count',
      input: [
        requests('/predict', '200', '0+99x20'),
        requests('/predict', '503', '0+1x20'),
        requests('/ready', '503', '0+100x20'),
      ],
      at: '12m',
    },
  ],
  MlopsServingHighLatencyP99: [
    {
      name: '90% of predictions take 0.5-1 s',
      input: [
        latency('0.25', '0+10x30'),
        latency('0.5', '0+10x30'),
        latency('1', '0+100x30'),
        latency('+Inf', '0+100x30'),
      ],
      at: '15m',
      fires: { labels: MODEL, description: 'The 99th percentile of prediction latency is 994.4ms.' },
    },
    {
      name: 'every prediction under 100 ms',
      input: [latency('0.1', '0+100x30'), latency('0.5', '0+100x30'), latency('+Inf', '0+100x30')],
      at: '15m',
    },
  ],
  MlopsServingNoTraffic: [
    {
      name: 'a pod up, its request counter flat for 15 minutes',
      input: [series('up', POD_A, '1x40'), requests('/predict', '200', '5x40')],
      at: '25m',
      fires: {
        labels: MODEL,
        description: '1 serving pods are up but none was asked for a prediction in 15m.',
      },
    },
    {
      name: 'a pod up that was never asked anything',
      input: [series('up', POD_A, '1x40'), requests('/health', '200', '0+6x40')],
      at: '25m',
      fires: {
        labels: MODEL,
        description: '1 serving pods are up but none was asked for a prediction in 15m.',
      },
    },
    {
      name: 'predictions keep coming',
      input: [series('up', POD_A, '1x40'), requests('/v2/models/{name}/infer', '200', '0+3x40')],
      at: '25m',
    },
  ],
  MlopsServingModelNotReady: [
    {
      name: 'one of two pods answers scrapes but never loaded a model',
      input: [
        series('up', POD_A, '1x30'),
        series('up', POD_B, '1x30'),
        series('ml_model_info', { ...POD_A, model: 'iris', version: 'v1.0' }, '1x30'),
      ],
      at: '15m',
      fires: {
        labels: POD_B,
        description: `Pod ${POD_B.pod} (${POD_B.instance}) answers scrapes but has no model loaded: /ready and predictions answer 503.`,
      },
    },
    {
      name: 'both pods serve a version',
      input: [
        series('up', POD_A, '1x30'),
        series('up', POD_B, '1x30'),
        series('ml_model_info', { ...POD_A, model: 'iris', version: 'v1.0' }, '1x30'),
        series('ml_model_info', { ...POD_B, model: 'iris', version: 'v1.1' }, '1x30'),
      ],
      at: '15m',
    },
  ],
  MlopsServingReloadFailures: [
    {
      name: 'a reload failed 3 minutes ago',
      input: [series('ml_model_reloads_total', { ...POD_A, result: 'error' }, '0 0 1 1 1 1')],
      at: '5m',
      fires: {
        labels: POD_A,
        description: `Pod ${POD_A.pod} (${POD_A.instance}) failed to load the version the alias points at and keeps serving the previous one.`,
      },
    },
    {
      name: 'reloads succeed',
      input: [
        series('ml_model_reloads_total', { ...POD_A, result: 'error' }, '0x10'),
        series('ml_model_reloads_total', { ...POD_A, result: 'success' }, '0 1 1 2 2 2'),
      ],
      at: '5m',
    },
  ],
  MlopsServingPodRestarts: [
    {
      name: 'a serving pod crash-loops',
      input: [restarts(POD_A.pod, '0+1x40')],
      at: '30m',
      fires: {
        labels: { namespace: 'ml-serve', pod: POD_A.pod },
        description: `Pod ${POD_A.pod} restarted 30 times in 30m.`,
      },
    },
    {
      name: 'one restart, and the crash loop of another model whose name starts with this one',
      input: [restarts(POD_A.pod, '0 1x40'), restarts('iris-serving-b-serving-5d8f7c9b4-abcde', '0+1x40')],
      at: '30m',
    },
  ],
  MlopsServingFeatureDrift: [
    {
      name: 'one feature at PSI 0.35 for 30 minutes over a full window',
      input: [
        series('ml_feature_drift', { ...POD_A, feature: 'petal_width_cm' }, '0.35x50'),
        series('ml_feature_drift', { ...POD_A, feature: 'sepal_length_cm' }, '0.05x50'),
        series('ml_drift_window_rows', POD_A, '5000x50'),
      ],
      at: '35m',
      fires: {
        labels: { ...MODEL, feature: 'petal_width_cm' },
        description:
          'Feature petal_width_cm of recent requests differs from its training baseline: PSI 0.350.',
      },
    },
    {
      name: 'PSI 0.35 over a window of 200 rows is noise',
      input: [
        series('ml_feature_drift', { ...POD_A, feature: 'petal_width_cm' }, '0.35x50'),
        series('ml_drift_window_rows', POD_A, '200x50'),
      ],
      at: '35m',
    },
  ],
  MlopsServingPredictionDrift: [
    {
      name: 'predicted classes at PSI 0.4 for 30 minutes',
      input: [
        series('ml_prediction_drift', POD_A, '0.4x50'),
        series('ml_drift_window_rows', POD_A, '5000x50'),
      ],
      at: '35m',
      fires: {
        labels: MODEL,
        description: 'The shares of predicted classes differ from those on the validation split: PSI 0.400.',
      },
    },
    {
      name: 'predicted classes at PSI 0.08',
      input: [
        series('ml_prediction_drift', POD_A, '0.08x50'),
        series('ml_drift_window_rows', POD_A, '5000x50'),
      ],
      at: '35m',
    },
  ],
};

function unitTests(rulesFile: string) {
  return {
    rule_files: [rulesFile],
    evaluation_interval: '1m',
    tests: Object.entries(CASES).flatMap(([alertname, cases]) =>
      cases.map((c) => {
        const r = rule(alertname);
        const labels = c.fires && { ...c.fires.labels, alertname };
        return {
          name: `${alertname}: ${c.name}`,
          interval: '1m',
          input_series: c.input,
          alert_rule_test: [
            {
              eval_time: c.at,
              alertname,
              exp_alerts: c.fires
                ? [
                    {
                      exp_labels: { ...c.fires.labels, severity: r.labels.severity },
                      exp_annotations: {
                        summary: fill(r.annotations.summary, labels ?? {}),
                        description: c.fires.description,
                        runbook: fill(r.annotations.runbook, labels ?? {}),
                      },
                    },
                  ]
                : [],
            },
          ],
        };
      }),
    ),
  };
}

describe('the serving alert rules', () => {
  const dir = tempDir('mlops-alerts-');

  it('have unit cases for every alert, each firing once and staying silent once', () => {
    expect(Object.keys(CASES).sort()).toEqual(rules.map((r) => r.alert).sort());
    for (const cases of Object.values(CASES)) {
      expect(cases.some((c) => c.fires)).toBe(true);
      expect(cases.some((c) => !c.fires)).toBe(true);
    }
  });

  it('say what to run in every runbook', () => {
    for (const r of rules) expect(r.annotations.runbook).toMatch(/`(mlops|kubectl) [^`]+`/);
  });

  it.skipIf(promtool !== undefined)(
    `pass promtool check rules and promtool test rules${promtool ? ` (skipped: ${promtool})` : ''}`,
    () => {
      const rulesFile = path.join(dir, 'rules.yaml');
      const testFile = path.join(dir, 'rules.test.yaml');
      writeFileSync(rulesFile, stringify({ groups: [{ name: 'iris-serving', rules }] }));
      writeFileSync(testFile, stringify(unitTests(rulesFile)));
      expect(execFileSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' })).toMatch(
        /SUCCESS: 8 rules found/,
      );
      let output: string;
      try {
        output = execFileSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' });
      } catch (error) {
        const failed = error as { stdout?: string; stderr?: string };
        throw new Error(`promtool test rules failed:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
      }
      expect(output).toContain('SUCCESS');
    },
  );
});
