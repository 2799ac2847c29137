import type { Writable } from 'node:stream';

/** A writable that may be a terminal (process.stderr, or a test's capture stream). */
export type OutStream = Writable & { isTTY?: boolean; columns?: number };

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string) => text;

export function createStyle(enabled: boolean): Style {
  if (!enabled) return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** Fixed-width table with a header row; columns sized to their widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  // A loop, not a spread: a spread of many rows overflows the call stack.
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? '').length), h.length));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const BARS = '▁▂▃▄▅▆▇█';

/** A one-line chart of a series, resampled to `width` points (e.g. a loss curve). */
export function sparkline(values: readonly number[], width = 40): string {
  if (values.length === 0) return '';
  const points =
    values.length <= width
      ? values
      : Array.from({ length: width }, (_, i) => values[Math.floor((i * values.length) / width)] ?? 0);
  const min = Math.min(...points);
  const span = Math.max(...points) - min || 1;
  return points.map((v) => BARS[Math.round(((v - min) / span) * (BARS.length - 1))]).join('');
}

export const formatNumber = (value: number | undefined, digits = 4): string =>
  value === undefined || Number.isNaN(value)
    ? '-'
    : Number.isInteger(value)
      ? String(value)
      : value.toFixed(digits);
