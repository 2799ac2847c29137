import { describe, expect, it } from 'vitest';
import { classBarsChart } from '../../src/core/report/class-bars-chart.js';
import { metricDeltas, parameterRows } from '../../src/core/report/compare.js';
import { confusionChart, heat, inkOn } from '../../src/core/report/confusion-chart.js';
import {
  escapeHtml,
  formatCount,
  formatDelta,
  formatMetric,
  formatNumber,
} from '../../src/core/report/format.js';
import { featureBins, histogramChart } from '../../src/core/report/histogram-chart.js';
import { lossChart } from '../../src/core/report/loss-chart.js';
import { reportFileName } from '../../src/core/report/make-report.js';
import { renderReport } from '../../src/core/report/page.js';
import { NO_BASELINE } from '../../src/core/report/sections.js';
import { linearScale, niceTicks } from '../../src/core/report/svg.js';
import { reportVersion, standInBaseline } from './fixture.js';

const EVIL = '<script>alert("x")</script>';
const evilEscaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;';

/** No NaN or Infinity in any attribute or label (degenerate data must still draw). */
const expectFinite = (markup: string): void => {
  expect(markup).not.toMatch(/NaN|Infinity/);
};

describe('escaping and number formats', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`a&b<c>"d"'e'`)).toBe('a&amp;b&lt;c&gt;&quot;d&quot;&#39;e&#39;');
  });

  it('writes measures with four decimals, counts whole, differences signed, absent values as a dash', () => {
    expect(formatNumber(1)).toBe('1.0000');
    expect(formatNumber(0.96666)).toBe('0.9667');
    expect(formatNumber(Number.NaN)).toBe('–');
    expect(formatCount(12345)).toBe('12,345');
    expect(formatMetric('epochsRun', 8)).toBe('8');
    expect(formatMetric('accuracy', 1)).toBe('1.0000');
    expect(formatDelta('accuracy', 0.0133)).toBe('+0.0133');
    expect(formatDelta('bestEpoch', -2)).toBe('−2');
  });

  it('names the default file after the model and versions, safe for any file system', () => {
    expect(reportFileName('iris', ['v1.1'])).toBe('report-iris-v1.1.html');
    expect(reportFileName('iris', ['v1.1', 'v1.0'])).toBe('report-iris-v1.1-vs-v1.0.html');
    expect(reportFileName('a/b c', ['v1.0'])).toBe('report-a-b-c-v1.0.html');
  });
});

