/**
 * Field sets as server-side apply tracks them: paths of `f:name` and `k:{"name":"x"}` segments, encoded
 * in `metadata.managedFields[].fieldsV1` as nested objects (`{"f:spec":{"f:replicas":{}}}`, `"."` marking
 * a list item itself). Lists whose items have a merge key merge by it; other lists are atomic.
 */
import type { JsonObject } from './objects.js';
import { deepEqual, isObject } from './objects.js';

export type Path = readonly string[];
export type FieldSet = Set<string>;

/** Merge keys of the keyed lists in the kinds served (their real `x-kubernetes-list-map-keys`). */
export function mergeKeys(field: string, items: readonly unknown[]): string[] | undefined {
  if (!items.every(isObject)) return undefined;
  if (
    ['containers', 'initContainers', 'ephemeralContainers', 'volumes', 'env', 'imagePullSecrets'].includes(
      field,
    )
  )
    return ['name'];
  if (field === 'volumeMounts') return ['mountPath'];
  if (field === 'conditions') return ['type'];
  if (field === 'ownerReferences') return ['uid'];
  if (field === 'topologySpreadConstraints') return ['topologyKey', 'whenUnsatisfiable'];
  if (field === 'ports')
    return items.some((i) => 'containerPort' in i) ? ['containerPort', 'protocol'] : ['port', 'protocol'];
  return undefined;
}

const keyValue = (item: JsonObject, key: string): unknown =>
  item[key] ?? (key === 'protocol' ? 'TCP' : undefined);

export const itemSegment = (keys: readonly string[], item: JsonObject): string =>
  `k:${JSON.stringify(Object.fromEntries(keys.map((k) => [k, keyValue(item, k)])))}`;

const encodePath = (path: Path): string => JSON.stringify(path);
export const decodePath = (key: string): Path => JSON.parse(key) as string[];

function walk(value: unknown, path: string[], field: string, out: FieldSet): void {
  if (Array.isArray(value)) {
    const keys = mergeKeys(field, value);
    if (!keys || value.length === 0) return void out.add(encodePath(path));
    for (const item of value as JsonObject[]) {
      const itemPath = [...path, itemSegment(keys, item)];
      out.add(encodePath(itemPath));
      for (const [k, v] of Object.entries(item)) walk(v, [...itemPath, `f:${k}`], k, out);
    }
    return;
  }
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) if (v !== undefined) walk(v, [...path, `f:${k}`], k, out);
    return;
  }
  out.add(encodePath(path));
}

const SERVER_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'generateName',
];

/** The fields an object sets, for the main resource (no status) or its status subresource. */
export function fieldSet(object: JsonObject, subresource?: string): FieldSet {
  const out: FieldSet = new Set();
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if ((key === 'status') !== (subresource === 'status')) continue;
    if (key === 'metadata' && isObject(value)) {
      for (const [k, v] of Object.entries(value))
        if (!SERVER_METADATA.includes(k)) walk(v, ['f:metadata', `f:${k}`], k, out);
    } else walk(value, [`f:${key}`], key, out);
  }
  return out;
}

export function encodeFields(set: FieldSet): JsonObject {
  const root: JsonObject = {};
  for (const key of [...set].sort()) {
    let node = root;
    for (const segment of decodePath(key)) node = (node[segment] ??= {}) as JsonObject;
    if (decodePath(key).at(-1)?.startsWith('k:')) node['.'] = {};
  }
  return root;
}

export function decodeFields(fields: JsonObject, path: string[] = [], out: FieldSet = new Set()): FieldSet {
  for (const [segment, child] of Object.entries(fields)) {
    if (segment === '.') out.add(encodePath(path));
    else if (isObject(child) && Object.keys(child).length > 0) decodeFields(child, [...path, segment], out);
    else out.add(encodePath([...path, segment]));
  }
  return out;
}

const isLeaf = (key: string): boolean => !decodePath(key).at(-1)?.startsWith('k:');

function findItem(list: unknown, segment: string): JsonObject | undefined {
  if (!Array.isArray(list)) return undefined;
  const wanted = JSON.parse(segment.slice(2)) as JsonObject;
  const keys = Object.keys(wanted);
  return list.find((item): item is JsonObject => isObject(item) && itemSegment(keys, item) === segment);
}

export function valueAt(object: unknown, path: Path): unknown {
  let node = object;
  for (const segment of path) {
    node = segment.startsWith('k:')
      ? findItem(node, segment)
      : isObject(node)
        ? node[segment.slice(2)]
        : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

export function removeAt(object: JsonObject, path: Path): void {
  const parent = valueAt(object, path.slice(0, -1));
  const last = path.at(-1) ?? '';
  if (last.startsWith('k:') && Array.isArray(parent)) {
    const item = findItem(parent, last);
    if (item) parent.splice(parent.indexOf(item), 1);
  } else if (isObject(parent)) delete parent[last.slice(2)];
}

/** Leaf fields both sets hold where the two objects disagree: what an apply would take from another manager. */
export function differingLeaves(set: FieldSet, other: FieldSet, a: unknown, b: unknown): string[] {
  return [...set].filter(
    (key) =>
      isLeaf(key) && other.has(key) && !deepEqual(valueAt(a, decodePath(key)), valueAt(b, decodePath(key))),
  );
}

/** Fields of `next` that are new or changed since `previous`: what an Update operation takes ownership of. */
export function changedFields(previous: JsonObject, next: JsonObject, subresource?: string): FieldSet {
  const before = fieldSet(previous, subresource);
  const after = fieldSet(next, subresource);
  return new Set(
    [...after].filter(
      (key) =>
        !before.has(key) ||
        (isLeaf(key) && !deepEqual(valueAt(previous, decodePath(key)), valueAt(next, decodePath(key)))),
    ),
  );
}

/** `.spec.replicas`, `.spec.template.spec.containers[name="model"].image`: the path in conflict messages. */
export function describePath(key: string): string {
  return decodePath(key)
    .map((segment) => {
      if (!segment.startsWith('k:')) return `.${segment.slice(2)}`;
      const entries = Object.entries(JSON.parse(segment.slice(2)) as JsonObject);
      return `[${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    })
    .join('');
}

/** Server-side apply's merge: the applied configuration over the live object, keyed lists by key. */
export function mergeApplied(live: unknown, applied: unknown, field = ''): unknown {
  if (isObject(live) && isObject(applied)) {
    const out: JsonObject = { ...live };
    for (const [k, v] of Object.entries(applied)) out[k] = mergeApplied(live[k], v, k);
    return out;
  }
  if (Array.isArray(live) && Array.isArray(applied)) {
    const keys = mergeKeys(field, applied) && mergeKeys(field, live);
    if (!keys) return applied;
    const out = [...live] as JsonObject[];
    for (const item of applied as JsonObject[]) {
      const at = out.findIndex((existing) => itemSegment(keys, existing) === itemSegment(keys, item));
      if (at >= 0) out[at] = mergeApplied(out[at], item, '') as JsonObject;
      else out.push(item);
    }
    return out;
  }
  return applied;
}
