import { escapeHtml, formatTime } from './format.js';
import { lineageSection } from './lineage-section.js';
import type { ReportVersion } from './report-version.js';
import {
  baselineSection,
  classesSection,
  confusionSection,
  lossSection,
  summarySection,
} from './sections.js';

export interface ReportInput {
  /** One version, or two: a reference A, then the version B compared against it (B − A). */
  readonly versions: readonly [ReportVersion] | readonly [ReportVersion, ReportVersion];
  /** When the report was made (ISO), shown in its footer. */
  readonly generatedAt: string;
}

/**
 * Nothing may be fetched when the page is viewed: no scripts at all, styles and images only inline.
 * The policy also keeps a label that slipped past escaping from running.
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1a1a1a; background: #fff;
  max-width: 1120px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #1a1a1a; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: .5rem 0; }
header p { color: #4a4a4a; margin: 0; }
section { margin-top: 2.5rem; }
table { border-collapse: collapse; margin: 1rem 0; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
th, td { padding: .25rem .7rem; border-bottom: 1px solid #d0d0d0; text-align: right; vertical-align: top; }
th[scope=row], thead th:first-child, td.hash { text-align: left; }
td { overflow-wrap: anywhere; }
td.hash code { font-size: .8rem; word-break: break-all; }
.verdict { font-weight: 600; white-space: nowrap; }
.verdict.better { color: #14642f; }
.verdict.worse { color: #a4161a; }
.verdict.changed { color: #7a4b00; }
tr.differs, tr.better, tr.worse { background: #fbf6e9; }
figure { margin: 1rem 0; break-inside: avoid; }
figcaption { color: #4a4a4a; font-size: .9rem; }
svg.chart { display: block; width: 100%; height: auto; max-width: 720px; }
svg.chart-histogram { max-width: 380px; }
.columns { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 28px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 8px 16px; }
.grid figure { margin: 0; }
.note { font-style: italic; color: #4a4a4a; }
footer { margin-top: 3rem; color: #4a4a4a; font-size: .85rem; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  section { break-before: page; margin-top: 0; }
  section:first-of-type { break-before: auto; }
  figure, svg.chart, table { break-inside: avoid; }
  svg.chart { max-height: 230mm; }
  .columns { gap: 12px; }
}`;

/** The whole report: one self-contained HTML document (inline style and SVG, no script, no URL). */
export function renderReport(input: ReportInput): string {
  const { versions } = input;
  const [a, b] = versions;
  const heading = b
    ? `${a.manifest.model} ${b.manifest.version} vs ${a.manifest.version}`
    : `${a.manifest.model} ${a.manifest.version}`;
  const intro = b
    ? `Comparing ${b.manifest.version} (orange) against ${a.manifest.version} (blue); differences are marked.`
    : `Created ${formatTime(a.manifest.createdAt)} by ${a.manifest.createdBy}.`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(heading)} — model report</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<header><h1>Model report: ${escapeHtml(heading)}</h1><p>${escapeHtml(intro)}</p></header>`,
    '<main>',
    summarySection(versions),
    lossSection(versions),
    confusionSection(versions),
    classesSection(versions),
    baselineSection(versions),
    lineageSection(versions),
    '</main>',
    `<footer>Made by mlops models report, ${escapeHtml(formatTime(input.generatedAt))}.</footer>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** How many sections a report has (each starts a page when printed). */
export const REPORT_SECTIONS = 6;
