import { MlopsError } from '../../src/kernel/errors.js';

/** The MlopsError code a promise rejects with, or undefined when it resolves; other errors rethrow. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (MlopsError.is(error)) return error.code;
    throw error;
  }
  return undefined;
}

/** The MlopsError a function throws; fails the test when it throws nothing. */
export function errorOf(fn: () => unknown): MlopsError {
  try {
    fn();
  } catch (error) {
    if (MlopsError.is(error)) return error;
    throw error;
  }
  throw new Error('expected an MlopsError');
}

/** The MlopsError a promise rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<MlopsError> {
  try {
    await promise;
  } catch (error) {
    if (MlopsError.is(error)) return error;
    throw error;
  }
  throw new Error('expected an MlopsError');
}
