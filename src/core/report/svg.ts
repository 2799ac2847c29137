import { escapeHtml } from './format.js';

/**
 * What every chart of the report is built from: an accessible <svg> frame, linear scales and axis ticks.
 * Pure functions of numbers to markup; no chart ever divides by a span of zero (one epoch, one class,
 * a constant feature), so no NaN reaches an attribute.
 */

/** Colours of the two versions of a comparison (blue and orange: told apart by colour-blind readers too). */
export const SERIES_COLOURS = ['#1f5fa8', '#c1540b'] as const;
export const INK = '#1a1a1a';
export const MUTED = '#595959';
export const GRID = '#e3e3e3';

export interface ChartFrame {
  readonly width: number;
  readonly height: number;
  /** Read by screen readers (the svg's <title> and aria-label) and shown as a tooltip. */
  readonly title: string;
  /** A longer text alternative: what the chart shows, in words. */
  readonly description?: string;
  readonly kind: string;
}

/** The <svg> element of a chart: role="img", a <title> and aria-label, scaled by its viewBox. */
export function svgFrame(frame: ChartFrame, body: readonly string[]): string {
  const title = escapeHtml(frame.title);
  return [
    `<svg class="chart chart-${escapeHtml(frame.kind)}" viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${title}</title>`,
    frame.description ? `<desc>${escapeHtml(frame.description)}</desc>` : '',
    ...body,
    '</svg>',
  ].join('');
}

export type Scale = (value: number) => number;

/**
 * Maps [d0, d1] onto [r0, r1]. A domain of zero width (every value equal) maps to the middle of the
 * range instead of dividing by zero.
 */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  if (!Number.isFinite(span) || span === 0) return () => (r0 + r1) / 2;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/**
 * About `count` round tick values covering [min, max] (1, 2 or 5 times a power of ten apart), and the
 * domain they span, which the chart then uses so that its first and last ticks sit on the axis ends.
 */
export function niceTicks(
  min: number,
  max: number,
  count = 5,
): { ticks: number[]; domain: [number, number] } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { ticks: [0, 1], domain: [0, 1] };
  if (min === max) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) / 2 : 1;
    return niceTicks(min - pad, max + pad, count);
  }
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const start = Math.floor(min / step) * step;
  const end = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  // rounding keeps 0.30000000000000004 out of the labels
  for (let i = 0; start + i * step <= end + step / 2; i += 1)
    ticks.push(Number((start + i * step).toPrecision(12)));
  return { ticks, domain: [start, end] };
}

/** Integer ticks from 1 to `last` (epochs), at most about `count` of them. */
export function integerTicks(last: number, count = 8): number[] {
  const step = Math.max(1, Math.ceil(last / count));
  const ticks: number[] = [];
  for (let t = 1; t <= last; t += step) ticks.push(t);
  if (ticks.at(-1) !== last) ticks.push(last);
  return ticks;
}

/** A tick label: as many decimals as the step between ticks needs, no more. */
export function tickLabel(value: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs((ticks[1] ?? 0) - (ticks[0] ?? 0)) : 1;
  const decimals = step > 0 && step < 1 ? Math.min(6, Math.ceil(-Math.log10(step))) : 0;
  return value.toFixed(decimals);
}

/** A number for an SVG attribute: two decimals at most. */
export const px = (value: number): string => String(Math.round(value * 100) / 100);

export function text(
  x: number,
  y: number,
  content: string,
  attributes: Readonly<Record<string, string | number>> = {},
): string {
  const extra = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${escapeHtml(typeof v === 'number' ? px(v) : v)}"`)
    .join('');
  return `<text x="${px(x)}" y="${px(y)}"${extra}>${escapeHtml(content)}</text>`;
}

export const line = (x1: number, y1: number, x2: number, y2: number, stroke: string, extra = ''): string =>
  `<line x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}" stroke="${stroke}"${extra}/>`;

/** A rectangle with a tooltip (<title>) saying what it stands for. */
export const rect = (
  x: number,
  y: number,
  width: number,
  height: number,
  fill: string,
  tip?: string,
): string =>
  `<rect x="${px(x)}" y="${px(y)}" width="${px(Math.max(0, width))}" height="${px(Math.max(0, height))}" fill="${fill}">${
    tip === undefined ? '' : `<title>${escapeHtml(tip)}</title>`
  }</rect>`;

export interface LegendEntry {
  readonly label: string;
  readonly colour: string;
  /** A dashed swatch (validation curves). */
  readonly dashed?: boolean;
}

/** A one-row legend of line or box swatches, starting at (x, y). */
export function legend(entries: readonly LegendEntry[], x: number, y: number): string {
  let at = x;
  return entries
    .map((entry) => {
      const swatch = `<line x1="${px(at)}" y1="${px(y - 4)}" x2="${px(at + 22)}" y2="${px(y - 4)}" stroke="${entry.colour}" stroke-width="3"${
        entry.dashed ? ' stroke-dasharray="5 3"' : ''
      }/>`;
      const label = text(at + 28, y, entry.label, { fill: INK });
      at += 40 + entry.label.length * 6.5;
      return swatch + label;
    })
    .join('');
}
