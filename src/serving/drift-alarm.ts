import type { IoHost } from '../kernel/io-host.js';
import { PSI_DRIFT } from '../ml/psi.js';
import type { DriftReport } from './drift-window.js';

/** A feature is named again at most this often while it stays above the threshold. */
export const DRIFT_WARN_INTERVAL_MS = 60_000;
/** Features a warning names (the worst first); the event's data carries them all. */
const NAMED = 5;

/**
 * The serve log's drift warning: given each report (on scrape and on the app's timer), one `drift`
 * event when features pass PSI 0.2, naming the worst. A feature is warned about at most once per
 * interval, however often the window is looked at.
 */
export function driftAlarm(
  io: IoHost | undefined,
  model: string,
  now: () => number = Date.now,
): (report: DriftReport) => void {
  const warnedAt = new Map<string, number>();
  return (report) => {
    const over = report.features.filter((f) => f.psi > PSI_DRIFT).sort((a, b) => b.psi - a.psi);
    const t = now();
    const fresh = over.filter((f) => t - (warnedAt.get(f.name) ?? -Infinity) >= DRIFT_WARN_INTERVAL_MS);
    if (fresh.length === 0) return;
    for (const f of fresh) warnedAt.set(f.name, t);
    const named = over
      .slice(0, NAMED)
      .map((f) => `${f.name} ${f.psi.toFixed(2)}`)
      .join(', ');
    io?.notify({
      level: 'warn',
      event: 'drift',
      message: `Feature drift in ${model} ${report.version} over the last ${report.rows} rows (PSI > ${PSI_DRIFT}): ${named}${over.length > NAMED ? ` … (${over.length})` : ''}`,
      data: {
        model,
        version: report.version,
        rows: report.rows,
        features: over.map((f) => ({ feature: f.name, psi: f.psi })),
        predictions: report.predictions,
      },
    });
  };
}
