import { MlopsError } from '../../src/kernel/errors.js';
import type { MessageCode } from '../../src/kernel/messages.js';
import { isNetworkErrorCode } from '../../src/kernel/network-errors.js';

/**
 * What the API server says went wrong, and what the user can do about it: every failure of the cluster
 * client ends here as an MlopsError (codes MLOPS_CLUSTER_E71xx). Messages name the server, the context,
 * the user and the request; never a token or a key.
 */

/** A `Status` object, as the API server answers errors (and watch ERROR events). */
export interface KubeStatus {
  readonly kind?: string;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: {
    readonly name?: string;
    readonly group?: string;
    readonly kind?: string;
    readonly causes?: readonly {
      readonly type?: string;
      readonly reason?: string;
      readonly message?: string;
      readonly field?: string;
    }[];
  };
}

/** Who we are talking to, for messages. */
export interface ClusterTarget {
  readonly context: string;
  readonly server: string;
  readonly cluster: string;
  readonly user: string;
  /** How the user authenticates: decides what a 401 means. */
  readonly auth: 'exec' | 'token' | 'basic' | 'certificate' | 'none';
  /** The exec plugin's command, when `auth` is exec. */
  readonly execCommand?: string;
}

/** The request that failed: a verb on a resource (plural, API group) in a namespace. */
export interface RequestSubject {
  readonly verb: string;
  readonly resource: string;
  readonly group: string;
  readonly namespace?: string;
  /** `Kind ns/name` of the object, when the request is about one. */
  readonly object?: string;
}

export const clusterError = (message: string, code: MessageCode, hint: string, cause?: unknown): MlopsError =>
  new MlopsError(message, { code, hint, ...(cause === undefined ? {} : { cause }) });

const TLS_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'EPROTO',
]);

const isTlsCode = (code: string): boolean =>
  TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_');

/** A failure below HTTP (connect, DNS, TLS), or undefined when the error is not one (rethrow it). */
export function transportError(error: unknown, target: ClusterTarget): MlopsError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!code) return undefined;
  if (isTlsCode(code)) return tlsError(code, error, target);
  if (!isNetworkErrorCode(code)) return undefined;
  return clusterError(
    `Cannot reach the Kubernetes API server at ${target.server} (context ${target.context}): ${code}.`,
    'MLOPS_CLUSTER_E7105',
    `Check that the cluster is up and that context ${target.context} points at it (kubectl config view --minify); an EKS endpoint that is private is reachable only from inside its VPC.`,
    error,
  );
}

function tlsError(code: string, error: unknown, target: ClusterTarget): MlopsError {
  const where = `TLS with the Kubernetes API server at ${target.server} (context ${target.context}) failed`;
  const hint =
    code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? `The server's certificate does not name this host: use the address the certificate names, or set tls-server-name on cluster "${target.cluster}" in the kubeconfig.`
      : code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID'
        ? "Check this machine's clock; otherwise the cluster's serving certificate needs renewing."
        : code.startsWith('ERR_SSL_') || code === 'EPROTO'
          ? `The server refused the TLS handshake: check the client certificate of user "${target.user}" and the server address of cluster "${target.cluster}".`
          : `The server's certificate is not signed by the CA of cluster "${target.cluster}": check its certificate-authority-data in the kubeconfig and that context ${target.context} points at this server (mlops infra kubeconfig rewrites it).`;
  return clusterError(`${where}: ${code}.`, 'MLOPS_CLUSTER_E7106', hint, error);
}

/** An HTTP error answer of the API server (its Status body when it sent one) as an MlopsError. */
export function statusError(
  httpStatus: number,
  status: KubeStatus | undefined,
  subject: RequestSubject,
  target: ClusterTarget,
): MlopsError {
  const said = status?.message ? `: ${status.message}` : '';
  const what = describe(subject);
  switch (httpStatus) {
    case 401:
      return clusterError(
        `The Kubernetes API server at ${target.server} rejected the credentials of user "${target.user}" (context ${target.context}, 401 Unauthorized).`,
        'MLOPS_CLUSTER_E7107',
        unauthorizedHint(target),
      );
    case 403:
      return forbidden(status, subject, target);
    case 409:
      return conflict(status, subject);
    case 400:
    case 422:
      return clusterError(
        `The API server refused ${subject.object ?? what} as invalid${invalidFields(status) || said}.`,
        'MLOPS_CLUSTER_E7111',
        'Fix the fields named (in mlops.config.json, or in the object passed); `kubectl explain KIND.FIELD` documents what the server accepts.',
      );
    case 404:
      // a 404 that names no object: the resource itself is unknown (a CRD that is not installed)
      if (!status?.details?.name)
        return notServed(
          subject.group ? `${subject.resource}.${subject.group}` : subject.resource,
          target.server,
        );
      break;
  }
  return clusterError(
    `The API server at ${target.server} answered ${httpStatus}${status?.reason ? ` ${status.reason}` : ''} to ${what}${said}.`,
    'MLOPS_CLUSTER_E7113',
    httpStatus >= 500
      ? 'The control plane is failing or overloaded: retry, and check its health (kubectl get --raw /readyz?verbose).'
      : `Check that the namespace exists and that context ${target.context} is the cluster you mean.`,
  );
}