describe('scales and ticks never divide by zero', () => {
  it('a zero-width domain maps to the middle of the range', () => {
    expect(linearScale([3, 3], [0, 100])(3)).toBe(50);
    expect(linearScale([0, 10], [0, 100])(5)).toBe(50);
  });

  it('ticks are round numbers covering the values, also for one value', () => {
    expect(niceTicks(0, 1, 5).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const one = niceTicks(0.5, 0.5);
    expect(one.domain[0]).toBeLessThan(0.5);
    expect(one.domain[1]).toBeGreaterThan(0.5);
    expect(one.ticks.every(Number.isFinite)).toBe(true);
  });
});

describe('charts', () => {
  it('every chart is an accessible SVG: role="img", a <title> and an aria-label', () => {
    const v = reportVersion();
    const baseline = standInBaseline(['x'], ['a']);
    for (const svg of [
      lossChart([{ label: '', colour: '#000', curve: v.metrics!.lossCurve, bestEpoch: 3 }]),
      confusionChart(v.metrics!.confusionMatrix!),
      classBarsChart(v.metrics!.perClass!),
      histogramChart('x', featureBins(baseline.features[0]!), '#000'),
    ]) {
      expect(svg).toMatch(/^<svg [^>]*role="img"[^>]*aria-label="[^"]+"/);
      expect(svg).toMatch(/<title>[^<]+<\/title>/);
      expectFinite(svg);
    }
  });

  it('one epoch, one class, a constant feature and an empty curve draw without NaN', () => {
    expectFinite(
      lossChart([
        { label: 'v1.0', colour: '#000', curve: [{ epoch: 1, loss: 0.5, valLoss: 0.5 }], bestEpoch: 1 },
      ]),
    );
    expectFinite(lossChart([{ label: '', colour: '#000', curve: [] }]));
    expectFinite(lossChart([{ label: '', colour: '#000', curve: [{ epoch: 1, loss: 0, valLoss: 0 }] }]));
    const single = confusionChart({ labels: ['only'], matrix: [[0]] });
    expectFinite(single);
    expect(single).toContain('>0</text>');
    expectFinite(classBarsChart({ only: { precision: 0, recall: 0, f1: 0, support: 0 } }));
    const constant = featureBins({ name: 'c', edges: [], shares: [1] });
    expect(constant).toEqual([expect.objectContaining({ label: 'all', share: 1 })]);
    expectFinite(histogramChart('c', constant, '#000'));
  });

  it('bins follow baseline.ts: (-inf, e0], (e0, e1], …, (e_last, +inf)', () => {
    const bins = featureBins({ name: 'f', edges: [1, 2.5], shares: [0.2, 0.5, 0.3] });
    expect(bins.map((b) => b.label)).toEqual(['≤ 1', '≤ 2.5', '> 2.5']);
    expect(bins[1]!.tip).toContain('values in (1, 2.5]');
  });

  it('the confusion matrix labels both axes, prints every count and has a legend up to the largest', () => {
    const svg = confusionChart({
      labels: ['a', 'b'],
      matrix: [
        [7, 1],
        [2, 40],
      ],
    });
    for (const n of ['7', '1', '2', '40']) expect(svg).toContain(`>${n}</text>`);
    expect(svg).toContain('predicted class');
    expect(svg).toContain('true class');
    expect(svg).toContain('>rows</text>');
  });

  it('the count on every shade of the heat map has a text contrast of 4.5:1 or more (WCAG AA)', () => {
    const channels = (css: string): number[] =>
      css.startsWith('#')
        ? [1, 3, 5].map((i) => parseInt(css.slice(i, i + 2), 16))
        : (css.match(/\d+/g) ?? []).map(Number);
    const luminance = (css: string): number => {
      const [r = 0, g = 0, b = 0] = channels(css).map((c) =>
        c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4,
      );
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (let share = 0; share <= 1; share += 0.05) {
      const [light, dark] = [luminance(heat(share)), luminance(inkOn(share))].sort((a, b) => b - a) as [
        number,
        number,
      ];
      expect((light + 0.05) / (dark + 0.05), `share ${share.toFixed(2)}`).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('a class named like a script tag is escaped in every chart, tooltip and table', () => {
    const v = reportVersion({
      metrics: {
        lossCurve: [{ epoch: 1, loss: 1, valLoss: 1 }],
        perClass: { [EVIL]: { precision: 1, recall: 1, f1: 1, support: 3 } },
        confusionMatrix: { labels: [EVIL], matrix: [[3]] },
      },
      baseline: standInBaseline([EVIL], [EVIL]),
      version: 'v1.0',
      manifest: { ...reportVersion().manifest, parameters: { [EVIL]: EVIL }, createdBy: EVIL },
    });
    const html = renderReport({ versions: [v], generatedAt: '2026-11-27T10:00:00.000Z' });
    expect(html).not.toContain('<script');
    expect(html).toContain(evilEscaped);
  });
});

describe('the page', () => {
  const generatedAt = '2026-11-27T10:00:00.000Z';

  it('is self-contained: no script, no URL but the SVG namespace, a policy that forbids fetching', () => {
    const html = renderReport({ versions: [reportVersion()], generatedAt });
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    const urls = html.match(/https?:\/\/[^"'\s)<]+/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).toMatch(/<title>iris v1\.0 — model report<\/title>/);
  });

  it('has six sections, each starting a printed page, charts kept whole', () => {
    const html = renderReport({ versions: [reportVersion()], generatedAt });
    expect(html.match(/<section /g)).toHaveLength(6);
    expect(html).toMatch(/@media print \{[^]*section \{ break-before: page;/);
    expect(html).toMatch(/figure, svg\.chart, table \{ break-inside: avoid; \}/);
  });

  it('says so when a version has no baseline, and when it cannot read one', () => {
    expect(renderReport({ versions: [reportVersion({ baseline: 'absent' })], generatedAt })).toContain(
      NO_BASELINE,
    );
    expect(renderReport({ versions: [reportVersion({ baseline: 'unreadable' })], generatedAt })).toContain(
      'baseline.json is not in a format this mlops reads',
    );
  });

  it('a regression version shows rmse, mae and r2 instead of a confusion matrix', () => {
    const v = reportVersion({
      metrics: {
        task: 'regression',
        lossCurve: [{ epoch: 1, loss: 2, valLoss: 3 }],
        rmse: 1.5,
        mae: 1.25,
        r2: 0.75,
      },
    });
    const html = renderReport({ versions: [v], generatedAt });
    expect(html).toContain('Regression errors');
    for (const value of ['1.5000', '1.2500', '0.7500']) expect(html).toContain(value);
    expect(html).not.toContain('class="chart chart-confusion"');
  });

  it('a comparison marks each difference with an arrow and a word, and the parameters that differ', () => {
    const a = reportVersion({ version: 'v1.0' });
    const b = reportVersion({
      version: 'v1.1',
      manifest: {
        ...a.manifest,
        version: 'v1.1',
        metrics: { accuracy: 0.95, macroF1: 0.8, epochsRun: 10 },
        parameters: { epochs: 10, learningRate: 0.05 },
      },
    });
    const html = renderReport({ versions: [a, b], generatedAt });
    expect(html).toContain('<title>iris v1.1 vs v1.0 — model report</title>');
    expect(html).toMatch(
      /<tr class="better"><th scope="row">accuracy<\/th><td>0\.9000<\/td><td>0\.9500<\/td><td>\+0\.0500<\/td><td class="verdict better">▲ better<\/td>/,
    );
    expect(html).toMatch(/<tr class="worse"><th scope="row">macroF1<\/th>.*?▼ worse/);
    expect(html).toMatch(/<tr class="same"><th scope="row">epochsRun<\/th>.*?= same/);
    expect(html).toMatch(
      /<tr class="differs"><th scope="row">learningRate<\/th><td>0\.01<\/td><td>0\.05<\/td><td class="verdict changed">≠ differs<\/td>/,
    );
    expect(html).toMatch(/<tr><th scope="row">epochs<\/th><td>10<\/td><td>10<\/td><td><\/td>/);
  });
});

describe('comparing metrics', () => {
  it('knows which way is better for each kind of metric', () => {
    const deltas = metricDeltas(
      { accuracy: 0.9, rmse: 2, trainingSeconds: 3, only: 1 },
      { accuracy: 0.8, rmse: 1, trainingSeconds: 4 },
    );
    expect(deltas.map((d) => [d.name, d.verdict])).toEqual([
      ['accuracy', 'worse'],
      ['rmse', 'better'],
      ['trainingSeconds', 'changed'],
      ['only', 'missing'],
    ]);
  });

  it('compares parameters as JSON, arrays included', () => {
    expect(parameterRows({ f: ['a', 'b'], n: 1 }, { f: ['a', 'b'], n: 2 })).toEqual([
      { name: 'f', a: ['a', 'b'], b: ['a', 'b'], differs: false },
      { name: 'n', a: 1, b: 2, differs: true },
    ]);
  });
});
