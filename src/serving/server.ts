import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MlopsError } from '../kernel/errors.js';
import type { ServingApp } from './app.js';

export interface ListenOptions {
  /** @default '127.0.0.1' (only this machine; the container entry passes 0.0.0.0) */
  readonly host?: string;
  /** 0 picks a free port. @default 8080 */
  readonly port?: number;
  /**
   * After a stop request, keep accepting (with readiness at 503) this long before closing the listener,
   * so that load balancers stop sending new connections first (a Kubernetes preStop-like grace).
   */
  readonly drainDelayMs?: number;
  /** In-flight requests get this long to finish; then remaining connections are cut. @default 30 s */
  readonly drainTimeoutMs?: number;
}

export interface StopSummary {
  readonly reason: string;
  /** Requests answered after the stop began (in flight then, or arriving during the drain delay). */
  readonly drained: number;
  /** Requests answered since start. */
  readonly requests: number;
}

export interface RunningServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly server: Server;
  /** Graceful stop: readiness 503, stop accepting, drain in-flight requests, free the model. Idempotent. */
  stop(reason?: string): Promise<StopSummary>;
  /** Settles when the server has stopped (by `stop`). */
  readonly stopped: Promise<StopSummary>;
}

/**
 * Binds the app to a socket. Keep-alive outlives common load-balancer idle timeouts (60 s) so that the
 * balancer, not the server, closes idle connections; header and request timeouts bound slow clients.
 */
export async function listen(app: ServingApp, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer(
    { keepAliveTimeout: 65_000, headersTimeout: 20_000, requestTimeout: 30_000 },
    app.handler,
  );
  // Malformed HTTP (request line, headers, framing) never reaches the app: answer it in JSON too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ error: `malformed HTTP request (${error.code ?? error.message})` });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(listenError(error, host, options.port ?? 8080));
    server.once('error', onError);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let resolveStopped!: (summary: StopSummary) => void;
  const stopped = new Promise<StopSummary>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<StopSummary> | undefined;

  const stop = (reason = 'stop'): Promise<StopSummary> => {
    stopping ??= (async () => {
      app.beginDrain();
      const answeredBefore = app.status().requests;
      if (options.drainDelayMs) await new Promise((r) => setTimeout(r, options.drainDelayMs));
      await new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs ?? 30_000);
        cut.unref();
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        // Idle keep-alive sockets are closed now; busy ones close after their answer (Connection: close).
        server.closeIdleConnections();
      });
      await app.stop();
      const { requests } = app.status();
      const summary = { reason, drained: requests - answeredBefore, requests };
      resolveStopped(summary);
      return summary;
    })();
    return stopping;
  };

  return { url, host, port, server, stop, stopped };
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): MlopsError {
  const where = `${host}:${port}`;
  const hints: Record<string, string> = {
    EADDRINUSE: `Another process listens on ${where}: stop it, or pass --port (0 picks a free one).`,
    EACCES: `Ports below 1024 need privileges: pass --port 8080 or higher.`,
    EADDRNOTAVAIL: `${host} is not an address of this machine: pass --host 127.0.0.1 or 0.0.0.0.`,
    ENOTFOUND: `${host} does not resolve: pass --host 127.0.0.1 or 0.0.0.0.`,
  };
  return new MlopsError(`Cannot listen on ${where}: ${error.code ?? error.message}.`, {
    code: 'MLOPS_SERVE_E8006',
    hint: hints[error.code ?? ''] ?? 'Check --host and --port.',
    cause: error,
  });
}
