import http from 'node:http';
import type { Agent, ClientRequest, IncomingMessage } from 'node:http';

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  /** The path and query, e.g. /v1/models/iris:predict. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly text: string;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Closes the kept-alive sockets (they would keep the process alive). */
  close(): Promise<void>;
}

export interface HttpClientOptions {
  /** Origin of every request: http://host:port or https://host:port. */
  readonly origin: URL;
  /** Connecting may take this long. */
  readonly connectTimeoutMs: number;
  /** The server may stay silent this long: before the answer's headers, or between parts of its body. */
  readonly idleTimeoutMs: number;
}

/** A request that took too long: code ETIMEDOUT, as Node's own, and a message saying what did. */
export class HttpClientError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * One origin over node:http(s) with a keep-alive Agent (requests one after another reuse one socket).
 * node:http is part of node itself: it starts in a few milliseconds, where undici (a CommonJS package,
 * HTTP parsed by WebAssembly) cost `mlops predict` about 60 ms more. node:https (and with it TLS) is
 * loaded only for an https origin.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const secure = options.origin.protocol === 'https:';
  const transport: Promise<Transport> = secure
    ? import('node:https').then((https) => ({ request: https.request, agent: new https.Agent(AGENT) }))
    : Promise.resolve({ request: http.request, agent: new http.Agent(AGENT) });
  return {
    async request(request) {
      const { agent, request: send } = await transport;
      try {
        return await exchange(send, agent, options, request);
      } catch (error) {
        // A kept-alive socket the server closed just as it was reused: Node's documented retry, once.
        if (error instanceof Error && staleSocket.has(error)) return exchange(send, agent, options, request);
        throw error;
      }
    },
    async close() {
      (await transport).agent.destroy();
    },
  };
}

const AGENT = { keepAlive: true } as const;

interface Transport {
  readonly request: typeof http.request;
  readonly agent: Agent;
}

/** Errors of a request sent on a reused kept-alive socket that the server had closed meanwhile. */
const staleSocket = new WeakSet<Error>();

function exchange(
  send: typeof http.request,
  agent: Agent,
  options: HttpClientOptions,
  { method, path, headers, body }: HttpRequest,
): Promise<HttpResponse> {
  const { origin, connectTimeoutMs, idleTimeoutMs } = options;
  const payload = body === undefined ? undefined : Buffer.from(body);
  return new Promise((resolve, reject) => {
    let connectTimer: NodeJS.Timeout | undefined;
    const fail = (req: ClientRequest, error: Error) => {
      clearTimeout(connectTimer);
      req.destroy();
      reject(error);
    };
    const req = send(
      {
        protocol: origin.protocol,
        hostname: origin.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: origin.port,
        method,
        path,
        agent,
        headers: payload ? { ...headers, 'content-length': String(payload.length) } : headers,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () =>
          resolve({ statusCode: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (error) => fail(req, error));
      },
    );
    req.once('socket', (socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(
        () => fail(req, timedOut(`no connection within ${seconds(connectTimeoutMs)}`)),
        connectTimeoutMs,
      );
      socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.setTimeout(idleTimeoutMs, () => fail(req, timedOut(`no answer within ${seconds(idleTimeoutMs)}`)));
    // `on`, not `once`: a request destroyed after a timeout may report once more.
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (req.reusedSocket && error.code === 'ECONNRESET') staleSocket.add(error);
      reject(error);
    });
    req.end(payload);
  });
}

const timedOut = (what: string) => new HttpClientError(what, 'ETIMEDOUT');

const seconds = (ms: number) => `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)} s`;
