import * as z from 'zod';
import { usageError } from '../kernel/errors.js';
import { knownFields } from './diagnostics.js';
import { trainSchema } from './schema.js';
import { didYouMean } from './suggest.js';

const json = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text; // not JSON: the text itself (e.g. backend=wasm)
  }
};

/** Whether the training parameter holds a list (hiddenUnits). */
const isList = (key: string): boolean =>
  trainSchema.shape[key as keyof typeof trainSchema.shape]?.unwrap() instanceof z.ZodArray;

/**
 * `--param epochs=50 --param hiddenUnits=64,32` → config overrides under train.*, validated later with
 * the rest of the configuration (`{"train.epochs": 50, "train.hiddenUnits": [64, 32]}`). Values are read
 * as JSON when they parse (numbers, booleans, [64, 32]), else kept as text; a list parameter also
 * takes comma-separated values or a single one. An unknown name is refused here, with the parameter it
 * most likely misspells.
 */
export function trainParamOverrides(params: readonly string[] = []): Record<string, unknown> {
  const known = knownFields(trainSchema, []);
  const out: Record<string, unknown> = {};
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq <= 0) {
      throw usageError(
        `--param "${param}" is not key=value.`,
        'MLOPS_USAGE_E1002',
        'Write it as --param epochs=100.',
      );
    }
    const key = param.slice(0, eq);
    const raw = param.slice(eq + 1);
    if (!known.includes(key)) {
      const guess = didYouMean(key, known);
      throw usageError(
        `--param ${key}: there is no training parameter "${key}"${guess === undefined ? '' : `; ${guess}`}`,
        'MLOPS_USAGE_E1020',
        `Training parameters: ${known.join(', ')}.`,
      );
    }
    out[`train.${key}`] = isList(key) ? listValue(raw) : json(raw);
  }
  return out;
}

/** `[64,32]`, `64,32` or `64` → a list; elements are read like any value. */
function listValue(raw: string): unknown[] {
  const value = json(raw);
  if (Array.isArray(value)) return value;
  return raw.split(',').map((item) => json(item.trim()));
}
