import type { FeatureBaseline, PredictionBaseline } from '../../ml/baseline.js';
import { formatNumber } from './format.js';
import { GRID, INK, line, linearScale, MUTED, niceTicks, rect, svgFrame, text, tickLabel } from './svg.js';

/** One bar: its axis label, the share of rows in it, and the tooltip saying which values it holds. */
export interface Bin {
  readonly label: string;
  readonly share: number;
  readonly tip: string;
}

const W = 360;
const H = 230;
const M = { top: 34, right: 10, bottom: 58, left: 44 };

/** A cut point written short enough for an axis (3 significant digits; whole numbers as they are). */
const edgeText = (value: number): string =>
  Number.isInteger(value) ? String(value) : Number(value.toPrecision(3)).toString();

/**
 * The bins of a feature's baseline, following baseline.ts: bin i holds the values with i edges strictly
 * below them, so (-inf, e0], (e0, e1], …, (e_last, +inf).
 */
export function featureBins(feature: FeatureBaseline): Bin[] {
  const { edges, shares } = feature;
  return shares.map((share, i) => {
    const low = edges[i - 1];
    const high = edges[i];
    const label =
      low === undefined && high === undefined
        ? 'all'
        : low === undefined
          ? `≤ ${edgeText(high ?? 0)}`
          : high === undefined
            ? `> ${edgeText(low)}`
            : `≤ ${edgeText(high)}`;
    const range =
      low === undefined && high === undefined
        ? 'every value'
        : low === undefined
          ? `values ≤ ${high}`
          : high === undefined
            ? `values > ${low}`
            : `values in (${low}, ${high}]`;
    return {
      label,
      share,
      tip: `${feature.name}: ${range}: ${formatNumber(share * 100, 1)} % of training rows`,
    };
  });
}

/** The bins of the predictions baseline: one per class, or value bins for a regression. */
export function predictionBins(predictions: PredictionBaseline): Bin[] {
  if (predictions.kind === 'classes') {
    return predictions.shares.map((share, i) => {
      const label = predictions.labels[i] ?? `class ${i + 1}`;
      return {
        label,
        share,
        tip: `predicted ${label}: ${formatNumber(share * 100, 1)} % of validation rows`,
      };
    });
  }
  return featureBins({ name: 'prediction', edges: predictions.edges, shares: predictions.shares });
}

/** Bars of equal width, one per bin, as tall as the share of rows in it; the axis in percent. */
export function histogramChart(title: string, bins: readonly Bin[], colour: string): string {
  const shares = bins.map((b) => (Number.isFinite(b.share) ? Math.max(0, b.share) : 0));
  const { ticks, domain } = niceTicks(0, Math.max(0.1, ...shares), 4);
  const y = linearScale(domain, [H - M.bottom, M.top]);
  const width = (W - M.left - M.right) / Math.max(1, bins.length);
  const body: string[] = [text(M.left, 16, title, { fill: INK, 'font-weight': 'bold' })];
  for (const t of ticks) {
    body.push(line(M.left, y(t), W - M.right, y(t), GRID));
    body.push(
      text(
        M.left - 6,
        y(t) + 4,
        `${tickLabel(
          t * 100,
          ticks.map((v) => v * 100),
        )}%`,
        { 'text-anchor': 'end', fill: MUTED, 'font-size': 10 },
      ),
    );
  }
  bins.forEach((bin, i) => {
    const share = shares[i] ?? 0;
    const x = M.left + i * width;
    body.push(rect(x + 1, y(share), width - 2, y(0) - y(share), colour, bin.tip));
    const cx = x + width / 2;
    const cy = H - M.bottom + 12;
    body.push(
      text(cx, cy, bin.label.length > 12 ? `${bin.label.slice(0, 11)}…` : bin.label, {
        'text-anchor': 'end',
        fill: MUTED,
        'font-size': 10,
        transform: `rotate(-40 ${cx.toFixed(2)} ${cy.toFixed(2)})`,
      }),
    );
  });
  body.push(line(M.left, y(0), W - M.right, y(0), INK));
  return svgFrame(
    {
      kind: 'histogram',
      width: W,
      height: H,
      title: `Baseline histogram: ${title}`,
      description: bins.map((b) => b.tip).join('; '),
    },
    body,
  );
}
