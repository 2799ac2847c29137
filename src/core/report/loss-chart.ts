import type { LossPoint } from '../../ml/metrics.js';
import { escapeHtml, formatNumber } from './format.js';
import {
  GRID,
  INK,
  integerTicks,
  legend,
  line,
  linearScale,
  MUTED,
  niceTicks,
  px,
  text,
  tickLabel,
  svgFrame,
  type LegendEntry,
} from './svg.js';

/** One version's curve: its loss and validation loss per epoch, and the epoch whose weights were kept. */
export interface LossSeries {
  readonly label: string;
  readonly colour: string;
  readonly curve: readonly LossPoint[];
  readonly bestEpoch?: number;
}

const W = 720;
const H = 360;
/** Legend rows (one per version) sit above the plot. */
const LEGEND_ROW = 18;
const M = { top: 20, right: 20, bottom: 46, left: 60 };
/** Above this many epochs a dot per point is clutter. */
const MAX_DOTS = 60;

const finite = (curve: readonly LossPoint[]): LossPoint[] =>
  curve.filter((p) => Number.isFinite(p.epoch) && Number.isFinite(p.loss) && Number.isFinite(p.valLoss));

/**
 * Loss (solid) and validation loss (dashed) per epoch for one version, or two overlaid with a legend;
 * the best epoch marked with a vertical rule and a ring on its validation loss.
 */
export function lossChart(series: readonly LossSeries[]): string {
  const curves = series.map((s) => ({ ...s, curve: finite(s.curve) }));
  const top = M.top + LEGEND_ROW * Math.max(1, curves.length);
  const points = curves.flatMap((s) => s.curve);
  const lastEpoch = Math.max(1, ...points.map((p) => p.epoch));
  const values = points.flatMap((p) => [p.loss, p.valLoss]);
  const { ticks, domain } = niceTicks(Math.min(0, ...values), Math.max(...values, 0));
  const x = linearScale(lastEpoch === 1 ? [0, 2] : [1, lastEpoch], [M.left, W - M.right]);
  const y = linearScale(domain, [H - M.bottom, top]);
  const body: string[] = [];
  for (const t of ticks) {
    body.push(line(M.left, y(t), W - M.right, y(t), GRID));
    body.push(text(M.left - 8, y(t) + 4, tickLabel(t, ticks), { 'text-anchor': 'end', fill: MUTED }));
  }
  for (const t of integerTicks(lastEpoch)) {
    body.push(text(x(t), H - M.bottom + 18, String(t), { 'text-anchor': 'middle', fill: MUTED }));
  }
  body.push(line(M.left, H - M.bottom, W - M.right, H - M.bottom, INK));
  body.push(line(M.left, top, M.left, H - M.bottom, INK));
  body.push(text((M.left + W - M.right) / 2, H - 8, 'epoch', { 'text-anchor': 'middle', fill: INK }));
  body.push(
    text(16, (top + H - M.bottom) / 2, 'loss', {
      'text-anchor': 'middle',
      fill: INK,
      transform: `rotate(-90 16 ${px((top + H - M.bottom) / 2)})`,
    }),
  );
  for (const s of curves) {
    const path = (pick: (p: LossPoint) => number) =>
      s.curve.map((p) => `${px(x(p.epoch))},${px(y(pick(p)))}`).join(' ');
    body.push(
      `<polyline fill="none" stroke="${s.colour}" stroke-width="2.5" points="${path((p) => p.loss)}"/>`,
    );
    body.push(
      `<polyline fill="none" stroke="${s.colour}" stroke-width="2.5" stroke-dasharray="6 4" points="${path((p) => p.valLoss)}"/>`,
    );
    if (s.curve.length <= MAX_DOTS) {
      for (const p of s.curve) {
        body.push(
          `<circle cx="${px(x(p.epoch))}" cy="${px(y(p.loss))}" r="2.5" fill="${s.colour}"><title>${s.label === '' ? '' : `${escapeHtml(s.label)} `}epoch ${p.epoch}: loss ${formatNumber(p.loss)}, validation loss ${formatNumber(p.valLoss)}</title></circle>`,
        );
      }
    }
    const best = s.curve.find((p) => p.epoch === s.bestEpoch);
    if (best) {
      body.push(line(x(best.epoch), top, x(best.epoch), H - M.bottom, s.colour, ' stroke-dasharray="2 3"'));
      body.push(
        `<circle cx="${px(x(best.epoch))}" cy="${px(y(best.valLoss))}" r="6" fill="none" stroke="${s.colour}" stroke-width="2"/>`,
      );
      body.push(
        text(
          // on the right half the label goes left of the rule, so that it stays inside the chart
          x(best.epoch) + (x(best.epoch) > W / 2 ? -4 : 4),
          top + 12 + 14 * curves.indexOf(s),
          `${s.label ? `${s.label} ` : ''}best epoch ${best.epoch}`,
          { fill: INK, 'text-anchor': x(best.epoch) > W / 2 ? 'end' : 'start' },
        ),
      );
    }
  }
  curves.forEach((s, i) => {
    const entries: LegendEntry[] = [
      { label: `${s.label ? `${s.label} ` : ''}loss`, colour: s.colour },
      { label: `${s.label ? `${s.label} ` : ''}validation loss`, colour: s.colour, dashed: true },
    ];
    body.push(legend(entries, M.left, M.top + LEGEND_ROW * i));
  });
  const names = curves.map((s) => s.label).filter(Boolean);
  return svgFrame(
    {
      kind: 'loss',
      width: W,
      height: H,
      title: `Loss curves${names.length ? ` of ${names.join(' and ')}` : ''}`,
      description: curves
        .map(
          (s) =>
            `${s.label || 'this version'}: ${s.curve.length} epoch(s), final loss ${formatNumber(s.curve.at(-1)?.loss)}, final validation loss ${formatNumber(s.curve.at(-1)?.valLoss)}, best epoch ${s.bestEpoch ?? '–'}.`,
        )
        .join(' '),
    },
    body,
  );
}
