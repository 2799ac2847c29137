import { parameterRows } from './compare.js';
import { escapeHtml, formatCount, formatParameter } from './format.js';
import { columns, section, table, type Cell, type TableRow } from './html.js';
import type { ReportVersion } from './report-version.js';

/** Where a version came from: its data, code, parameters, backend, run and artifacts (with sha256). */

const DIFFERS: Cell = { html: '≠ differs', className: 'verdict changed' };

/** Rows of `name | value per version`, marked (class and word) where two versions differ. */
function rows(
  versions: readonly ReportVersion[],
  facts: readonly [string, (v: ReportVersion) => unknown][],
): TableRow[] {
  return facts.map(([label, pick]) => {
    const values = versions.map((v) => formatParameter(pick(v) ?? undefined));
    const differs = values.length > 1 && values.some((value) => value !== values[0]);
    return {
      className: differs ? 'differs' : undefined,
      cells: [label, ...values, ...(versions.length > 1 ? [differs ? DIFFERS : ''] : [])],
    };
  });
}

export function lineageSection(versions: readonly ReportVersion[]): string {
  const names = versions.map((v) => v.manifest.version);
  const compared = versions.length > 1;
  const head = ['', ...names, ...(compared ? [''] : [])];
  const source = table(
    'Data, code and run',
    head,
    rows(versions, [
      ['data source', (v) => v.manifest.data.source],
      ['data sha256', (v) => v.manifest.data.sha256 ?? '–'],
      ['data rows', (v) => (v.manifest.data.rows === null ? '–' : formatCount(v.manifest.data.rows))],
      ['git commit', (v) => v.manifest.gitCommit ?? '–'],
      ['run id', (v) => v.manifest.runId ?? '–'],
      ['backend', (v) => v.manifest.backend ?? '–'],
    ]),
  );
  const [a, b] = versions;
  const parameters = table(
    compared ? 'Parameters (those that differ are marked)' : 'Parameters',
    ['parameter', ...names, ...(compared ? [''] : [])],
    parameterRows(a?.manifest.parameters ?? {}, b?.manifest.parameters).map((p) => ({
      className: compared && p.differs ? 'differs' : undefined,
      cells: [
        p.name,
        formatParameter(p.a),
        ...(compared ? [formatParameter(p.b), p.differs ? DIFFERS : ''] : []),
      ],
    })),
  );
  const artifacts = columns(
    versions,
    (v) => `Artifacts of ${v.manifest.version}`,
    (v) =>
      table(
        `Artifacts of ${v.manifest.version} (verified against these sha256 when loaded)`,
        ['artifact', 'bytes', 'sha256'],
        v.manifest.artifacts.map((entry) => [
          entry.name,
          formatCount(entry.size),
          { html: `<code>${escapeHtml(entry.sha256)}</code>`, className: 'hash' },
        ]),
      ),
  );
  return section('lineage', 'Lineage', source + parameters + artifacts);
}
