/** Error codes (Node's and the AWS SDK's) that mean "the network path failed", not "the server said no". */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'TimeoutError',
  'RequestTimeout',
]);

export const isNetworkErrorCode = (code: string | undefined): boolean =>
  code !== undefined && NETWORK_CODES.has(code);
