/** The wire format of registry objects (DESIGN.md §4). Fields may be added, never renamed. */

export interface ArtifactEntry {
  readonly name: string;
  readonly sha256: string;
  readonly size: number;
}

export interface VersionManifest {
  readonly formatVersion: 1;
  readonly model: string;
  readonly version: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly gitCommit: string | null;
  /** The run that trained it: the training Job's `mlops.dev/run-id` (MLOPS_RUN_ID); absent for other runs. */
  readonly runId?: string;
  readonly data: { readonly source: string; readonly sha256: string | null; readonly rows: number | null };
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Scalar summary (accuracy, macroF1, rmse …); the full metrics are in metrics.json. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly backend: string | null;
  readonly artifacts: readonly ArtifactEntry[];
}

export interface AliasRecord {
  readonly version: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly previous: string | null;
}

/** `repair`: `promote --force` rewrote an alias object that could not be read. */
export type AliasAction = 'promote' | 'rollback' | 'repair';

export interface HistoryRecord {
  readonly alias: string;
  readonly action: AliasAction;
  readonly from: string | null;
  readonly to: string;
  readonly at: string;
  readonly by: string;
  /** For a repair: what was wrong with the alias object it rewrote. */
  readonly reason?: string;
}

export interface VersionSummary {
  readonly version: string;
  readonly createdAt: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly aliases: readonly string[];
}

/** A version whose manifest cannot be used (`models list --json` lists them under `damaged`). */
export interface DamagedVersion {
  readonly version: string;
  readonly reason: string;
}

/** An alias object that cannot be read, and the command that rewrites it. */
export interface DamagedAlias {
  readonly alias: string;
  readonly reason: string;
  readonly repair: string;
}
