/** The shapes the test server stores, and the few pure helpers every part of it uses on them. */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export type JsonObject = { [key: string]: unknown };

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const clone = <T>(value: T): T => structuredClone(value);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const other = Object.keys(b).filter((k) => b[k] !== undefined);
    return keys.length === other.length && keys.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** An object's nested field (`['spec', 'template']`), or undefined. */
export function at(value: unknown, path: readonly string[]): unknown {
  let node = value;
  for (const key of path) {
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

export const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

let lastStamp = 0;

/** kubelet's RFC3339NanoFixed: nine fractional digits, strictly increasing, so log lines sort by their prefix. */
export function nanoTimestamp(): string {
  const ms = (lastStamp = Math.max(performance.timeOrigin + performance.now(), lastStamp + 0.001));
  const whole = Math.floor(ms);
  // floor, not round: a fraction rounded up to 1,000,000 would not fit its six digits
  const nanos = String(Math.floor((ms - whole) * 1e6)).padStart(6, '0');
  return new Date(whole).toISOString().replace(/Z$/, `${nanos}Z`);
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The 5-character suffix of generated names (`train-x7k2q`), from the API server's alphabet. */
export const randomSuffix = (length = 5): string =>
  Array.from({ length }, () => ALPHABET[Math.floor(Math.random() * ALPHABET.length)]).join('');

export const ownerRef = (owner: KubeObject): OwnerReference => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  name: owner.metadata.name,
  uid: owner.metadata.uid,
  controller: true,
  blockOwnerDeletion: true,
});

export const isOwnedBy = (object: KubeObject, owner: KubeObject): boolean =>
  (object.metadata.ownerReferences ?? []).some((ref) => ref.uid === owner.metadata.uid);
