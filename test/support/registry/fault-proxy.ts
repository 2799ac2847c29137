import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the proxy saw, as a test asserts on it. */
export interface SeenRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** A canned answer instead of forwarding. */
export interface FaultAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface FaultProxyOptions {
  /** Answers a request itself (a fault) instead of forwarding it; undefined forwards. */
  readonly intercept?: (req: SeenRequest) => FaultAnswer | undefined;
  /** Changes the registry's answer headers before they go back (a relative Location, an extra header). */
  readonly rewrite?: (req: SeenRequest, headers: IncomingHttpHeaders) => IncomingHttpHeaders;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT`: a client opened on this host talks to the registry through the proxy. */
  readonly host: string;
  readonly seen: readonly SeenRequest[];
  stop(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of the test registry that can fail chosen requests (5xx), redirect
 * them, or rewrite answer headers: the faults a real registry or its CDN shows now and then. The Host
 * header is kept, so the registry's Locations point back at the proxy.
 */
export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const seen: SeenRequest[] = [];
  const upstream = new URL(target);
  const server = createServer((req: IncomingMessage, res) => {
    const entry: SeenRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    seen.push(entry);
    const fault = options.intercept?.(entry);
    if (fault) {
      req.resume();
      res.writeHead(fault.status, {
        'content-length': Buffer.byteLength(fault.body ?? ''),
        ...fault.headers,
      });
      res.end(fault.body ?? '');
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        const headers = options.rewrite ? options.rewrite(entry, { ...answer.headers }) : answer.headers;
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
