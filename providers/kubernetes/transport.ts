import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { CredentialSource } from './credentials.js';
import {
  clusterError,
  statusError,
  transportError,
  type ClusterTarget,
  type KubeStatus,
  type RequestSubject,
} from './errors.js';

/** The TLS settings of the kubeconfig's cluster. */
export interface TlsSettings {
  /** PEM of the cluster's CA (certificate-authority-data / certificate-authority); absent: the system's. */
  readonly ca?: Buffer;
  /** tls-server-name: the name the server's certificate is checked against. */
  readonly serverName?: string;
  /** insecure-skip-tls-verify. */
  readonly skipVerify: boolean;
}

export interface KubeRequest {
  readonly method: 'GET' | 'PATCH' | 'DELETE';
  /** The API path, e.g. /apis/batch/v1/namespaces/training/jobs. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Sent as JSON (also the body of an apply: JSON is YAML). */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** What the request does, for error messages. */
  readonly subject: RequestSubject;
}

/** A request that gets no answer within this long fails as unreachable (streams: until their headers). */
const RESPONSE_TIMEOUT_MS = 30_000;

/**
 * HTTP to one API server with the kubeconfig's TLS and credentials, over node:https: small, no
 * dependency to load, and its response is the stream that watches and log follows read line by line.
 * Transport failures and error answers become the MlopsErrors of errors.ts.
 */
export class KubeTransport {
  private readonly url: URL;
  private readonly agent: http.Agent;

  constructor(
    readonly target: ClusterTarget,
    tls: TlsSettings,
    private readonly credentials: CredentialSource,
  ) {
    this.url = new URL(target.server);
    this.agent =
      this.url.protocol === 'http:'
        ? new http.Agent({ keepAlive: true })
        : new https.Agent({
            keepAlive: true,
            ...(tls.ca ? { ca: tls.ca } : {}),
            ...(tls.serverName ? { servername: tls.serverName } : {}),
            rejectUnauthorized: !tls.skipVerify,
          });
  }

  /** The response whatever its status (a stream, unread); a 401 with an exec plugin retries once with a fresh credential. */
  async open(request: KubeRequest): Promise<IncomingMessage> {
    const response = await this.send(request);
    if (response.statusCode !== 401 || this.credentials.auth !== 'exec') return response;
    response.resume();
    this.credentials.invalidate();
    return this.send(request);
  }

  /** The parsed JSON answer; an error status not in `tolerate` throws its MlopsError. */
  async call<T>(
    request: KubeRequest,
    tolerate: readonly number[] = [],
  ): Promise<{ readonly status: number; readonly body: T | undefined }> {
    const response = await this.open(request);
    const status = response.statusCode ?? 0;
    const body = await readJson<T & KubeStatus>(response, request, this.target);
    if (status >= 400 && !tolerate.includes(status)) throw this.failure(status, body, request.subject);
    return { status, body };
  }

  /** The MlopsError for an error answer (its Status body, when the server sent one). */
  failure(status: number, body: KubeStatus | undefined, subject: RequestSubject) {
    return statusError(status, body?.kind === 'Status' ? body : undefined, subject, this.target);
  }

  /** Reads an error answer's body and returns its MlopsError. */
  async failureOf(response: IncomingMessage, request: KubeRequest) {
    const body = await readJson<KubeStatus>(response, request, this.target).catch(() => undefined);
    return this.failure(response.statusCode ?? 0, body, request.subject);
  }

  private async send(request: KubeRequest): Promise<IncomingMessage> {
    const credentials = await this.credentials.get();
    const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined && value !== false) query.set(key, String(value));
    }
    const search = query.size ? `?${query}` : '';
    const requestFn = this.url.protocol === 'http:' ? http.request : https.request;
    return new Promise((resolve, reject) => {
      const req = requestFn({
        protocol: this.url.protocol,
        hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
        port: this.url.port || undefined,
        path: `${this.url.pathname.replace(/\/$/, '')}${request.path}${search}`,
        method: request.method,
        agent: this.agent,
        signal: request.signal,
        timeout: RESPONSE_TIMEOUT_MS,
        ...(credentials.cert ? { cert: credentials.cert, key: credentials.key } : {}),
        headers: {
          accept: 'application/json',
          'user-agent': 'mlops',
          ...(credentials.authorization ? { authorization: credentials.authorization } : {}),
          ...(body
            ? { 'content-type': request.contentType ?? 'application/json', 'content-length': body.length }
            : {}),
        },
      });
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })),
      );
      req.on('response', (response) => {
        req.setTimeout(0); // a watch or a log follow may rightly stay silent for long
        resolve(response);
      });
      req.on('error', (error) => reject(transportError(error, this.target) ?? error));
      req.end(body);
    });
  }
}

async function readJson<T>(
  response: IncomingMessage,
  request: KubeRequest,
  target: ClusterTarget,
): Promise<T | undefined> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of response) chunks.push(chunk as Buffer);
  } catch (error) {
    throw transportError(error, target) ?? error;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    if ((response.statusCode ?? 0) >= 400) return undefined;
    throw clusterError(
      `The API server at ${target.server} answered ${request.method} ${request.path} with something that is not JSON.`,
      'MLOPS_CLUSTER_E7113',
      `Check that ${target.server} (context ${target.context}) is a Kubernetes API server and not a proxy or a login page.`,
    );
  }
}
