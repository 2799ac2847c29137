import { itemSegment, mergeKeys } from './fields.js';
import type { JsonObject } from './objects.js';
import { isObject } from './objects.js';

/** RFC 7386 JSON merge patch: objects merge, `null` deletes, everything else (lists included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/**
 * Strategic merge patch for the fields mlops and kubectl send: as a merge patch, but lists with a merge
 * key (containers, env, ports, volumes…) merge item by item, `$patch: delete` removes an item, and the
 * `$setElementOrder/…` and `$retainKeys` directives kubectl adds are accepted.
 */
export function strategicMergePatch(target: unknown, patch: unknown, field = ''): unknown {
  if (Array.isArray(patch)) {
    const keys = mergeKeys(field, patch);
    if (!keys || !Array.isArray(target))
      return patch.filter((item) => !(isObject(item) && item.$patch === 'delete'));
    const out = [...target] as JsonObject[];
    for (const item of patch as JsonObject[]) {
      const index = out.findIndex((existing) => itemSegment(keys, existing) === itemSegment(keys, item));
      if (item.$patch === 'delete') {
        if (index >= 0) out.splice(index, 1);
      } else if (index >= 0) out[index] = strategicMergePatch(out[index], item) as JsonObject;
      else out.push(strategicMergePatch(undefined, item) as JsonObject);
    }
    return out;
  }
  if (!isObject(patch)) return patch;
  if (patch.$patch === 'replace') return strategicMergePatch(undefined, { ...patch, $patch: undefined });
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = strategicMergePatch(out[key], value, key);
  }
  return out;
}
