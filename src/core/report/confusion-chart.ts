import type { ConfusionMatrix } from '../../ml/metrics.js';
import { formatCount } from './format.js';
import { INK, MUTED, px, rect, svgFrame, text } from './svg.js';

const GRID_SIZE = 420;
const TOP = 56;
const LEGEND_STEPS = 5;
const LIGHT = [244, 248, 252] as const;
const DARK = [8, 48, 107] as const;

type Rgb = readonly [number, number, number];

/** The colour of a cell holding `share` (0 to 1) of the largest count: light to dark blue. */
function shade(share: number): Rgb {
  const t = Number.isFinite(share) ? Math.min(1, Math.max(0, share)) : 0;
  const channel = (i: 0 | 1 | 2) => Math.round(LIGHT[i] + (DARK[i] - LIGHT[i]) * t);
  return [channel(0), channel(1), channel(2)];
}

export const heat = (share: number): string => `rgb(${shade(share).join(',')})`;

/** WCAG relative luminance of an sRGB colour. */
function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * The text colour (black or white) with the higher WCAG contrast on a cell's shade. Black, not the page's
 * near-black ink: with it, every shade has a colour reaching 4.5:1 (with #1a1a1a mid-blues would not).
 */
export function inkOn(share: number): string {
  const l = luminance(shade(share));
  const onWhite = 1.05 / (l + 0.05);
  const onBlack = (l + 0.05) / 0.05;
  return onWhite > onBlack ? '#ffffff' : '#000000';
}

/** A label shortened for an axis; the full text stays in the cell tooltips and the tables. */
const short = (label: string, max = 14): string =>
  label.length > max ? `${label.slice(0, max - 1)}…` : label;

/**
 * The confusion matrix as a heat map: true classes down the left, predicted classes along the top, the
 * count in every cell, and a legend from 0 to the largest count.
 */
export function confusionChart(matrix: ConfusionMatrix, caption = ''): string {
  const { labels } = matrix;
  const k = Math.max(1, labels.length);
  const count = (r: number, c: number): number => {
    const value = matrix.matrix[r]?.[c];
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  };
  let max = 0;
  for (let r = 0; r < k; r += 1) for (let c = 0; c < k; c += 1) max = Math.max(max, count(r, c));
  const left = 24 + Math.min(14, Math.max(4, ...labels.map((l) => l.length))) * 7.5;
  const cell = GRID_SIZE / k;
  const fontSize = Math.max(9, Math.min(16, cell / 3));
  const width = left + GRID_SIZE + 110;
  const height = TOP + GRID_SIZE + 40;
  const body: string[] = [];
  body.push(
    text(left + GRID_SIZE / 2, 16, 'predicted class', {
      'text-anchor': 'middle',
      fill: INK,
      'font-weight': 'bold',
    }),
  );
  body.push(
    text(14, TOP + GRID_SIZE / 2, 'true class', {
      'text-anchor': 'middle',
      fill: INK,
      'font-weight': 'bold',
      transform: `rotate(-90 14 ${px(TOP + GRID_SIZE / 2)})`,
    }),
  );
  labels.forEach((label, i) => {
    body.push(text(left + cell * (i + 0.5), TOP - 10, short(label), { 'text-anchor': 'middle', fill: INK }));
    body.push(text(left - 8, TOP + cell * (i + 0.5) + 4, short(label), { 'text-anchor': 'end', fill: INK }));
  });
  labels.forEach((truth, r) => {
    labels.forEach((predicted, c) => {
      const n = count(r, c);
      const share = max > 0 ? n / max : 0;
      const x = left + c * cell;
      const y = TOP + r * cell;
      body.push(rect(x, y, cell - 1, cell - 1, heat(share), `true ${truth}, predicted ${predicted}: ${n}`));
      body.push(
        text(x + cell / 2, y + cell / 2 + fontSize / 3, formatCount(n), {
          'text-anchor': 'middle',
          fill: inkOn(share),
          'font-size': fontSize,
        }),
      );
    });
  });
  // the legend: LEGEND_STEPS swatches from 0 to the largest count, labelled at both ends and between
  const legendX = left + GRID_SIZE + 30;
  const step = GRID_SIZE / 2 / LEGEND_STEPS;
  body.push(text(legendX, TOP - 10, 'rows', { fill: INK }));
  for (let i = 0; i <= LEGEND_STEPS; i += 1) {
    const share = 1 - i / LEGEND_STEPS;
    const y = TOP + i * step;
    body.push(rect(legendX, y, 18, step, heat(share)));
    body.push(text(legendX + 24, y + step / 2 + 4, formatCount(share * max), { fill: MUTED }));
  }
  const total = labels.reduce((sum, _l, r) => sum + labels.reduce((s, _c, c) => s + count(r, c), 0), 0);
  const correct = labels.reduce((sum, _l, i) => sum + count(i, i), 0);
  return svgFrame(
    {
      kind: 'confusion',
      width: Math.ceil(width),
      height,
      title: `Confusion matrix${caption ? ` of ${caption}` : ''}`,
      description: `${labels.length} classes (${labels.join(', ')}); ${correct} of ${total} validation rows on the diagonal (predicted as their true class).`,
    },
    body,
  );
}
