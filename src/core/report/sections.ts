import { classBarsChart } from './class-bars-chart.js';
import { metricDeltas, type MetricDelta } from './compare.js';
import { confusionChart } from './confusion-chart.js';
import { escapeHtml, formatCount, formatDelta, formatMetric, formatNumber, formatTime } from './format.js';
import { featureBins, histogramChart, predictionBins } from './histogram-chart.js';
import { columns, figure, note, section, table, type Cell } from './html.js';
import { lossChart } from './loss-chart.js';
import type { ReportVersion } from './report-version.js';
import { SERIES_COLOURS } from './svg.js';

/** The sections of a report about one version, or two side by side (DESIGN.md §12). */

const name = (v: ReportVersion): string => v.manifest.version;
const colour = (i: number): string => SERIES_COLOURS[i] ?? SERIES_COLOURS[0];
const isRegression = (v: ReportVersion): boolean =>
  v.metrics?.task === 'regression' ||
  (v.metrics?.confusionMatrix === undefined && v.metrics?.rmse !== undefined);

const ARROWS: Readonly<Record<MetricDelta['verdict'], string>> = {
  better: '▲ better',
  worse: '▼ worse',
  same: '= same',
  changed: '≠ changed',
  missing: '– not in both',
};

/** A difference cell: colour, arrow and word, so that the verdict never rests on colour alone. */
const verdictCell = (d: MetricDelta): Cell => ({
  html: escapeHtml(ARROWS[d.verdict]),
  className: `verdict ${d.verdict}`,
});

export function summarySection(versions: readonly ReportVersion[]): string {
  const facts = columns(versions, name, (v) =>
    table(
      `${v.manifest.model} ${name(v)}`,
      [],
      [
        ['model', v.manifest.model],
        ['version', name(v)],
        ['created', formatTime(v.manifest.createdAt)],
        ['created by', v.manifest.createdBy],
        ['aliases', v.aliases.length ? v.aliases.join(', ') : 'none'],
      ],
    ),
  );
  const [a, b] = versions;
  if (!a) return '';
  const metrics = b
    ? table(
        `Summary metrics: ${name(b)} against ${name(a)}`,
        ['metric', name(a), name(b), 'difference', `${name(b)} is`],
        metricDeltas(a.manifest.metrics, b.manifest.metrics).map((d) => ({
          className: d.verdict,
          cells: [
            d.name,
            formatMetric(d.name, d.a),
            formatMetric(d.name, d.b),
            d.delta === undefined ? '–' : formatDelta(d.name, d.delta),
            verdictCell(d),
          ],
        })),
      )
    : table(
        'Summary metrics',
        ['metric', 'value'],
        Object.entries(a.manifest.metrics).map(([metric, value]) => [metric, formatMetric(metric, value)]),
      );
  return section('summary', 'Summary', facts + metrics);
}

export function lossSection(versions: readonly ReportVersion[]): string {
  const series = versions.flatMap((v, i) =>
    v.metrics?.lossCurve.length
      ? [
          {
            label: versions.length > 1 ? name(v) : '',
            colour: colour(i),
            curve: v.metrics.lossCurve,
            bestEpoch: v.metrics.bestEpoch,
          },
        ]
      : [],
  );
  const missing = versions.filter((v) => !v.metrics?.lossCurve.length);
  const content = [
    series.length
      ? figure(
          lossChart(series),
          'Training loss (solid) and validation loss (dashed) per epoch; the ring marks the best epoch, whose weights were kept.',
        )
      : '',
    ...missing.map((v) => note(`${name(v)} has no loss curve recorded.`)),
  ].join('');
  return section('loss', 'Loss curves', content);
}

export function confusionSection(versions: readonly ReportVersion[]): string {
  if (versions.every(isRegression)) {
    const rows = (['rmse', 'mae', 'r2'] as const).map((m) => [
      m,
      ...versions.map((v) => formatNumber(v.metrics?.[m])),
    ]);
    return section(
      'errors',
      'Regression errors',
      table('Errors on the validation split', ['metric', ...versions.map(name)], rows),
    );
  }
  const content = columns(versions, name, (v) =>
    v.metrics?.confusionMatrix
      ? figure(
          confusionChart(v.metrics.confusionMatrix, name(v)),
          'Rows: the true class; columns: the predicted class; each cell counts validation rows.',
        )
      : isRegression(v)
        ? table(
            'Errors on the validation split',
            ['metric', 'value'],
            (['rmse', 'mae', 'r2'] as const).map((m) => [m, formatNumber(v.metrics?.[m])]),
          )
        : note(`${name(v)} has no confusion matrix recorded.`),
  );
  return section('confusion', 'Confusion matrix', content);
}

export function classesSection(versions: readonly ReportVersion[]): string {
  const content = columns(versions, name, (v) => {
    const perClass = v.metrics?.perClass;
    if (!perClass || Object.keys(perClass).length === 0)
      return note(
        isRegression(v) ? 'A regression model: no classes.' : `${name(v)} has no per-class metrics recorded.`,
      );
    return (
      figure(
        classBarsChart(perClass, name(v)),
        'Precision, recall and F1 of each class on the validation split.',
      ) +
      table(
        `Per-class metrics of ${name(v)}`,
        ['class', 'precision', 'recall', 'F1', 'support'],
        Object.entries(perClass).map(([label, m]) => [
          label,
          formatNumber(m.precision),
          formatNumber(m.recall),
          formatNumber(m.f1),
          formatCount(m.support),
        ]),
      )
    );
  });
  return section('classes', 'Per-class precision, recall and F1', content);
}

/** What a version without baseline.json says instead of histograms. */
export const NO_BASELINE = 'no baseline (trained before mlops stored one)';
const UNREADABLE_BASELINE = 'baseline.json is not in a format this mlops reads (written by a newer mlops?)';

export function baselineSection(versions: readonly ReportVersion[]): string {
  const content = columns(versions, name, (v, i) => {
    const baseline = v.baseline;
    if (baseline === 'absent') return note(NO_BASELINE);
    if (baseline === 'unreadable') return note(UNREADABLE_BASELINE);
    const charts = [
      ...baseline.features.map((f) => histogramChart(f.name, featureBins(f), colour(i))),
      histogramChart(
        baseline.predictions.kind === 'classes' ? 'predicted class (validation)' : 'prediction (validation)',
        predictionBins(baseline.predictions),
        '#595959',
      ),
    ];
    return (
      `<p>Share of training rows (${formatCount(baseline.rows.train)}) in each decile bin of every feature, and of validation rows (${formatCount(baseline.rows.validation)}) per prediction: what drift is measured against.</p>` +
      `<div class="grid">${charts.map((svg) => `<figure>${svg}</figure>`).join('')}</div>`
    );
  });
  return section('baseline', 'Feature baseline', content);
}
