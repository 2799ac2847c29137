import { usageError } from '../kernel/errors.js';

export interface NumberFlagRange {
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. @default false */
  readonly integer?: boolean;
  /** A valid value to show in the hint, e.g. `--port 8080`. */
  readonly example: string;
}

/**
 * A numeric flag's value, or undefined when the flag was not given. Anything else (empty, not a number,
 * out of range, a fraction where a whole number is needed) is a usage error whose hint shows a valid use.
 */
export function numberFlag(
  flag: string,
  value: string | undefined,
  range: NumberFlagRange,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const kind = range.integer ? 'a whole number' : 'a number';
  if (
    value.trim() === '' ||
    !Number.isFinite(n) ||
    n < range.min ||
    n > range.max ||
    (range.integer && !Number.isInteger(n))
  ) {
    throw usageError(
      `${flag} ${JSON.stringify(value)} is not ${kind} from ${range.min} to ${range.max}.`,
      'MLOPS_USAGE_E1002',
      `e.g. ${range.example}`,
    );
  }
  return n;
}
