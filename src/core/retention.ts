import { usageError } from '../kernel/errors.js';
import { info, type IoHost } from '../kernel/io-host.js';
import type { IncompleteVersion, ModelRegistry } from './registry.js';
import { mapLimit } from './registry/map-limit.js';
import type { DamagedVersion, HistoryRecord } from './registry-types.js';
import { compareVersions, requireVersion } from './version.js';

const UNITS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** A claimed version without a manifest is a crashed writer once it is this old (no upload takes a day). */
export const INCOMPLETE_GRACE_MS = UNITS.d as number;

/** `90d`, `12h`, `2w`, `30m` (or a bare number of days) → milliseconds. */
export function parseAge(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([mhdw]?)$/.exec(text.trim());
  if (!match) {
    throw usageError(
      `--older-than "${text}" is not an age.`,
      'MLOPS_USAGE_E1002',
      'Write a number and a unit: 90d (days), 12h (hours), 2w (weeks), 30m (minutes).',
    );
  }
  return Number(match[1]) * (UNITS[match[2] || 'd'] as number);
}

export interface RetentionInput {
  /** Every visible version (with a manifest). */
  readonly versions: readonly { readonly version: string; readonly createdAt: string }[];
  /** alias → version it points to now. */
  readonly aliases: Readonly<Record<string, string>>;
  /** Every alias change, in any order. */
  readonly history: readonly HistoryRecord[];
  readonly incomplete: readonly IncompleteVersion[];
  readonly now: Date;
  /** Versions created longer ago than this are candidates. */
  readonly olderThanMs: number;
  /** Versions an alias pointed to within its last N changes are kept. */
  readonly keepLastAliasChanges: number;
  readonly incompleteGraceMs?: number;
}

export type KeepReason = 'aliased' | 'recently-aliased' | 'latest' | 'too-young' | 'unknown-age';

export interface RetentionPlan {
  /** Versions created before this instant are candidates. */
  readonly cutoff: string;
  readonly remove: readonly { readonly version: string; readonly createdAt: string }[];
  readonly keep: readonly {
    readonly version: string;
    readonly reason: KeepReason;
    readonly detail: string;
  }[];
  /** Claimed versions without a manifest, abandoned for longer than the grace period. */
  readonly incomplete: readonly IncompleteVersion[];
}

/**
 * What retention removes (DESIGN.md §4), as a pure function: versions older than the cutoff, except
 * those an alias points to, those an alias pointed to within its last N changes, and the latest version
 * (whose number would otherwise be handed out again to a different model).
 */
export function planRetention(input: RetentionInput): RetentionPlan {
  const cutoffMs = input.now.getTime() - input.olderThanMs;
  const protectedBy = new Map<string, { reason: KeepReason; detail: string }>();
  const protect = (version: string, reason: KeepReason, detail: string) => {
    if (!protectedBy.has(version)) protectedBy.set(version, { reason, detail });
  };

  for (const [alias, version] of Object.entries(input.aliases)) protect(version, 'aliased', alias);
  const byAlias = new Map<string, HistoryRecord[]>();
  for (const change of input.history)
    byAlias.set(change.alias, [...(byAlias.get(change.alias) ?? []), change]);
  const n = input.keepLastAliasChanges;
  if (n > 0) {
    for (const [alias, changes] of byAlias) {
      const recent = [...changes].sort((a, b) => a.at.localeCompare(b.at)).slice(-n);
      // the alias pointed to `to` after each of these changes, and to `from` right before each
      for (const change of recent) {
        protect(change.to, 'recently-aliased', `${alias} within its last ${n} changes`);
        if (change.from) protect(change.from, 'recently-aliased', `${alias} within its last ${n} changes`);
      }
    }
  }
  const sorted = [...input.versions].sort((a, b) =>
    compareVersions(requireVersion(a.version), requireVersion(b.version)),
  );
  const latest = sorted.at(-1);
  if (latest) protect(latest.version, 'latest', 'the newest version');

  const remove: RetentionPlan['remove'][number][] = [];
  const keep: RetentionPlan['keep'][number][] = [];
  for (const v of sorted) {
    const held = protectedBy.get(v.version);
    const created = Date.parse(v.createdAt);
    if (held) keep.push({ version: v.version, ...held });
    else if (Number.isNaN(created))
      keep.push({ version: v.version, reason: 'unknown-age', detail: v.createdAt });
    else if (created >= cutoffMs) keep.push({ version: v.version, reason: 'too-young', detail: v.createdAt });
    else remove.push({ version: v.version, createdAt: v.createdAt });
  }

  const graceMs = input.incompleteGraceMs ?? INCOMPLETE_GRACE_MS;
  const incomplete = input.incomplete.filter((v) => {
    if (v.claimedAt === null) return true;
    const claimed = Date.parse(v.claimedAt);
    return !Number.isNaN(claimed) && claimed < input.now.getTime() - graceMs;
  });
  return { cutoff: new Date(cutoffMs).toISOString(), remove, keep, incomplete };
}

