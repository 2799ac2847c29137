import { isFeatureValue } from '../ml/predictor.js';
import { badRequest, describeValue } from './http-error.js';

/*
 * The serving input layer: the one place where the rows of a request are checked (the server loads its
 * predictors with `checkRows: false`), by the predictor's own rule (`isFeatureValue`), with a 400 that
 * names where the bad value is.
 */

const listOf = (features: readonly string[]): string =>
  features.length <= 12 ? features.join(', ') : `${features.slice(0, 12).join(', ')} … (${features.length})`;

const quoted = (names: readonly string[]): string =>
  names
    .slice(0, 5)
    .map((n) => `"${n.slice(0, 40)}"`)
    .join(', ') + (names.length > 5 ? ` … (${names.length})` : '');

/** A feature value: a finite number within float32 range; anything else is a 400 naming where it is. */
export function featureValue(value: unknown, where: string): number {
  if (isFeatureValue(value)) return value;
  if (typeof value === 'number') {
    throw badRequest(`${where} is ${value}, outside the float32 range the model computes in`);
  }
  throw badRequest(`${where} is ${describeValue(value)}; every feature value must be a finite number`);
}

/**
 * One row: an array of numbers in feature order, or an object keyed by feature name (every feature
 * exactly once, nothing else).
 */
export function toRow(value: unknown, features: readonly string[], where: string): number[] {
  const width = features.length;
  if (Array.isArray(value)) {
    if (value.length !== width) {
      throw badRequest(
        `${where} has ${value.length} value${value.length === 1 ? '' : 's'}; the model takes ${width} (${listOf(features)})`,
      );
    }
    // The fast path of 1-row requests: no allocation beyond the row itself when it is already clean.
    for (let j = 0; j < width; j += 1) {
      const v: unknown = value[j];
      if (!isFeatureValue(v)) featureValue(v, `${where}[${j}]`);
    }
    return value as number[];
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const row = new Array<number>(width);
    let seen = 0;
    for (let j = 0; j < width; j += 1) {
      const name = features[j] as string;
      if (!Object.hasOwn(record, name)) {
        const missing = features.filter((f) => !Object.hasOwn(record, f));
        const unknown = Object.keys(record).filter((k) => !features.includes(k));
        // Both lists together make a misspelt feature name obvious.
        throw badRequest(
          `${where} lacks the feature${missing.length > 1 ? 's' : ''} ${quoted(missing)}${
            unknown.length ? ` and has unknown ${quoted(unknown)}` : ''
          }`,
        );
      }
      row[j] = featureValue(record[name], `${where}.${name}`);
      seen += 1;
    }
    const keys = Object.keys(record);
    if (keys.length !== seen) {
      const unknown = keys.filter((k) => !features.includes(k)).slice(0, 5);
      throw badRequest(
        `${where} has unknown feature${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')}; the model's features are ${listOf(features)}`,
      );
    }
    return row;
  }
  throw badRequest(
    `${where} is ${describeValue(value)}; a row is an array of ${width} numbers or an object keyed by feature name`,
  );
}

/** A non-empty list of rows (`instances` of the simple and TF Serving row formats). */
export function toRows(value: unknown, features: readonly string[], where: string): number[][] {
  if (value === undefined) throw badRequest(`the body has no "${where}"`);
  if (!Array.isArray(value)) {
    throw badRequest(`"${where}" must be an array of rows, not ${describeValue(value)}`);
  }
  if (value.length === 0) throw badRequest(`"${where}" is empty: send at least one row`);
  if (typeof value[0] === 'number') {
    throw badRequest(
      `"${where}" must be a list of rows: wrap the row in another array, e.g. [[${value.slice(0, 4).join(', ')}]]`,
    );
  }
  const rows = new Array<number[]>(value.length);
  for (let i = 0; i < value.length; i += 1) rows[i] = toRow(value[i], features, `${where}[${i}]`);
  return rows;
}

/**
 * TF Serving's columnar `inputs`: either a list of rows, or `{feature: [v0, v1, …]}` with one list per
 * feature, all of the same length.
 */
export function columnsToRows(value: unknown, features: readonly string[], where: string): number[][] {
  if (Array.isArray(value)) return toRows(value, features, where);
  if (typeof value !== 'object' || value === null) {
    throw badRequest(
      `"${where}" must be an object of feature columns or a list of rows, not ${describeValue(value)}`,
    );
  }
  const columns = value as Record<string, unknown>;
  const unknown = Object.keys(columns).filter((k) => !features.includes(k));
  if (unknown.length) {
    throw badRequest(
      `"${where}" has unknown feature ${unknown
        .slice(0, 5)
        .map((k) => `"${k.slice(0, 40)}"`)
        .join(', ')}; the model's features are ${listOf(features)}`,
    );
  }
  let length = -1;
  for (const name of features) {
    if (!Object.hasOwn(columns, name)) throw badRequest(`"${where}" lacks the feature column "${name}"`);
    const column = columns[name];
    if (!Array.isArray(column)) {
      throw badRequest(
        `${where}.${name} must be an array with one value per row, not ${describeValue(column)}`,
      );
    }
    if (length >= 0 && column.length !== length) {
      throw badRequest(
        `the columns of "${where}" differ in length (${length} and ${column.length} for "${name}")`,
      );
    }
    length = column.length;
  }
  if (length === 0) throw badRequest(`the columns of "${where}" are empty: send at least one row`);
  const rows: number[][] = Array.from({ length }, () => new Array<number>(features.length));
  features.forEach((name, j) => {
    const column = columns[name] as unknown[];
    for (let i = 0; i < length; i += 1)
      (rows[i] as number[])[j] = featureValue(column[i], `${where}.${name}[${i}]`);
  });
  return rows;
}
