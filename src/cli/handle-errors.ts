import { MlopsError } from '../kernel/errors.js';
import type { MessageCode } from '../kernel/messages.js';

export interface ErrorReport {
  readonly message: string;
  readonly hint: string;
  readonly code: MessageCode | string;
  readonly exitCode: number;
  readonly stack: string | undefined;
}

const SYSTEM_HINTS: Readonly<Record<string, string>> = {
  ENOENT: 'A file or directory does not exist: check the path.',
  EACCES: 'Permission denied: check the file permissions or run as a user who may write there.',
  EPERM: 'The operation is not permitted: check the file permissions.',
  ENOSPC: 'The disk is full: free some space and retry.',
  ECONNREFUSED: 'Nothing is listening there: start the server or check --url / the endpoint.',
  ENOTFOUND: 'The host name does not resolve: check the URL and your network or DNS.',
  ETIMEDOUT: 'The connection timed out: check the network path and firewalls.',
};

const isInterrupt = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortError');

/** Turns anything thrown into what the user sees: one line of what failed, one of what to do. */
export function toErrorReport(error: unknown): ErrorReport {
  if (isInterrupt(error)) {
    return {
      message: 'Interrupted.',
      hint: 'Stopped on request (Ctrl-C). Run the command again when you are ready.',
      code: 'MLOPS_INTERRUPTED',
      exitCode: 130,
      stack: undefined,
    };
  }
  if (MlopsError.is(error)) {
    const exitCode = error.source === 'usage' || error.source === 'config' ? 2 : 1;
    return { message: error.message, hint: error.hint, code: error.code, exitCode, stack: error.stack };
  }
  const err = error instanceof Error ? error : new Error(String(error));
  const sys = (err as NodeJS.ErrnoException).code;
  if (sys && SYSTEM_HINTS[sys]) {
    return { message: err.message, hint: SYSTEM_HINTS[sys], code: sys, exitCode: 1, stack: err.stack };
  }
  return {
    message: `Unexpected error: ${err.message}`,
    hint: 'This is a bug in mlops. Run again with --verbose and report the output.',
    code: 'MLOPS_INTERNAL_E9000',
    exitCode: 1,
    stack: err.stack,
  };
}
