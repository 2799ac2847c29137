import { info, type IoHost } from '../kernel/io-host.js';
import type { ModelRegistry } from './registry.js';
import type { HistoryRecord } from './registry-types.js';

export interface AliasChangeResult {
  readonly model: string;
  readonly alias: string;
  readonly version: string;
  readonly previous: string | null;
  /** False when the alias already pointed at the version (nothing was written). */
  readonly changed: boolean;
}

const result = (registry: ModelRegistry, change: HistoryRecord, changed = true): AliasChangeResult => ({
  model: registry.model,
  alias: change.alias,
  version: change.to,
  previous: change.from,
  changed,
});

/** Points an alias at a version; servers polling the alias pick it up without a restart. */
export async function promote(options: {
  readonly registry: ModelRegistry;
  readonly version: string;
  readonly alias: string;
  readonly actor: string;
  readonly io: IoHost;
}): Promise<AliasChangeResult> {
  const { registry, alias, io } = options;
  const version = await registry.resolve(options.version);
  const current = await registry.alias(alias);
  if (current?.version === version) {
    await registry.manifest(version);
    io.notify(info('unchanged', `${alias} already points at ${registry.model} ${version}.`));
    return { model: registry.model, alias, version, previous: current.previous, changed: false };
  }
  const change = await registry.setAlias(alias, version, options.actor);
  io.notify(info('promoted', `${alias}: ${change.from ?? '(none)'} → ${version}`, change));
  return result(registry, change);
}

/** Points an alias back at the version it had before its latest promotion. */
export async function rollback(options: {
  readonly registry: ModelRegistry;
  readonly alias: string;
  readonly actor: string;
  readonly io: IoHost;
}): Promise<AliasChangeResult> {
  const change = await options.registry.rollback(options.alias, options.actor);
  options.io.notify(
    info('rolled-back', `${options.alias}: ${change.from ?? '(none)'} → ${change.to}`, change),
  );
  return result(options.registry, change);
}