export interface CollectGarbageOptions {
  readonly registry: ModelRegistry;
  readonly io: IoHost;
  readonly olderThanMs: number;
  readonly keepLastAliasChanges: number;
  readonly dryRun?: boolean;
  /** Delete without asking (--yes); otherwise a person confirms, and headless runs must pass --yes. */
  readonly yes?: boolean;
  readonly now?: () => Date;
}

export interface GcResult {
  readonly model: string;
  readonly registry: string;
  readonly dryRun: boolean;
  readonly cutoff: string;
  readonly keepLastAliasChanges: number;
  /** What the plan selects (what a dry run would remove). */
  readonly candidates: readonly { readonly version: string; readonly createdAt: string }[];
  /** What was deleted (empty on a dry run or when not confirmed). */
  readonly removed: readonly string[];
  /** Incomplete versions (claimed, no manifest) removed, or that would be. */
  readonly incomplete: readonly IncompleteVersion[];
  readonly kept: RetentionPlan['keep'];
  /** Versions whose manifest is damaged: never removed by gc (`mlops models verify` reports them). */
  readonly damaged: readonly DamagedVersion[];
  /** False when a person declined the confirmation. */
  readonly confirmed: boolean;
}

/** The plan over the usable versions; damaged ones are set apart, never candidates. */
async function plan(
  options: CollectGarbageOptions,
  now: Date,
): Promise<RetentionPlan & { readonly damaged: readonly DamagedVersion[] }> {
  const { registry } = options;
  // a damaged alias stops gc: what it protects cannot be known
  const aliases = await registry.aliases();
  const [catalog, history, incomplete] = await Promise.all([
    registry.catalog(aliases),
    registry.history(),
    registry.incompleteVersions(),
  ]);
  const planned = planRetention({
    versions: catalog.versions,
    aliases,
    history,
    incomplete,
    now,
    olderThanMs: options.olderThanMs,
    keepLastAliasChanges: options.keepLastAliasChanges,
  });
  return { ...planned, damaged: catalog.damaged };
}

/**
 * `mlops models gc`: plans retention, asks for confirmation, then re-plans (an alias may have moved
 * while the person read the list) and deletes only what both plans agree on, each version manifest
 * first so that it disappears whole.
 */
export async function collectGarbage(options: CollectGarbageOptions): Promise<GcResult> {
  const { registry, io } = options;
  const now = options.now ?? (() => new Date());
  const first = await plan(options, now());
  const result = (
    removed: string[],
    incomplete: readonly IncompleteVersion[],
    confirmed: boolean,
  ): GcResult => ({
    model: registry.model,
    registry: registry.store.uri,
    dryRun: options.dryRun === true,
    cutoff: first.cutoff,
    keepLastAliasChanges: options.keepLastAliasChanges,
    candidates: first.remove,
    removed,
    incomplete,
    kept: first.keep,
    damaged: first.damaged,
    confirmed,
  });
  const count = first.remove.length + first.incomplete.length;
  if (options.dryRun || count === 0) return result([], first.incomplete, true);

  const confirmed = await io.request({
    kind: 'confirm',
    message: `Delete ${describe(first)} of ${registry.model} from ${registry.store.uri}?`,
    flag: '--yes',
    headlessAnswer: options.yes ? true : undefined,
  });
  if (!confirmed) return result([], [], false);

  const second = await plan(options, now());
  const agreed = new Set(second.remove.map((v) => v.version));
  const toRemove = first.remove.filter((v) => agreed.has(v.version)).map((v) => v.version);
  const stillIncomplete = new Set(second.incomplete.map((v) => v.version));
  const incomplete = first.incomplete.filter((v) => stillIncomplete.has(v.version));
  for (const skipped of first.remove.filter((v) => !agreed.has(v.version))) {
    io.notify({
      level: 'warn',
      event: 'gc-skipped',
      message: `Kept ${skipped.version}: it became protected while confirming.`,
      data: { version: skipped.version },
    });
  }
  await mapLimit(toRemove, 4, async (version) => {
    await registry.deleteVersion(version);
    io.notify(info('gc-removed', `Removed ${registry.model} ${version}.`, { version }));
  });
  await mapLimit(incomplete, 4, async (v) => {
    await registry.removeIncomplete(v.version);
    io.notify(info('gc-removed-incomplete', `Removed incomplete ${registry.model} ${v.version}.`, v));
  });
  return result(toRemove, incomplete, true);
}

function describe(plan: RetentionPlan): string {
  const parts = [`${plan.remove.length} version${plan.remove.length === 1 ? '' : 's'}`];
  if (plan.incomplete.length) parts.push(`${plan.incomplete.length} incomplete`);
  return parts.join(' and ');
}