/** The server does not serve a kind or resource (`what`). */
export const notServed = (what: string, server: string): MlopsError =>
  clusterError(
    `The API server at ${server} does not serve ${what}.`,
    'MLOPS_CLUSTER_E7112',
    'Install the CRD or add-on that provides it (monitoring.coreos.com: kube-prometheus-stack; networking.istio.io: istio; `mlops infra up --stack addons`).',
  );

function unauthorizedHint(target: ClusterTarget): string {
  switch (target.auth) {
    case 'exec':
      return `The token from the credential plugin (${target.execCommand ?? 'exec'}) was refused: on EKS, check that your AWS identity (aws sts get-caller-identity) has an access entry on the cluster and that its session has not expired.`;
    case 'token':
    case 'basic':
      return `The ${target.auth === 'token' ? 'token' : 'password'} of user "${target.user}" in the kubeconfig is wrong or expired: get a fresh kubeconfig (mlops infra kubeconfig on EKS) or a new token.`;
    case 'certificate':
      return `The client certificate of user "${target.user}" is not trusted by the cluster or has expired: get a fresh kubeconfig.`;
    case 'none':
      return `The kubeconfig user "${target.user}" has no credentials: get a kubeconfig with a token or an exec plugin (mlops infra kubeconfig on EKS).`;
  }
}

/** `User "u" cannot get resource "pods" in API group "" in the namespace "training"` (or at the cluster scope). */
const FORBIDDEN =
  /User "([^"]*)" cannot (\S+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)")?/;

function forbidden(
  status: KubeStatus | undefined,
  subject: RequestSubject,
  target: ClusterTarget,
): MlopsError {
  const parsed = FORBIDDEN.exec(status?.message ?? '');
  const user = parsed?.[1] ?? target.user;
  const verb = parsed?.[2] ?? subject.verb;
  const resource = parsed?.[3] ?? subject.resource;
  const group = parsed ? (parsed[4] ?? '') : subject.group;
  const namespace = parsed ? parsed[5] : subject.namespace;
  const where = namespace ? `in namespace ${namespace}` : 'at the cluster scope';
  const role = namespace ? 'role' : 'clusterrole';
  const name = `mlops-${verb}-${resource.replace(/[^a-z0-9]+/g, '-')}`;
  const resourceFlag = group ? `${resource}.${group}` : resource;
  const ns = namespace ? ` -n ${namespace}` : '';
  const serviceAccount = /^system:serviceaccount:([^:]+):(.+)$/.exec(user);
  const subjectFlag = serviceAccount
    ? `--serviceaccount=${serviceAccount[1]}:${serviceAccount[2]}`
    : `--user=${user}`;
  return clusterError(
    `Forbidden: "${user}" may not ${verb} ${resourceFlag} ${where} (403, context ${target.context}).`,
    'MLOPS_CLUSTER_E7108',
    `An RBAC rule {apiGroups: ["${group}"], resources: ["${resource}"], verbs: ["${verb}"]} allows it: kubectl create ${role} ${name} --verb=${verb} --resource=${resourceFlag}${ns} && kubectl create ${role}binding ${name} --${role}=${name} ${subjectFlag}${ns}`,
  );
}

function conflict(status: KubeStatus | undefined, subject: RequestSubject): MlopsError {
  const owned = (status?.details?.causes ?? [])
    .filter((c) => c.field)
    .map((c) => {
      const manager = /conflict with "([^"]+)"/.exec(c.message ?? '')?.[1];
      return manager ? `${c.field} (owned by ${manager})` : `${c.field}`;
    });
  return clusterError(
    `Applying ${subject.object ?? describe(subject)} conflicts with fields another manager owns: ${owned.join(', ') || status?.message || 'see the server message'}.`,
    'MLOPS_CLUSTER_E7110',
    'Rerun with --force-conflicts to take those fields over (mlops then owns them), or change them through their manager.',
  );
}

function invalidFields(status: KubeStatus | undefined): string {
  const causes = (status?.details?.causes ?? []).filter((c) => c.field || c.message);
  if (!causes.length) return '';
  return `: ${causes.map((c) => [c.field, c.message].filter(Boolean).join(': ')).join('; ')}`;
}

const describe = (subject: RequestSubject): string =>
  `${subject.verb} ${subject.group ? `${subject.resource}.${subject.group}` : subject.resource}${subject.namespace ? ` in namespace ${subject.namespace}` : ''}`;

/** The connection went away (refused, reset, dropped mid-stream): a watch or a log follow reconnects. */
export const isConnectionLoss = (error: unknown): boolean =>
  MlopsError.is(error)
    ? error.code === 'MLOPS_CLUSTER_E7105'
    : isNetworkErrorCode((error as NodeJS.ErrnoException | undefined)?.code);
