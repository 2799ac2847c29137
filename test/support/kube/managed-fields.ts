import type { FieldSet } from './fields.js';
import {
  changedFields,
  decodeFields,
  decodePath,
  describePath,
  differingLeaves,
  encodeFields,
  fieldSet,
  mergeApplied,
  removeAt,
  valueAt,
} from './fields.js';
import type { JsonObject, KubeObject, ManagedFieldsEntry } from './objects.js';
import { clone, now } from './objects.js';
import { KubeError } from './status.js';

export interface Manager {
  readonly manager: string;
  readonly subresource?: string;
  readonly apiVersion: string;
}

const sameEntry = (e: ManagedFieldsEntry, m: Manager, operation: ManagedFieldsEntry['operation']): boolean =>
  e.manager === m.manager && e.operation === operation && (e.subresource ?? '') === (m.subresource ?? '');

const entry = (
  m: Manager,
  operation: ManagedFieldsEntry['operation'],
  set: FieldSet,
): ManagedFieldsEntry => ({
  manager: m.manager,
  operation,
  apiVersion: m.apiVersion,
  time: now(),
  fieldsType: 'FieldsV1',
  fieldsV1: encodeFields(set),
  ...(m.subresource ? { subresource: m.subresource } : {}),
});

const setOf = (e: ManagedFieldsEntry): FieldSet => decodeFields(e.fieldsV1);

/** Rewrites the entries, keeping an entry's time when its fields did not change, dropping empty ones. */
function rebuild(
  entries: readonly ManagedFieldsEntry[],
  sets: Map<ManagedFieldsEntry, FieldSet>,
): ManagedFieldsEntry[] {
  return entries.flatMap((e) => {
    const set = sets.get(e) ?? setOf(e);
    if (set.size === 0) return [];
    const unchanged = [...set].every((k) => setOf(e).has(k)) && set.size === setOf(e).size;
    return [unchanged ? e : { ...e, time: now(), fieldsV1: encodeFields(set) }];
  });
}

function conflictError(conflicts: Map<ManagedFieldsEntry, string[]>): KubeError {
  const total = [...conflicts.values()].reduce((n, paths) => n + paths.length, 0);
  const parts = [...conflicts].map(([e, paths]) =>
    paths.length === 1
      ? `conflict with "${e.manager}" using ${e.apiVersion}: ${describePath(paths[0] ?? '')}`
      : `conflicts with "${e.manager}" using ${e.apiVersion}:\n${paths.map((p) => `- ${describePath(p)}`).join('\n')}`,
  );
  const causes = [...conflicts].flatMap(([e, paths]) =>
    paths.map((p) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with "${e.manager}" using ${e.apiVersion}`,
      field: describePath(p),
    })),
  );
  return new KubeError(
    409,
    'Conflict',
    `Apply failed with ${total} conflict${total === 1 ? '' : 's'}: ${parts.join('\n')}`,
    { causes },
  );
}

/**
 * Server-side apply of `applied` over `live` by one field manager: conflicts with other managers whose
 * fields would change (409 unless forced, then they lose them), fields this manager applied before and
 * no longer applies are removed, and its Apply entry becomes exactly the applied set.
 */
export function serverSideApply(
  live: KubeObject,
  applied: JsonObject,
  m: Manager,
  force: boolean,
): KubeObject {
  const appliedSet = fieldSet(applied, m.subresource);
  const entries = live.metadata.managedFields ?? [];
  const sets = new Map(entries.map((e) => [e, setOf(e)]));
  const conflicts = new Map<ManagedFieldsEntry, string[]>();
  for (const [e, set] of sets) {
    if (sameEntry(e, m, 'Apply') || (e.subresource ?? '') !== (m.subresource ?? '')) continue;
    const differing = differingLeaves(appliedSet, set, live, applied);
    if (differing.length) conflicts.set(e, differing);
  }
  if (conflicts.size && !force) throw conflictError(conflicts);
  for (const [e, paths] of conflicts) for (const p of paths) sets.get(e)?.delete(p);

  const merged = mergeApplied(clone(live), applied) as KubeObject;
  const mine = entries.find((e) => sameEntry(e, m, 'Apply'));
  const ownedByOthers = new Set([...sets].filter(([e]) => e !== mine).flatMap(([, set]) => [...set]));
  const dropped = [...(mine ? setOf(mine) : [])].filter((k) => !appliedSet.has(k) && !ownedByOthers.has(k));
  // Shortest first: a list item goes whole while its key fields are still there to find it by (leaf by
  // leaf, the item loses its key and stays behind as `{}` or without its `port`).
  for (const key of dropped.sort((a, b) => a.length - b.length)) {
    if (valueAt(merged, decodePath(key)) !== undefined) removeAt(merged, decodePath(key));
  }
  if (mine) sets.set(mine, appliedSet);
  const rebuilt = rebuild(entries, sets);
  merged.metadata.managedFields = mine ? rebuilt : [...rebuilt, entry(m, 'Apply', appliedSet)];
  return merged;
}

/** An Update (create, PUT, merge or strategic patch): the manager owns what it changed, others lose it. */
export function recordUpdate(
  previous: KubeObject | undefined,
  next: KubeObject,
  m: Manager,
): ManagedFieldsEntry[] {
  const entries = previous?.metadata.managedFields ?? [];
  const changed = changedFields((previous ?? {}) as JsonObject, next as JsonObject, m.subresource);
  const present = fieldSet(next as JsonObject, m.subresource);
  const sets = new Map(
    entries.map((e) => [
      e,
      new Set([...setOf(e)].filter((k) => present.has(k) || (e.subresource ?? '') !== (m.subresource ?? ''))),
    ]),
  );
  for (const [e, set] of sets) if (!sameEntry(e, m, 'Update')) for (const k of changed) set.delete(k);
  const mine = entries.find((e) => sameEntry(e, m, 'Update'));
  if (mine) sets.set(mine, new Set([...(sets.get(mine) ?? []), ...changed]));
  const rebuilt = rebuild(entries, sets);
  return mine || changed.size === 0 ? rebuilt : [...rebuilt, entry(m, 'Update', changed)];
}
