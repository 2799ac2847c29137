import path from 'node:path';
import { BASELINE_JSON, decodeBaseline } from '../../ml/baseline.js';
import { MlopsError, usageError } from '../../kernel/errors.js';
import type { ModelRegistry } from '../registry.js';
import { writeFiles } from '../scaffold.js';
import { renderReport } from './page.js';
import { parseMetrics, type ReportVersion } from './report-version.js';

export interface MakeReportOptions {
  readonly registry: ModelRegistry;
  /** A version or an alias; the newest version when absent. */
  readonly ref?: string;
  /** A second version or alias: the report compares `ref` against it. */
  readonly compare?: string;
  readonly now?: () => Date;
}

export interface Report {
  readonly model: string;
  /** The version reported on, then the one it is compared against. */
  readonly versions: readonly string[];
  readonly html: string;
}

/**
 * One version as the report needs it, every artifact read through the registry: metrics.json and
 * baseline.json verified against their sha256 (as loading does), the others checked present at their
 * recorded size.
 */
async function readVersion(
  registry: ModelRegistry,
  version: string,
  aliases: Readonly<Record<string, string>>,
): Promise<ReportVersion> {
  const manifest = await registry.manifest(version);
  const [metrics, baseline] = await Promise.all([
    registry.artifact(manifest, 'metrics.json'),
    registry.artifact(manifest, BASELINE_JSON),
    registry.checkArtifactSizes(manifest),
  ]);
  return {
    manifest,
    aliases: Object.keys(aliases)
      .filter((alias) => aliases[alias] === version)
      .sort(),
    metrics: metrics && parseMetrics(manifest, metrics),
    baseline: baseline === undefined ? 'absent' : (decodeBaseline(baseline) ?? 'unreadable'),
  };
}

async function newestVersion(registry: ModelRegistry): Promise<string> {
  const newest = (await registry.versions()).at(-1);
  if (newest === undefined) {
    throw new MlopsError(`Model ${registry.model} has no version in ${registry.store.uri} to report on.`, {
      code: 'MLOPS_REPORT_E5703',
      hint: 'Train one first: mlops train --local.',
    });
  }
  return newest;
}

/** Reads one version (or two) from the registry and renders the report's HTML. */
export async function makeReport(options: MakeReportOptions): Promise<Report> {
  const { registry } = options;
  const version =
    options.ref === undefined ? await newestVersion(registry) : await registry.resolve(options.ref);
  const other = options.compare === undefined ? undefined : await registry.resolve(options.compare);
  if (other === version) {
    throw usageError(
      `--compare ${options.compare} is ${version}, the version the report is about.`,
      'MLOPS_REPORT_E5704',
      'Compare two different versions, e.g. mlops models report v1.1 --compare v1.0.',
    );
  }
  // tolerant: another alias being damaged must not stop the report
  const { aliases } = await registry.aliasTable();
  const [subject, reference] = await Promise.all([
    readVersion(registry, version, aliases),
    other === undefined ? undefined : readVersion(registry, other, aliases),
  ]);
  const generatedAt = (options.now?.() ?? new Date()).toISOString();
  return {
    model: registry.model,
    versions: other === undefined ? [version] : [version, other],
    // the reference on the left, the version reported on beside it: differences read as its change
    html: renderReport({ versions: reference ? [reference, subject] : [subject], generatedAt }),
  };
}

/** `report-<model>-<version>.html`, or `report-<model>-<version>-vs-<other>.html`, safe as a file name. */
export function reportFileName(model: string, versions: readonly string[]): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `report-${safe(model)}-${versions.map(safe).join('-vs-')}.html`;
}

/** Writes the report via a temp name and rename; returns its size in bytes. */
export async function writeReport(file: string, html: string): Promise<number> {
  const bytes = new TextEncoder().encode(html);
  try {
    await writeFiles(path.dirname(file), [{ path: path.basename(file), content: bytes }]);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new MlopsError(`Cannot write the report to ${file} (${reason}).`, {
      code: 'MLOPS_REPORT_E5701',
      hint: 'Pass --out a path in a directory you can write to.',
      source: 'usage',
      cause: error,
    });
  }
  return bytes.byteLength;
}
