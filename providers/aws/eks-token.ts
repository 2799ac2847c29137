import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from './credentials.js';

/**
 * An EKS bearer token made as `aws eks get-token` makes it (awscli/customizations/eks/get_token.py) and
 * as aws-iam-authenticator's verifier accepts it (pkg/token/token.go): a presigned STS
 * GetCallerIdentity URL whose signed headers include `x-k8s-aws-id: <cluster>`, base64url without
 * padding, behind `k8s-aws-v1.`. EKS calls the URL with that header and learns who is asking.
 */

export const TOKEN_PREFIX = 'k8s-aws-v1.';
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** STS ignores it (URLs live 15 minutes after X-Amz-Date); the verifier wants 0–900, aws-cli sends 60. */
const URL_EXPIRES_SECONDS = 60;
/** One minute short of the URL's 15, as aws-cli: client-go asks for a new token when this passes. */
const TOKEN_LIFETIME_MS = 14 * 60_000;

export interface EksTokenRequest {
  readonly clusterName: string;
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** The signing time. @default new Date() */
  readonly now?: Date;
}

export interface EksToken {
  readonly token: string;
  /** RFC 3339, UTC, whole seconds (`2026-01-02T03:04:05Z`), as aws-cli prints it. */
  readonly expirationTimestamp: string;
}

/**
 * The regional STS host (aws-cli v2's default), in the region's partition domain. The verifier accepts
 * the global `sts.amazonaws.com` only in the `aws` partition, the regional form everywhere.
 */
export function stsHost(region: string): string {
  const domain = region.startsWith('cn-')
    ? 'amazonaws.com.cn'
    : region.startsWith('us-isob-')
      ? 'sc2s.sgov.gov'
      : region.startsWith('us-iso-')
        ? 'c2s.ic.gov'
        : 'amazonaws.com';
  return `sts.${region}.${domain}`;
}

/** RFC 3986 encoding, as SigV4's canonical query string requires (encodeURIComponent leaves !'()*). */
const encode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const toBase64Url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

export async function eksToken(request: EksTokenRequest): Promise<EksToken> {
  const now = request.now ?? new Date();
  const hostname = stsHost(request.region);
  const signer = new SignatureV4({
    credentials: request.credentials,
    region: request.region,
    service: 'sts',
    sha256: Sha256,
  });
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      // Not x-amz-*, so the signer keeps it a header and signs it rather than hoisting it into the query.
      headers: { host: hostname, [CLUSTER_ID_HEADER]: request.clusterName },
    },
    { signingDate: now, expiresIn: URL_EXPIRES_SECONDS },
  );
  // The canonical (sorted) query, then the signature: the URL carries exactly what was signed.
  const { 'X-Amz-Signature': signature, ...signed } = presigned.query as Record<string, string>;
  const query = Object.keys(signed)
    .sort()
    .map((key) => `${encode(key)}=${encode(signed[key] ?? '')}`);
  const url = `https://${hostname}/?${[...query, `X-Amz-Signature=${signature ?? ''}`].join('&')}`;
  return {
    token: TOKEN_PREFIX + toBase64Url(url),
    expirationTimestamp: rfc3339Seconds(new Date(now.getTime() + TOKEN_LIFETIME_MS)),
  };
}

const rfc3339Seconds = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export const EXEC_API_V1BETA1 = 'client.authentication.k8s.io/v1beta1';
const EXEC_API_VERSIONS = [EXEC_API_V1BETA1, 'client.authentication.k8s.io/v1'];

export interface ExecCredential {
  readonly apiVersion: string;
  readonly kind: 'ExecCredential';
  readonly spec: Record<string, never>;
  readonly status: { readonly expirationTimestamp: string; readonly token: string };
}

/**
 * The API version to answer in: the one the client announces in KUBERNETES_EXEC_INFO (kubectl sets it
 * from the kubeconfig's `exec.apiVersion` and rejects an answer in another), else v1beta1, as aws-cli.
 */
export function execApiVersion(execInfo: string | undefined): string {
  if (!execInfo) return EXEC_API_V1BETA1;
  try {
    const announced = (JSON.parse(execInfo) as { apiVersion?: unknown }).apiVersion;
    return typeof announced === 'string' && EXEC_API_VERSIONS.includes(announced)
      ? announced
      : EXEC_API_V1BETA1;
  } catch {
    return EXEC_API_V1BETA1;
  }
}

/** What an exec credential plugin prints for kubectl (client-go caches it until the expiration). */
export const execCredential = (token: EksToken, apiVersion = EXEC_API_V1BETA1): ExecCredential => ({
  apiVersion,
  kind: 'ExecCredential',
  spec: {},
  status: { expirationTimestamp: token.expirationTimestamp, token: token.token },
});
