import { MlopsError } from '../../src/core/errors.js';

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
