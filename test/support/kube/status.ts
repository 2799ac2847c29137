/** Kubernetes `Status` errors: every non-2xx answer of the test server is one, as the real API server's. */

export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
}

/** Names a resource in messages as the API server does: `jobs.batch`, or `pods` for the core group. */
export interface GroupResource {
  readonly group: string;
  readonly resource: string;
}

export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export const qualified = (gr: GroupResource): string =>
  gr.group ? `${gr.resource}.${gr.group}` : gr.resource;

export const notFound = (gr: GroupResource, name: string): KubeError =>
  new KubeError(404, 'NotFound', `${qualified(gr)} "${name}" not found`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });

export const alreadyExists = (gr: GroupResource, name: string): KubeError =>
  new KubeError(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });

export const staleWrite = (gr: GroupResource, name: string): KubeError =>
  new KubeError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(gr)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: gr.group, kind: gr.resource },
  );

/** `Job.batch "x" is invalid: spec.template...: Required value`, details naming each field. */
export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: readonly StatusCause[],
): KubeError {
  const what = group ? `${kind}.${group}` : kind;
  const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const text = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return new KubeError(422, 'Invalid', `${what} "${name}" is invalid: ${text}`, {
    name,
    group,
    kind,
    causes,
  });
}

export const badRequest = (message: string): KubeError => new KubeError(400, 'BadRequest', message);

export const unauthorized = (): KubeError => new KubeError(401, 'Unauthorized', 'Unauthorized');

export const expired = (requested: string, oldest: number): KubeError =>
  new KubeError(410, 'Expired', `too old resource version: ${requested} (${oldest})`);

export const methodNotAllowed = (): KubeError =>
  new KubeError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

export const unsupportedMediaType = (type: string): KubeError =>
  new KubeError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got ${type}`,
  );
