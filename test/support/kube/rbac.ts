import type { Kind } from './kinds.js';
import { KubeError, qualified } from './status.js';

/** The user the test server's token authenticates as, named in RBAC denials. */
export const USER = 'system:serviceaccount:default:mlops-test';

export interface ForbidRule {
  /** get, list, watch, create, update, patch, delete, deletecollection. */
  readonly verb: string;
  /** The plural resource, with a subresource as RBAC spells it: `jobs`, `pods/log`, `deployments/status`. */
  readonly resource: string;
  /** Only in this namespace; absent: everywhere. */
  readonly namespace?: string;
}

export interface Access {
  readonly verb: string;
  readonly kind: Kind;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** 403 with the text the real RBAC authorizer gives, when a rule forbids the access. */
export function checkAccess(rules: readonly ForbidRule[], access: Access): void {
  const resource = access.subresource
    ? `${access.kind.resource}/${access.subresource}`
    : access.kind.resource;
  const denied = rules.some(
    (r) =>
      r.verb === access.verb && r.resource === resource && (!r.namespace || r.namespace === access.namespace),
  );
  if (!denied) return;
  const subject = `${qualified(access.kind)}${access.name ? ` "${access.name}"` : ''}`;
  const scope = access.namespace ? `in the namespace "${access.namespace}"` : 'at the cluster scope';
  throw new KubeError(
    403,
    'Forbidden',
    `${subject} is forbidden: User "${USER}" cannot ${access.verb} resource "${resource}" in API group "${access.kind.group}" ${scope}`,
    {
      ...(access.name ? { name: access.name } : {}),
      group: access.kind.group,
      kind: access.kind.resource,
    },
  );
}
