import type { MessageCode } from './messages.js';

const BRAND = Symbol.for('mlops.MlopsError');

/** Whose fault an error is: decides the exit code (2 for usage/config, 1 for a failed operation). */
export type ErrorSource = 'usage' | 'config' | 'operation' | 'internal';

export interface MlopsErrorOptions {
  readonly code: MessageCode;
  /** One line saying what to do about it: every error a user sees has one. */
  readonly hint: string;
  /** @default 'operation' */
  readonly source?: ErrorSource;
  readonly cause?: unknown;
}

/**
 * The one error type the core throws for anything a user can act on. The CLI prints `message` and `hint`
 * (never a stack unless --verbose). Branded with Symbol.for so that copies of the package still agree.
 */
export class MlopsError extends Error {
  readonly code: MessageCode;
  readonly hint: string;
  readonly source: ErrorSource;

  constructor(message: string, options: MlopsErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlopsError';
    this.code = options.code;
    this.hint = options.hint;
    this.source = options.source ?? 'operation';
    Object.defineProperty(this, BRAND, { value: true });
  }

  static is(value: unknown): value is MlopsError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

export const usageError = (message: string, code: MessageCode, hint: string): MlopsError =>
  new MlopsError(message, { code, hint, source: 'usage' });

export const configError = (message: string, code: MessageCode, hint: string): MlopsError =>
  new MlopsError(message, { code, hint, source: 'config' });
