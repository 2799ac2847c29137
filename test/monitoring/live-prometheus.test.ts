import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servingAlertRules } from '../../src/manifests/serving/monitoring.js';
import { createServingApp } from '../../src/serving/app.js';
import { ServingMetrics } from '../../src/serving/metrics.js';
import { listen, type RunningServer } from '../../src/serving/server.js';
import { servingConfig } from '../manifests/serving-fixtures.js';
import { fakeSource, IRIS_FEATURES, irisProject, startServer } from '../serving/fixture.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';
import { panelQueries, shippedDashboard } from './dashboard-fixture.js';
import { startPrometheus, type ActiveAlert, type RunningPrometheus } from './prometheus.js';

/**
 * The dashboard and the alert rules against a real Prometheus scraping the real serving app: every panel
 * query and alert expression parses, the panels on the app's own metrics return data, and the error-ratio
 * and model-not-ready alerts fire when the test causes them.
 *
 * The rules are rendered with `timeScale: 1/60` (a parameter of servingAlertRules): their windows and
 * `for:` durations become seconds (5m → 5s), thresholds unchanged, so that alerts fire within the test.
 * The pod with a model serves a real trained iris version (its baseline.json gives the drift series);
 * half the rows it is sent have petal length shifted far outside training, so feature drift fires too.
 */

