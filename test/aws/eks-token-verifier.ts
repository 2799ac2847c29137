/**
 * The checks aws-iam-authenticator's verifier (pkg/token/token.go, `tokenVerifier.Verify`) makes before it
 * calls STS with a token, ported so that a test can hold a token to EKS's own rules offline. The STS
 * call itself (does the signature match real credentials) is the one check left out.
 */

const V1_PREFIX = 'k8s-aws-v1.';
const MAX_TOKEN_LEN_BYTES = 1024 * 4;
const PRESIGNED_URL_EXPIRATION_MS = 15 * 60_000;
const CLUSTER_ID_HEADER = 'x-k8s-aws-id';

/** `parameterWhitelist`: any other query parameter is refused. */
const ALLOWED_PARAMETERS = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
]);

export interface VerifiedToken {
  readonly url: URL;
  /** Query parameters by lower-case name. */
  readonly params: ReadonlyMap<string, string>;
  readonly signedHeaders: readonly string[];
  readonly date: Date;
}

/**
 * The STS hosts the verifier accepts for a cluster in `region`: the global endpoint in the `aws`
 * partition, else the regional one in the partition's domain (`verifySTSHostnameFormat`).
 */
export function acceptedHosts(region: string): string[] {
  if (region.startsWith('cn-')) return [`sts.${region}.amazonaws.com.cn`];
  return ['sts.amazonaws.com', `sts.${region}.amazonaws.com`];
}

/** `X-Amz-Date`'s layout (Go's "20060102T150405Z"). */
function parseAmzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) throw new Error(`X-Amz-Date ${value} is not of the form 20060102T150405Z`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** Throws (with the verifier's reason) where Verify would refuse the token; `now` is the verifier's clock. */
export function verifyEksToken(token: string, options: { region: string; now: Date }): VerifiedToken {
  if (token.length > MAX_TOKEN_LEN_BYTES) throw new Error('token is too large');
  if (!token.startsWith(V1_PREFIX)) throw new Error(`token is missing expected "${V1_PREFIX}" prefix`);
  const encoded = token.slice(V1_PREFIX.length);
  // base64.RawURLEncoding: the URL-safe alphabet, no padding.
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) throw new Error('token is not unpadded base64url');
  const url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));

  if (url.protocol !== 'https:') throw new Error(`unexpected scheme ${url.protocol}`);
  if (!acceptedHosts(options.region).includes(url.host)) throw new Error(`unexpected hostname ${url.host}`);
  if (url.pathname !== '/') throw new Error('unexpected path in pre-signed URL');

  const params = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    const lower = key.toLowerCase();
    if (params.has(lower)) throw new Error(`duplicate query parameter ${key}`);
    if (!ALLOWED_PARAMETERS.has(lower)) throw new Error(`non-whitelisted query parameter ${key}`);
    params.set(lower, value);
  }
  if (params.get('action') !== 'GetCallerIdentity') throw new Error('unexpected action parameter');

  const signedHeaders = (params.get('x-amz-signedheaders') ?? '').split(';');
  if (!signedHeaders.some((h) => h.toLowerCase() === CLUSTER_ID_HEADER)) {
    throw new Error(`client did not sign the ${CLUSTER_ID_HEADER} header`);
  }

  const expiresText = params.get('x-amz-expires') ?? '';
  const expires = Number(expiresText);
  if (!/^\d+$/.test(expiresText) || expires > 900) {
    throw new Error(`invalid X-Amz-Expires parameter: ${expiresText}`);
  }

  const dateText = params.get('x-amz-date');
  if (!dateText) throw new Error('X-Amz-Date parameter must be present');
  const date = parseAmzDate(dateText);
  if (options.now.getTime() > date.getTime() + PRESIGNED_URL_EXPIRATION_MS) {
    throw new Error('X-Amz-Date parameter is expired (15 minute expiration)');
  }
  // Not in Verify (STS refuses such a signature itself), but a token from the future is a clock bug.
  if (date.getTime() > options.now.getTime()) throw new Error('X-Amz-Date is in the future');
  return { url, params, signedHeaders, date };
}
