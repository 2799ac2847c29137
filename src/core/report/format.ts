/**
 * Escaping and number formatting for the report: everything that came from data (version names, class
 * labels, parameters, data sources) goes through `escapeHtml` before it reaches the page.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in element content and in double- or single-quoted attributes. */
export const escapeHtml = (value: unknown): string =>
  String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/** Digits after the point for metric values, everywhere in the report. */
export const METRIC_DIGITS = 4;

/** Summary metrics that count something (shown as whole numbers); the others are measures. */
const COUNT_METRICS = new Set(['epochsRun', 'bestEpoch', 'epochs', 'rows', 'support']);

/**
 * A measure (accuracy, loss, F1 …) always with `digits` decimals, so that 1 reads 1.0000 beside 0.9667;
 * anything not finite (absent, NaN, ±Infinity) as an en dash.
 */
export function formatNumber(value: number | undefined | null, digits = METRIC_DIGITS): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** A count (rows, support, bytes, epochs) as a whole number grouped by thousands: 12,345. */
export function formatCount(value: number | undefined | null): string {
  return value === undefined || value === null || !Number.isFinite(value)
    ? '–'
    : Math.round(value).toLocaleString('en-US');
}

/** A summary metric by its name: a count or a measure. */
export const formatMetric = (name: string, value: number | undefined): string =>
  COUNT_METRICS.has(name) ? formatCount(value) : formatNumber(value);

/** A difference of metric `name` with its sign always shown (+0.0133, −2), the minus a true minus sign. */
export function formatDelta(name: string, value: number): string {
  if (!Number.isFinite(value)) return '–';
  const text = formatMetric(name, Math.abs(value));
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text;
}

/** A parameter value as a person reads it: strings bare, the rest as JSON. */
export const formatParameter = (value: unknown): string =>
  typeof value === 'string' ? value : value === undefined ? '–' : JSON.stringify(value);

/** An ISO timestamp as `2026-11-27 15:07:27 UTC`; anything else as it is. */
export function formatTime(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : `${new Date(time).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}
