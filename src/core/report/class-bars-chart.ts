import type { ClassMetrics } from '../../ml/metrics.js';
import { formatCount, formatNumber } from './format.js';
import { GRID, INK, legend, line, linearScale, MUTED, rect, svgFrame, text } from './svg.js';

const W = 720;
const H = 340;
const M = { top: 40, right: 16, bottom: 56, left: 52 };
const MEASURES = [
  { key: 'precision', label: 'precision', colour: '#1f5fa8' },
  { key: 'recall', label: 'recall', colour: '#c1540b' },
  { key: 'f1', label: 'F1', colour: '#2b7a4b' },
] as const;

const short = (label: string, max: number): string =>
  label.length > max ? `${label.slice(0, max - 1)}…` : label;
const unit = (value: number): number => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);

/** Precision, recall and F1 of every class as grouped bars on a 0–1 scale, values printed above the bars. */
export function classBarsChart(perClass: Readonly<Record<string, ClassMetrics>>, caption = ''): string {
  const classes = Object.entries(perClass);
  const y = linearScale([0, 1], [H - M.bottom, M.top]);
  const groupWidth = (W - M.left - M.right) / Math.max(1, classes.length);
  const barWidth = Math.min(48, (groupWidth * 0.8) / MEASURES.length);
  const body: string[] = [];
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    body.push(line(M.left, y(t), W - M.right, y(t), GRID));
    body.push(text(M.left - 8, y(t) + 4, t.toFixed(2), { 'text-anchor': 'end', fill: MUTED }));
  }
  const maxChars = Math.max(4, Math.floor(groupWidth / 7));
  classes.forEach(([name, m], i) => {
    const groupLeft = M.left + i * groupWidth + (groupWidth - barWidth * MEASURES.length) / 2;
    MEASURES.forEach((measure, j) => {
      const value = unit(m[measure.key]);
      const x = groupLeft + j * barWidth;
      body.push(
        rect(
          x,
          y(value),
          barWidth - 2,
          y(0) - y(value),
          measure.colour,
          `${name} ${measure.label}: ${formatNumber(m[measure.key])}`,
        ),
      );
      if (barWidth >= 22) {
        body.push(
          text(x + (barWidth - 2) / 2, y(value) - 4, value.toFixed(2), {
            'text-anchor': 'middle',
            fill: INK,
            'font-size': 10,
          }),
        );
      }
    });
    body.push(
      text(M.left + (i + 0.5) * groupWidth, H - M.bottom + 18, short(name, maxChars), {
        'text-anchor': 'middle',
        fill: INK,
      }),
    );
  });
  body.push(line(M.left, y(0), W - M.right, y(0), INK));
  body.push(legend(MEASURES, M.left, 20));
  return svgFrame(
    {
      kind: 'classes',
      width: W,
      height: H,
      title: `Precision, recall and F1 per class${caption ? ` of ${caption}` : ''}`,
      description: classes
        .map(
          ([name, m]) =>
            `${name}: precision ${formatNumber(m.precision)}, recall ${formatNumber(m.recall)}, F1 ${formatNumber(m.f1)}, support ${formatCount(m.support)}.`,
        )
        .join(' '),
    },
    body,
  );
}
