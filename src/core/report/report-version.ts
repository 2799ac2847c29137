import type { Baseline } from '../../ml/baseline.js';
import type { ClassMetrics, ConfusionMatrix, LossPoint } from '../../ml/metrics.js';
import { MlopsError } from '../../kernel/errors.js';
import type { VersionManifest } from '../registry-types.js';
import { isRecord } from '../registry/objects.js';

/** What a report shows of metrics.json: each part optional, since older or foreign versions may lack it. */
export interface ReportMetrics {
  readonly task?: string;
  readonly lossCurve: readonly LossPoint[];
  readonly bestEpoch?: number;
  readonly perClass?: Readonly<Record<string, ClassMetrics>>;
  readonly confusionMatrix?: ConfusionMatrix;
  readonly rmse?: number;
  readonly mae?: number;
  readonly r2?: number;
}

/** Everything a report shows of one version, read (and sha256-verified) through the registry. */
export interface ReportVersion {
  readonly manifest: VersionManifest;
  /** Aliases pointing at this version. */
  readonly aliases: readonly string[];
  /** Undefined when the version has no metrics.json. */
  readonly metrics?: ReportMetrics;
  /** `absent`: trained before mlops stored a baseline; `unreadable`: a baseline.json this mlops cannot read. */
  readonly baseline: Baseline | 'absent' | 'unreadable';
}

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

function damaged(manifest: VersionManifest, artifact: string, problem: string): MlopsError {
  return new MlopsError(
    `${artifact} of ${manifest.model} ${manifest.version} ${problem}, so the report cannot show it.`,
    {
      code: 'MLOPS_REPORT_E5702',
      hint: 'It was not written by mlops train: register the version again with `mlops train`.',
    },
  );
}

function parseJson(manifest: VersionManifest, artifact: string, bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw damaged(manifest, artifact, 'is not JSON');
  }
  if (!isRecord(value)) throw damaged(manifest, artifact, 'is not a JSON object');
  return value;
}

const isLossPoint = (p: unknown): p is LossPoint =>
  isRecord(p) && num(p.epoch) !== undefined && num(p.loss) !== undefined && num(p.valLoss) !== undefined;

const isClassMetrics = (m: unknown): m is ClassMetrics =>
  isRecord(m) && ['precision', 'recall', 'f1', 'support'].every((k) => num(m[k]) !== undefined);

function confusion(value: unknown): ConfusionMatrix | undefined {
  if (!isRecord(value) || !Array.isArray(value.labels) || !Array.isArray(value.matrix)) return undefined;
  const labels = value.labels.map(String);
  const matrix = value.matrix.map((row: unknown) =>
    Array.isArray(row) ? row.map((n: unknown) => num(n) ?? 0) : [],
  );
  return { labels, matrix };
}

/**
 * metrics.json as the report reads it: the parts it draws, each kept only when well-formed (points with
 * non-finite numbers are dropped, so that no NaN reaches a chart).
 */
export function parseMetrics(manifest: VersionManifest, bytes: Uint8Array): ReportMetrics {
  const value = parseJson(manifest, 'metrics.json', bytes);
  const perClass = isRecord(value.perClass)
    ? Object.fromEntries(Object.entries(value.perClass).filter(([, m]) => isClassMetrics(m)))
    : undefined;
  return {
    task: typeof value.task === 'string' ? value.task : undefined,
    lossCurve: Array.isArray(value.lossCurve) ? value.lossCurve.filter(isLossPoint) : [],
    bestEpoch: num(value.bestEpoch),
    perClass: perClass as Record<string, ClassMetrics> | undefined,
    confusionMatrix: confusion(value.confusionMatrix),
    rmse: num(value.rmse),
    mae: num(value.mae),
    r2: num(value.r2),
  };
}
