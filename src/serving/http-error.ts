/**
 * An answer to a client mistake (or a not-ready server): the status and the one-line reason that goes
 * into `{"error": "…"}`. Anything else thrown while handling a request is a bug and becomes a 500.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);
export const unavailable = (message: string): HttpError =>
  new HttpError(503, message, { 'retry-after': '1' });

/** A short, safe rendering of a client's value for an error message (never the whole payload). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}…` : value)}`;
    case 'object':
      return 'an object';
    case 'number':
      return String(value);
    default:
      return `${typeof value} ${String(value)}`;
  }
}

/** The message of anything thrown, for a 500's body and the server's reports. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
