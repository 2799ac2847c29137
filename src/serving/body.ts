import { badRequest, HttpError } from './http-error.js';

/**
 * Accepts `application/json` and `application/*+json` (charset utf-8 or none). A missing Content-Type is
 * accepted as JSON, because many HTTP clients omit it; anything else is a 415 that names the fix.
 */
export function checkContentType(header: string | undefined): void {
  if (header === undefined || header === '') return;
  const semi = header.indexOf(';');
  const type = (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
  if (type !== 'application/json' && !(type.startsWith('application/') && type.endsWith('+json'))) {
    throw new HttpError(
      415,
      `unsupported Content-Type "${header.slice(0, 60)}": send the body as JSON with Content-Type: application/json`,
    );
  }
  if (semi >= 0) {
    const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(header.slice(semi))?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      throw new HttpError(415, `unsupported charset "${charset}": JSON bodies must be UTF-8`);
    }
  }
}

/**
 * The body as a JSON object with only the fields a protocol defines: 400 for an empty body, a syntax
 * error, a non-object document or an unknown field (so that a typo such as `instance` is not ignored).
 */
export function readJsonBody(
  body: Buffer | undefined,
  example: string,
  allowed: readonly string[],
): Record<string, unknown> {
  if (body === undefined || body.length === 0) {
    throw badRequest(`the request body is empty: send a JSON object such as ${example}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`the body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest(
      `the body must be a JSON object such as ${example}, not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)?.slice(0, 40)}`,
    );
  }
  for (const key in value) {
    if (!allowed.includes(key)) {
      throw badRequest(`unknown field "${key.slice(0, 40)}" in the body; allowed: ${allowed.join(', ')}`);
    }
  }
  return value as Record<string, unknown>;
}
