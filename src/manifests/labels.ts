/**
 * What every manifest builder shares: the labels mlops puts on its objects, and the canonical key order
 * that makes a builder's output byte-for-byte stable (cdk8s's ApiObject.toJson).
 */

export type Component = 'training' | 'serving';

export const MANAGED_BY = 'mlops';

/** The `app.kubernetes.io/*` and `mlops.dev/model` labels of one of the model's components. */
export function componentLabels(model: string, component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/name': `${model}-${component}`,
    'app.kubernetes.io/part-of': model,
    'mlops.dev/model': model,
  };
}

/** The label selector of every object mlops made for a model's component (`--list`, status). */
export const componentSelector = (model: string, component: Component): string =>
  `app.kubernetes.io/managed-by=${MANAGED_BY},app.kubernetes.io/component=${component},mlops.dev/model=${model}`;

const FIRST = ['apiVersion', 'kind', 'metadata'];

const rank = (key: string): number => {
  const i = FIRST.indexOf(key);
  return i === -1 ? FIRST.length : i;
};

/**
 * A deep copy with object keys sorted (`apiVersion`, `kind`, `metadata` first) and `undefined` fields
 * dropped; arrays keep their order, which carries meaning (args, containers).
 */
export function canonical<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => canonical(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)])) as T;
}
