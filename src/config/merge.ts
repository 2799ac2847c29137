export type JsonObject = { [key: string]: unknown };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Objects merge key by key; arrays and scalars from `over` replace. Inputs are not mutated. */
export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** Returns a copy of `target` with the dotted `key` set to `value`. */
export function setPath(target: JsonObject, key: string, value: unknown): JsonObject {
  const [head, ...rest] = key.split('.');
  if (head === undefined) return target;
  if (rest.length === 0) return { ...target, [head]: value };
  const child = isObject(target[head]) ? (target[head] as JsonObject) : {};
  return { ...target, [head]: setPath(child, rest.join('.'), value) };
}
