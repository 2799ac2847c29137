import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { isNetworkErrorCode } from '../../../src/kernel/network-errors.js';
import { RegistryAuth } from './auth.js';
import type { RegistryCredentials } from './credentials.js';
import { registryError, unexpectedStatus, type Doing } from './errors.js';

export interface RegistryRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  /** A path on the registry (`/v2/…`) or an absolute URL (an upload Location, a blob redirect). */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Bytes can be sent again (after a 401 or a 5xx); a stream cannot. */
  readonly body?: Uint8Array | AsyncIterable<Uint8Array>;
  /** The token scopes the request needs (`repository:a:pull`). */
  readonly scopes: readonly string[];
  /** For messages: `reading manifest team/app:1`. */
  readonly doing: Doing;
  /** Safe to repeat: retried on a 5xx or a failed connection. */
  readonly idempotent: boolean;
  /** Statuses the caller handles itself (besides 2xx). */
  readonly accept?: readonly number[];
}

export type RegistryResponse = Dispatcher.ResponseData;

export interface TransportOptions {
  /** `http:` for loopback and MLOPS_INSECURE_REGISTRIES hosts, else `https:`. */
  readonly protocol: 'http:' | 'https:';
  /** The host:port the API answers on (Docker Hub's is registry-1.docker.io). */
  readonly apiHost: string;
  readonly credentials: () => Promise<RegistryCredentials | undefined>;
  readonly signal?: AbortSignal;
  /** Attempts of an idempotent request, the first included. @default 3 */
  readonly attempts?: number;
  /** The first pause between attempts, doubled each time. @default 250 */
  readonly backoffMs?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * HTTP to one registry over undici: the base URL, the 401 challenge (through RegistryAuth), bounded
 * retries with backoff for idempotent requests, redirects followed without the Authorization header
 * (blob GETs go to S3 or a CDN on real registries), and failures turned into MlopsErrors naming the host.
 */
export class RegistryTransport {
  readonly base: URL;
  private readonly auth: RegistryAuth;
  private readonly dispatcher: Agent;

  constructor(
    readonly host: string,
    private readonly options: TransportOptions,
  ) {
    this.base = new URL(`${options.protocol}//${options.apiHost}`);
    // Fail fast on a closed port or a black hole; a stalled body is cut after five idle minutes.
    this.dispatcher = new Agent({ connectTimeout: 10_000, headersTimeout: 120_000, bodyTimeout: 300_000 });
    this.auth = new RegistryAuth(host, options.credentials, (url, init) =>
      request(url, { ...init, dispatcher: this.dispatcher, signal: options.signal }),
    );
  }

  /** The response of a 2xx (or an `accept`ed status); its body is the caller's to read or dump. */
  async send(req: RegistryRequest): Promise<RegistryResponse> {
    const attempts = req.idempotent ? (this.options.attempts ?? 3) : 1;
    for (let attempt = 1; ; attempt++) {
      const authorization = await this.auth.header(req.scopes);
      let response: RegistryResponse;
      try {
        response = await this.raw(req, authorization);
      } catch (error) {
        if (attempt < attempts && retryable(error)) {
          await this.pause(attempt);
          continue;
        }
        throw this.unreachable(req, error);
      }
      const status = response.statusCode;
      if (status === 401) {
        await response.body.dump();
        // Throws when this request carried credentials already; otherwise they are ready for a retry.
        await this.auth.challenged(
          responseHeader(response, 'www-authenticate'),
          req.scopes,
          authorization !== undefined,
        );
        if (req.body !== undefined && !(req.body instanceof Uint8Array)) {
          throw registryError(
            `The registry ${this.host} asked for credentials in the middle of ${req.doing}.`,
            'MLOPS_IMAGE_E7410',
            'Run the command again; if it persists, the registry’s tokens expire too fast for this upload.',
          );
        }
        attempt--;
        continue;
      }
      if ((status >= 200 && status < 300) || req.accept?.includes(status)) return response;
      const text = await response.body.text().catch(() => '');
      if (status >= 500 && attempt < attempts) {
        await this.pause(attempt);
        continue;
      }
      throw unexpectedStatus(this.host, req.doing, status, text);
    }
  }

  /** An absolute URL for a path or a Location (relative Locations resolve against the registry). */
  resolve(location: string): string {
    return new URL(location, this.base).toString();
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  /** One request, following redirects; the Authorization header goes only to the registry itself. */
  private async raw(req: RegistryRequest, authorization: string | undefined): Promise<RegistryResponse> {
    let url = this.resolve(req.url);
    for (let hop = 0; ; hop++) {
      const sameOrigin = new URL(url).origin === this.base.origin;
      const response = await request(url, {
        method: req.method,
        headers: {
          'user-agent': 'mlops',
          ...req.headers,
          ...(authorization && sameOrigin ? { authorization } : {}),
        },
        ...(req.body !== undefined
          ? {
              body:
                req.body instanceof Uint8Array ? req.body : Readable.from(req.body, { objectMode: false }),
            }
          : {}),
        dispatcher: this.dispatcher,
        signal: this.options.signal,
      });
      const location = responseHeader(response, 'location');
      const follow = (req.method === 'GET' || req.method === 'HEAD') && REDIRECTS.has(response.statusCode);
      if (!follow || !location || hop >= MAX_REDIRECTS) return response;
      await response.body.dump();
      url = new URL(location, url).toString();
    }
  }

  private pause(attempt: number): Promise<void> {
    return sleep((this.options.backoffMs ?? 250) * 2 ** (attempt - 1), undefined, {
      signal: this.options.signal,
    });
  }

  private unreachable(req: RegistryRequest, error: unknown) {
    if ((error as { name?: string }).name === 'AbortError') return error;
    const tls = /certificate|self[- ]signed|SSL|TLS|ERR_TLS|EPROTO/i.test(
      `${(error as { code?: string }).code} ${(error as Error).message} ${String((error as { cause?: unknown }).cause)}`,
    );
    return registryError(
      `The registry ${this.host} cannot be reached over ${this.base.protocol === 'http:' ? 'HTTP' : 'HTTPS'} (${req.doing}).`,
      'MLOPS_IMAGE_E7402',
      tls
        ? `Its TLS certificate is not trusted; for a registry without TLS, add ${this.host} to MLOPS_INSECURE_REGISTRIES (comma-separated hosts).`
        : `Check the host and port, the network (proxy, DNS, VPN), and that the registry runs; a registry without TLS needs ${this.host} in MLOPS_INSECURE_REGISTRIES.`,
      error,
    );
  }
}

export function responseHeader(response: RegistryResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Failures that mean a host that is not there (retrying would only delay the error). */
const ABSENT: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND']);

/** Connection failures worth another attempt (a reset, a timeout, a dropped socket). */
function retryable(error: unknown): boolean {
  const codes = [(error as { code?: string }).code, (error as { cause?: { code?: string } }).cause?.code];
  if (codes.some((code) => code !== undefined && ABSENT.has(code))) return false;
  return codes.some(
    (code) =>
      isNetworkErrorCode(code) ||
      code === 'UND_ERR_SOCKET' ||
      code === 'UND_ERR_CONNECT_TIMEOUT' ||
      code === 'UND_ERR_CLOSED',
  );
}
