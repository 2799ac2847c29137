import { MlopsError } from '../../../src/kernel/errors.js';
import type { MessageCode } from '../../../src/kernel/messages.js';

/** What the request was for, in words a message can use: `pushing blob sha256:ab… to team/app`. */
export type Doing = string;

/** Bearer and Basic credentials, and token-looking query values, as they must never appear. */
const SECRETS =
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}|([?&](?:token|access_token|refresh_token|_state)=)[^&\s]+/gi;

/** A text with any Authorization value or token parameter replaced by `***`. */
export const scrub = (text: string): string =>
  text.replace(SECRETS, (_all, scheme?: string, param?: string) =>
    scheme ? `${scheme} ***` : `${param}***`,
  );

/**
 * A cause safe to attach to an MlopsError: the original's name, code and message, scrubbed. Undici
 * errors carry no headers today, but a cause is printed with --verbose, so nothing is trusted.
 */
export function safeCause(error: unknown): Error {
  const original = error as { name?: string; code?: string; message?: string; cause?: unknown };
  const inner = original.cause as { code?: string; message?: string } | undefined;
  const parts = [original.code, original.message, inner?.code, inner?.message].filter(Boolean);
  const cause = new Error(scrub(parts.join(': ') || String(error)));
  cause.name = original.name ?? 'Error';
  return cause;
}

/** The `errors` of a distribution API error body, as `CODE: message` (registries put no secrets there). */
export function registryErrorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: unknown; message?: unknown }[] };
    const text = (parsed.errors ?? [])
      .map((e) => [e.code, e.message].filter((x) => typeof x === 'string' && x !== '').join(': '))
      .filter(Boolean)
      .join('; ');
    if (text) return scrub(text).slice(0, 300);
  } catch {
    // not JSON: a proxy's HTML page, say
  }
  return '';
}

export const registryError = (
  message: string,
  code: MessageCode,
  hint: string,
  cause?: unknown,
): MlopsError =>
  new MlopsError(message, { code, hint, ...(cause === undefined ? {} : { cause: safeCause(cause) }) });

/** The error for an answer no step expected (after retries for a 5xx). */
export function unexpectedStatus(host: string, doing: Doing, status: number, body: string): MlopsError {
  const detail = registryErrorText(body);
  if (status === 403) {
    return registryError(
      `The registry ${host} denied ${doing} (403${detail ? `: ${detail}` : ''}).`,
      'MLOPS_IMAGE_E7404',
      'The credentials mlops found for this host lack this permission on the repository: grant push (and pull) to them, or log in as a user who has it.',
    );
  }
  if (status >= 400 && status < 500) {
    return registryError(
      `The registry ${host} rejected ${doing} (${status}${detail ? `: ${detail}` : ''}).`,
      'MLOPS_IMAGE_E7409',
      'Check the repository name and the image content; run again with --verbose for the request that failed.',
    );
  }
  return registryError(
    `The registry ${host} failed ${doing} (${status}${detail ? `: ${detail}` : ''}).`,
    'MLOPS_IMAGE_E7410',
    'The registry had a problem of its own; retry later, or check its status page or logs.',
  );
}