const prometheusMissing = missingTool('prometheus', ['--version']);
const config = servingConfig();
const JOB = 'iris-serving';
const NAMESPACE = 'ml-serve';
const READY_POD = 'iris-serving-6d4cf56db6-x7k2p';
const EMPTY_POD = 'iris-serving-6d4cf56db6-q9w3z';
/** Series that only exist with kube-state-metrics (no cluster here). */
const MAY_BE_EMPTY = /\bkube_\w+\{/;
const SETOSA = [5.1, 3.5, 1.4, 0.2];
const PETAL_LENGTH = IRIS_FEATURES.indexOf('petal_length_cm');

/** The project's training rows with petal length moved far beyond training: the drift the alert is for. */
function shiftedTrainingRows(dir: string): number[][] {
  const [header = '', ...lines] = readFileSync(path.join(dir, 'data', 'iris.csv'), 'utf8')
    .trim()
    .split('\n');
  const columns = IRIS_FEATURES.map((f) => header.split(',').indexOf(f));
  return lines.map((line) => {
    const fields = line.split(',');
    return columns.map((c, i) => Number(fields[c]) + (i === PETAL_LENGTH ? 10 : 0));
  });
}

/** Polls Prometheus (it has no push API) until `check` passes; fails with the last state after `ms`. */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, ms = 45_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const post = (url: string, body: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.status);

describe.skipIf(prometheusMissing !== undefined)(
  `dashboard and alerts in a live Prometheus${prometheusMissing ? ` (skipped: ${prometheusMissing})` : ''}`,
  () => {
    let ready: RunningServer;
    const root = tempDir('mlops-prometheus-project-');
    let empty: RunningServer;
    let prometheus: RunningPrometheus;
    let driving = true;
    let traffic: Promise<void>;
    const statuses = new Map<number, number>();
    const dir = tempDir('mlops-prometheus-');

    beforeAll(async () => {
      const project = await irisProject(root);
      const shifted = JSON.stringify({ instances: shiftedTrainingRows(project) });
      ready = await startServer(project);
      // Never started: no model, so /ready and /predict answer 503 while /metrics works.
      const noModel = createServingApp({
        source: fakeSource('iris'),
        ref: 'production',
        metrics: new ServingMetrics(),
      });
      empty = await listen(noModel, { port: 0 });
      prometheus = await startPrometheus({
        dir,
        job: JOB,
        targets: [
          { address: `127.0.0.1:${ready.port}`, labels: { namespace: NAMESPACE, pod: READY_POD } },
          { address: `127.0.0.1:${empty.port}`, labels: { namespace: NAMESPACE, pod: EMPTY_POD } },
        ],
        ruleGroups: [{ name: JOB, rules: servingAlertRules(config, { timeScale: 1 / 60 }) }],
      });
      // Good predictions, bad input (400) and predictions the pod without a model refuses (503).
      traffic = (async () => {
        while (driving) {
          const answers = await Promise.all([
            post(`${ready.url}/predict`, shifted),
            post(`${ready.url}/predict`, JSON.stringify({ instances: [SETOSA] })),
            post(
              `${ready.url}/v2/models/iris/infer`,
              JSON.stringify({
                inputs: IRIS_FEATURES.map((name, i) => ({
                  name,
                  shape: [1],
                  datatype: 'FP64',
                  data: [SETOSA[i]],
                })),
              }),
            ),
            post(`${ready.url}/predict`, '{"instances": [[1, 2, 3]]}'),
            post(`${ready.url}/predict`, 'not json'),
            post(`${empty.url}/predict`, JSON.stringify({ instances: [SETOSA] })),
          ]);
          for (const status of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
    }, 60_000);

    afterAll(async () => {
      driving = false;
      await traffic;
      await prometheus?.stop();
      await ready?.stop();
      await empty?.stop();
    });

    it('drives good (200), bad (400) and refused (503) predictions while Prometheus scrapes both pods', async () => {
      await until(
        () => prometheus.query(`up{job="${JOB}"} == 1`),
        (a) => a.data?.result.length === 2,
      );
      // Enough scrapes for a 1m rate to have two points on every series.
      await until(
        () => prometheus.query(`count_over_time(up{job="${JOB}"}[1m])`),
        (a) => a.data?.result.length === 2 && a.data.result.every((r) => Number(r.value[1]) >= 3),
      );
      expect([...statuses.keys()].sort()).toEqual([200, 400, 503]);
    });

    it('fires the error-ratio alert and the model-not-ready alert for the pod without a model', async () => {
      const firing = (alerts: ActiveAlert[], name: string) =>
        alerts.filter((a) => a.labels.alertname === name && a.state === 'firing');
      const alerts = await until(
        () => prometheus.alerts(),
        (all) =>
          firing(all, 'MlopsServingHighErrorRatio').length > 0 &&
          firing(all, 'MlopsServingModelNotReady').length > 0,
      );
      expect(firing(alerts, 'MlopsServingHighErrorRatio').map((a) => a.labels)).toEqual([
        { alertname: 'MlopsServingHighErrorRatio', job: JOB, namespace: NAMESPACE, severity: 'critical' },
      ]);
      expect(firing(alerts, 'MlopsServingModelNotReady').map((a) => a.labels.pod)).toEqual([EMPTY_POD]);
      // Predictions keep coming: the no-traffic alert stays silent.
      expect(alerts.filter((a) => a.labels.alertname === 'MlopsServingNoTraffic')).toEqual([]);
    });

    it('parses every alert expression, at the real windows and the scaled ones', async () => {
      for (const timeScale of [1, 1 / 60]) {
        for (const rule of servingAlertRules(config, { timeScale })) {
          const answer = await prometheus.query(rule.expr);
          expect(answer, `${rule.alert}: ${rule.expr}`).toMatchObject({ status: 'success' });
        }
      }
    });

    it('fires the feature-drift alert for the shifted feature only, once the window holds enough rows', async () => {
      const alerts = await until(
        () => prometheus.alerts(),
        (all) => all.some((a) => a.labels.alertname === 'MlopsServingFeatureDrift' && a.state === 'firing'),
        90_000,
      );
      expect(
        alerts
          .filter((a) => a.labels.alertname === 'MlopsServingFeatureDrift' && a.state === 'firing')
          .map((a) => a.labels.feature),
      ).toEqual(['petal_length_cm']);
    }, 120_000);

    it('answers every dashboard panel query, with data for all but the kube-state-metrics panels', async () => {
      const queries = panelQueries(shippedDashboard(), {
        namespace: NAMESPACE,
        job: JOB,
        __rate_interval: '1m',
      });
      const noData: string[] = [];
      for (const q of queries) {
        const answer = await prometheus.query(q.expr);
        expect(answer, `${q.panel} ${q.refId}: ${q.expr}`).toMatchObject({ status: 'success' });
        if (!MAY_BE_EMPTY.test(q.expr) && answer.data?.result.length === 0)
          noData.push(`${q.panel} ${q.refId}`);
      }
      expect(noData).toEqual([]);
      expect(queries.filter((q) => !MAY_BE_EMPTY.test(q.expr)).length).toBeGreaterThanOrEqual(12);
      const versions = await prometheus.query(
        queries.find((q) => q.panel === 'Model version in service')!.expr,
      );
      expect(versions.data?.result.map((r) => r.metric)).toEqual([{ model: 'iris', version: 'v1.0' }]);
    });
  },
);
