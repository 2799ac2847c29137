import { MlopsError } from '../kernel/errors.js';
import { outcome, type IoHost } from '../kernel/io-host.js';
import type { AliasRecord, HistoryRecord } from './registry-types.js';
import type { ModelRegistry } from './registry.js';

export interface AliasChangeResult {
  readonly model: string;
  readonly alias: string;
  readonly version: string;
  readonly previous: string | null;
  /** False when the alias already pointed at the version (nothing was written). */
  readonly changed: boolean;
  /** True when `--force` rewrote a damaged alias object (recorded as a `repair` in history). */
  readonly repaired: boolean;
}

const result = (registry: ModelRegistry, change: HistoryRecord): AliasChangeResult => ({
  model: registry.model,
  alias: change.alias,
  version: change.to,
  previous: change.from,
  changed: true,
  repaired: change.action === 'repair',
});

/**
 * Refuses a version that could not load: an artifact missing or of another size than its manifest
 * records (a stat each, constant time in the model's size), or with `verify` any sha256 mismatch.
 */
async function requireLoadable(
  registry: ModelRegistry,
  version: string,
  verify: boolean,
  action: string,
): Promise<void> {
  const manifest = await registry.manifest(version);
  const problems = await registry.artifactProblems(manifest, verify);
  const [first] = problems;
  if (!first) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
  throw new MlopsError(
    `Cannot ${action} ${registry.model} ${version}: artifact ${first.artifact} ${first.problem}${more}; an alias must point at a version that loads.`,
    {
      code: 'MLOPS_REGISTRY_E4002',
      hint: `Promote another version (mlops models list), or restore the artifact; \`mlops models verify ${version}\` checks every sha256.`,
    },
  );
}

/**
 * Points an alias at a version; servers polling the alias pick it up without a restart. With `force`,
 * a damaged alias object is rewritten (a `repair` in history) instead of stopping the promotion.
 */
export async function promote(options: {
  readonly registry: ModelRegistry;
  readonly version: string;
  readonly alias: string;
  readonly actor: string;
  readonly io: IoHost;
  /** Rewrite the alias even when its object is damaged. */
  readonly force?: boolean;
  /** Check every artifact's sha256 first (reads the whole model), not only sizes. */
  readonly verify?: boolean;
}): Promise<AliasChangeResult> {
  const { registry, alias, io } = options;
  const version = await registry.resolve(options.version);
  await requireLoadable(registry, version, options.verify === true, 'promote');
  let current: AliasRecord | undefined;
  let damaged = false;
  try {
    current = await registry.alias(alias);
  } catch (error) {
    if (!(options.force && MlopsError.is(error) && error.code === 'MLOPS_REGISTRY_E4017')) throw error;
    damaged = true;
  }
  if (!damaged && current?.version === version) {
    io.notify(outcome('unchanged', `${alias} already points at ${registry.model} ${version}.`));
    return {
      model: registry.model,
      alias,
      version,
      previous: current.previous,
      changed: false,
      repaired: false,
    };
  }
  const change = await registry.setAlias(alias, version, options.actor, damaged ? 'repair' : 'promote');
  const from =
    change.action === 'repair' ? `(damaged: ${change.reason ?? 'unreadable'})` : (change.from ?? '(none)');
  io.notify(outcome('promoted', `${alias}: ${from} → ${version}`, change));
  return result(registry, change);
}

/** Points an alias back at the version it had before its latest promotion, if that version still loads. */
export async function rollback(options: {
  readonly registry: ModelRegistry;
  readonly alias: string;
  readonly actor: string;
  readonly io: IoHost;
}): Promise<AliasChangeResult> {
  const { registry, alias } = options;
  const target = await registry.rollbackTarget(alias);
  await requireLoadable(registry, target, false, `roll ${alias} back to`);
  const change = await registry.setAlias(alias, target, options.actor, 'rollback');
  options.io.notify(
    outcome('rolled-back', `${options.alias}: ${change.from ?? '(none)'} → ${change.to}`, change),
  );
  return result(registry, change);
}
