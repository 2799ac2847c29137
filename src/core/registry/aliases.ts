import { MlopsError } from '../../kernel/errors.js';
import type { AliasAction, AliasRecord, DamagedAlias, HistoryRecord } from '../registry-types.js';
import { parseVersion } from '../version.js';
import { mapLimit } from './map-limit.js';
import { isAliasName, refusePathLike, requireAliasName } from './names.js';
import { encode, isRecord, type RegistryObjects, type StoredJson } from './objects.js';

/** Every alias: those that can be read (alias → version) and those that are damaged. */
export interface AliasTable {
  readonly aliases: Record<string, string>;
  readonly damaged: readonly DamagedAlias[];
}

type AliasState =
  | { readonly state: 'absent' }
  | { readonly state: 'damaged'; readonly reason: string }
  | { readonly state: 'present'; readonly record: AliasRecord };

const aliasKey = (objects: RegistryObjects, name: string): string => objects.key('aliases', `${name}.json`);

function aliasState(stored: StoredJson): AliasState {
  if (stored.state !== 'present') return stored;
  const { value } = stored;
  if (!isRecord(value) || typeof value.version !== 'string' || !parseVersion(value.version))
    return { state: 'damaged', reason: 'it names no version' };
  return { state: 'present', record: value as unknown as AliasRecord };
}

async function readAliasState(objects: RegistryObjects, name: string): Promise<AliasState> {
  refusePathLike(name, 'alias');
  return aliasState(await objects.readStored(aliasKey(objects, name)));
}

/**
 * `mlops promote … --force` with the version the alias last pointed to according to its history (a
 * placeholder when the history does not say).
 */
const repairCommand = (alias: string, lastTarget: string | undefined): string =>
  `mlops promote ${lastTarget && parseVersion(lastTarget) ? lastTarget : '<version>'} --alias ${alias} --force`;

async function lastTarget(objects: RegistryObjects, alias: string): Promise<string | undefined> {
  return (await readHistory(objects, alias).catch(() => [])).at(-1)?.to;
}

function damagedAliasError(objects: RegistryObjects, damaged: DamagedAlias): MlopsError {
  return new MlopsError(
    `The alias "${damaged.alias}" of ${objects.model} in ${objects.store.uri} is damaged: ${damaged.reason}.`,
    {
      code: 'MLOPS_REGISTRY_E4017',
      hint: `Rewrite it with \`${damaged.repair}\` (the repair is recorded in the alias history).`,
    },
  );
}

/** The alias, or undefined when there is none; a damaged alias is an error naming its repair. */
export async function readAlias(objects: RegistryObjects, name: string): Promise<AliasRecord | undefined> {
  const read = await readAliasState(objects, name);
  if (read.state === 'damaged') {
    const repair = repairCommand(name, await lastTarget(objects, name));
    throw damagedAliasError(objects, { alias: name, reason: read.reason, repair });
  }
  return read.state === 'present' ? read.record : undefined;
}

/** Every alias, damaged ones set apart with their repair (a listing stays usable). */
export async function readAliasTable(objects: RegistryObjects): Promise<AliasTable> {
  const prefix = objects.key('aliases') + '/';
  const keys = (await objects.store.list(prefix)).filter((key) => key.endsWith('.json'));
  const states = await mapLimit(keys, objects.concurrency, async (key) =>
    aliasState(await objects.readStored(key)),
  );
  const aliases: Record<string, string> = {};
  const broken: { alias: string; reason: string }[] = [];
  keys.forEach((key, i) => {
    const alias = key.slice(prefix.length, -'.json'.length);
    const read = states[i];
    if (read?.state === 'present') aliases[alias] = read.record.version;
    else if (read?.state === 'damaged') broken.push({ alias, reason: read.reason });
  });
  if (broken.length === 0) return { aliases, damaged: [] };
  const history = await readHistory(objects).catch(() => []);
  const damaged = broken.map(({ alias, reason }) => ({
    alias,
    reason,
    repair: repairCommand(alias, history.filter((h) => h.alias === alias).at(-1)?.to),
  }));
  return { aliases, damaged };
}

/** alias → version for every alias; a damaged alias is an error naming its repair. */
export async function readAliases(objects: RegistryObjects): Promise<Record<string, string>> {
  const table = await readAliasTable(objects);
  const [damaged] = table.damaged;
  if (damaged) throw damagedAliasError(objects, damaged);
  return table.aliases;
}

/** An alias name or a version name → a version name. */
export async function resolveRef(objects: RegistryObjects, ref: string): Promise<string> {
  if (parseVersion(ref)) return ref;
  refusePathLike(ref, 'version or alias');
  const record = await readAlias(objects, ref);
  if (record) return record.version;
  const known = Object.keys((await readAliasTable(objects).catch(() => undefined))?.aliases ?? {});
  const existing = known.length ? `Aliases of ${objects.model}: ${known.join(', ')}. ` : '';
  throw new MlopsError(`Model ${objects.model} has no alias "${ref}".`, {
    code: 'MLOPS_REGISTRY_E4003',
    hint: isAliasName(ref)
      ? `${existing}Point it at a version first: mlops promote <version> --alias ${ref}.`
      : `${existing}Versions look like v1.0; \`mlops models list\` shows them.`,
  });
}

/**
 * Points `alias` at `version` (the caller has checked that it exists) and appends the change to
 * history. A `repair` rewrites a damaged alias object and records what was wrong with it.
 */
export async function setAlias(
  objects: RegistryObjects,
  alias: string,
  version: string,
  by: string,
  action: AliasAction,
  now: () => Date,
): Promise<HistoryRecord> {
  requireAliasName(alias);
  // only a repair may look past a damaged alias; anything else stops at it
  let current: AliasRecord | undefined;
  let damage: string | undefined;
  if (action === 'repair') {
    const read = await readAliasState(objects, alias);
    current = read.state === 'present' ? read.record : undefined;
    damage = read.state === 'damaged' ? read.reason : undefined;
  } else {
    current = await readAlias(objects, alias);
  }
  const at = now().toISOString();
  const record: AliasRecord = { version, updatedAt: at, updatedBy: by, previous: current?.version ?? null };
  const change: HistoryRecord = {
    alias,
    // a repair that finds nothing damaged (repaired meanwhile) is an ordinary promotion
    action: action === 'repair' && damage === undefined ? 'promote' : action,
    from: current?.version ?? null,
    to: version,
    at,
    by,
    ...(damage === undefined ? {} : { reason: damage }),
  };
  // History first: an alias change that is not in history must never exist.
  await appendHistory(objects, change);
  await objects.store.put(aliasKey(objects, alias), encode(record));
  return change;
}

async function appendHistory(objects: RegistryObjects, change: HistoryRecord): Promise<void> {
  const stamp = change.at.replace(/[:.]/g, '-');
  for (let n = 0; n < 1000; n++) {
    const name = `${stamp}${n ? `-${String(n).padStart(3, '0')}` : ''}-${change.alias}.json`;
    if (await objects.createOnce(objects.key('history', name), encode(change))) return;
  }
  throw new MlopsError('Could not append to the alias history.', {
    code: 'MLOPS_REGISTRY_E4007',
    hint: 'A thousand alias changes share this millisecond: retry the command.',
  });
}

/** Every alias change, oldest first; optionally of one alias. */
export async function readHistory(objects: RegistryObjects, alias?: string): Promise<HistoryRecord[]> {
  const keys = await objects.store.list(objects.key('history') + '/');
  // the alias ends each record's name: read only the candidates (the record itself decides)
  const wanted = alias === undefined ? keys : keys.filter((key) => key.endsWith(`-${alias}.json`));
  const records = await mapLimit(wanted, objects.concurrency, async (key) => {
    const record = await objects.readJson<HistoryRecord>(key);
    return record && { record, sequence: historySequence(key, record) };
  });
  return records
    .filter(
      (r): r is { record: HistoryRecord; sequence: number } =>
        r !== undefined && (alias === undefined || r.record.alias === alias),
    )
    .sort((a, b) => a.record.at.localeCompare(b.record.at) || a.sequence - b.sequence)
    .map((r) => r.record);
}

/**
 * Which of the changes in one millisecond a history object is: appendHistory names the first
 * `<stamp>-<alias>.json` and the next ones `<stamp>-001-<alias>.json`, … (0 for the first). Names
 * sort the other way ('0' < a letter), so the order within a millisecond comes from here.
 */
function historySequence(key: string, record: HistoryRecord): number {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const stamp = record.at.replace(/[:.]/g, '-');
  const middle = name.slice(stamp.length, name.length - `-${record.alias}.json`.length);
  return middle === '' ? 0 : Number(middle.slice(1));
}

/**
 * Replays history: a promotion pushes its version, a rollback pops one, a repair pushes unless the
 * alias already stood there. The top is the alias's version.
 */
export function promotionStack(history: readonly HistoryRecord[]): string[] {
  const stack: string[] = [];
  for (const change of history) {
    if (change.action === 'rollback') stack.pop();
    else if (change.action !== 'repair' || stack.at(-1) !== change.to) stack.push(change.to);
  }
  return stack;
}

/** The version a rollback of `alias` goes back to: the one before its latest promotion. */
export async function rollbackTarget(objects: RegistryObjects, alias: string): Promise<string> {
  requireAliasName(alias);
  const stack = promotionStack(await readHistory(objects, alias));
  stack.pop();
  const target = stack.at(-1);
  if (!target) {
    throw new MlopsError(`Alias "${alias}" of ${objects.model} has no earlier version to roll back to.`, {
      code: 'MLOPS_REGISTRY_E4004',
      hint: 'Promote a specific version instead: mlops promote <version>.',
    });
  }
  return target;
}
